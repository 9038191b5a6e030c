import path from 'node:path';
import Database from 'better-sqlite3';
import { DeployStore } from '../../electron/services/deploy/deploy-store.js';
import { stateDbFile } from '../../electron/services/store/state-db.js';

/** The deployment store of a data directory, as the backend opens it (close it when done). */
export const openDeployStore = (dataDir: string) => DeployStore.open(stateDbFile(dataDir), path.join(dataDir, 'deployments'));

/** A rollout row changed by hand, outside Edgeward (what a damaged or tampered store looks like). */
export function writeRawRollout(dataDir: string, name: string, body: string): void {
  const db = new Database(stateDbFile(dataDir));
  try {
    db.prepare('INSERT OR REPLACE INTO rollouts (name, body) VALUES (?, ?)').run(name, body);
  } finally {
    db.close();
  }
}

export function readRawRollout(dataDir: string, name: string): string | undefined {
  const db = new Database(stateDbFile(dataDir), { readonly: true });
  try {
    return (db.prepare('SELECT body FROM rollouts WHERE name = ?').get(name) as { body: string } | undefined)?.body;
  } finally {
    db.close();
  }
}
