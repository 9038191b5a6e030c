import fs from 'node:fs';
import path from 'node:path';
import { CommissionSession } from '../../../shared/commission/session.js';
import type { SectionId } from '../../../shared/commission/checks.js';

/** A commissioning as kept on disk: the session the views show, and what the checks were judged on. */
export interface StoredSession {
  session: CommissionSession;
  outputs: Partial<Record<SectionId, string>>;
  timings: Partial<Record<SectionId, { sentAt: number; receivedAt: number }>>;
  hostKey: string;
}

/** Where a node's commissionings are kept: `<data dir>/commissioning/NODE/ID.json` and the signed reports beside. */
export function commissionDir(dataDir: string, node?: string): string {
  return node === undefined ? path.join(dataDir, 'commissioning') : path.join(dataDir, 'commissioning', node);
}

/** The node's commissioning files, oldest first (their names start with the start time). */
export function sessionFileNames(dataDir: string, node: string): string[] {
  const dir = commissionDir(dataDir, node);
  return fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort()
    : [];
}

/** One commissioning read back; a section left "running" by a console that stopped mid-check (nobody runs it now) is cancelled. */
export function readSession(dataDir: string, node: string, file: string, running: boolean): StoredSession {
  const raw = JSON.parse(fs.readFileSync(path.join(commissionDir(dataDir, node), file), 'utf8')) as StoredSession;
  const stored = { ...raw, session: CommissionSession.parse(raw.session) };
  if (!running) {
    for (const x of stored.session.sections) {
      if (x.status === 'running') Object.assign(x, { status: 'cancelled', error: 'interrupted: the console stopped during this check' });
    }
  }
  return stored;
}
