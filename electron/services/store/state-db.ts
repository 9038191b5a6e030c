import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AppErrorException, appError } from '../../../shared/errors.js';

/**
 * The state store: mutable state that several Edgeward processes share (the app and CLIs at the
 * same time), in one SQLite file with WAL and a busy timeout, so each change is a transaction and
 * none is lost to a concurrent writer. Its schema carries a version (PRAGMA user_version) and is
 * brought up to date by the migrations below, in order, each in its own transaction.
 */
export interface Migration {
  version: number;
  what: string;
  up: (db: Database.Database) => void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    what: 'alerts: current state with first/last seen and acknowledgements, and their history',
    up: (db) =>
      db.exec(`
        CREATE TABLE alerts (
          id TEXT PRIMARY KEY, rule TEXT NOT NULL, node TEXT NOT NULL, gpu INTEGER, endpoint TEXT,
          severity TEXT NOT NULL, state TEXT NOT NULL, since INTEGER NOT NULL, updated_at INTEGER NOT NULL,
          message TEXT NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,
          acked_by TEXT, acked_at INTEGER, unrecorded TEXT);
        CREATE INDEX alerts_node ON alerts (node);
        CREATE TABLE alert_events (
          seq INTEGER PRIMARY KEY AUTOINCREMENT, alert_id TEXT NOT NULL, rule TEXT NOT NULL, node TEXT NOT NULL,
          kind TEXT NOT NULL, at INTEGER NOT NULL, severity TEXT NOT NULL, message TEXT NOT NULL, by TEXT);
        CREATE INDEX alert_events_node ON alert_events (node, seq);
      `),
  },
  {
    version: 2,
    what: 'the node inventory (one row per node), a change counter other processes read, and which files were imported',
    up: (db) =>
      db.exec(`
        CREATE TABLE nodes (name TEXT PRIMARY KEY, body TEXT NOT NULL);
        CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
        INSERT INTO counters (name, value) VALUES ('inventory', 0);
        CREATE TABLE imports (what TEXT PRIMARY KEY, at INTEGER NOT NULL, source TEXT NOT NULL, rows INTEGER NOT NULL);
      `),
  },
  {
    version: 3,
    what: 'claims on long work (a commissioning run per node): which process holds each',
    up: (db) => db.exec('CREATE TABLE claims (what TEXT PRIMARY KEY, pid INTEGER NOT NULL, host TEXT NOT NULL, at INTEGER NOT NULL);'),
  },
  {
    version: 4,
    what: 'deployments: each revision (spec, hash, pinned image) and the current or last rollout',
    up: (db) =>
      db.exec(`
        CREATE TABLE revisions (name TEXT NOT NULL, revision INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (name, revision));
        CREATE TABLE rollouts (name TEXT PRIMARY KEY, body TEXT NOT NULL);
      `),
  },
  {
    version: 5,
    what: 'alerts: an acknowledgement note, the Xid code of an Xid alert, and silences',
    up: (db) =>
      db.exec(`
        ALTER TABLE alerts ADD COLUMN ack_note TEXT;
        ALTER TABLE alerts ADD COLUMN xid INTEGER;
        ALTER TABLE alert_events ADD COLUMN note TEXT;
        CREATE TABLE silences (
          id TEXT PRIMARY KEY, alert_id TEXT, node TEXT, rule TEXT, reason TEXT NOT NULL, by TEXT NOT NULL,
          created_at INTEGER NOT NULL, ends_at INTEGER NOT NULL, ended_at INTEGER, ended_by TEXT);
      `),
  },
  {
    version: 6,
    what: 'services: each clinical service as applied (its YAML, who, when), and site maintenance windows',
    up: (db) =>
      db.exec(`
        CREATE TABLE services (name TEXT PRIMARY KEY, yaml TEXT NOT NULL, body TEXT NOT NULL, by TEXT NOT NULL, updated_at INTEGER NOT NULL);
        CREATE TABLE site_windows (site TEXT PRIMARY KEY, body TEXT NOT NULL, by TEXT NOT NULL, updated_at INTEGER NOT NULL);
      `),
  },
  {
    version: 7,
    what: 'audit forwarding: each SIEM collector, its format and CA, and the last record it has for sure',
    up: (db) =>
      db.exec(`
        CREATE TABLE audit_forwarders (
          url TEXT PRIMARY KEY, format TEXT NOT NULL, ca TEXT, cursor INTEGER NOT NULL, created_at INTEGER NOT NULL,
          last_ok_at INTEGER, last_error TEXT, last_error_at INTEGER);
      `),
  },
  {
    version: 8,
    what: 'audit forwarding: how many signed checkpoints each collector has been sent',
    up: (db) => db.exec('ALTER TABLE audit_forwarders ADD COLUMN checkpoints_sent INTEGER NOT NULL DEFAULT 0;'),
  },
  {
    version: 9,
    what: 'batch jobs: each job as applied, and the history of its runs (counts only)',
    up: (db) =>
      db.exec(`
        CREATE TABLE jobs (name TEXT PRIMARY KEY, yaml TEXT NOT NULL, body TEXT NOT NULL, by TEXT NOT NULL, updated_at INTEGER NOT NULL);
        CREATE TABLE job_runs (id TEXT PRIMARY KEY, job TEXT NOT NULL, body TEXT NOT NULL, started_at INTEGER NOT NULL);
        CREATE INDEX job_runs_by_job ON job_runs (job, started_at);
      `),
  },
];

/** Where the state store lives: a folder of its own, so it can sit on a volume of its own. */
export const stateDbFile = (dataDir: string) => path.join(dataDir, 'state', 'state.db');

export const SCHEMA_VERSION = MIGRATIONS.at(-1)!.version;

/** SQLite's errors in words a user can act on. */
export function storeError(file: string, err: unknown): AppErrorException {
  const code = (err as { code?: string }).code ?? '';
  if (code === 'SQLITE_FULL' || /disk is full|database or disk is full/i.test(String(err)))
    return new AppErrorException(
      appError('UNAVAILABLE', `The disk holding ${file} is full: nothing was changed`, 'Free space on that disk, then try again.'),
    );
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
    return new AppErrorException(appError('UNAVAILABLE', `${file} is busy in another Edgeward process`, 'Wait a moment and try again.'));
  return new AppErrorException(
    appError(
      'INTERNAL',
      `The state store ${file} failed: ${(err as Error).message ?? String(err)}`,
      'Check the disk and permissions of the data directory.',
    ),
  );
}

/** Opens (creating or migrating) the store; `:memory:` for a private, throwaway one. */
export function openStateDb(file: string, nativeBinding?: string): Database.Database {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  let db: Database.Database;
  try {
    db = new Database(file, nativeBinding ? { nativeBinding } : {});
  } catch (err) {
    throw storeError(file, err);
  }
  try {
    if (file !== ':memory:') fs.chmodSync(file, 0o600);
    db.pragma('busy_timeout = 10000');
    db.pragma('journal_mode = WAL');
    // Shared state must survive a power cut once a change is reported done.
    db.pragma('synchronous = FULL');
    migrate(db, file);
    return db;
  } catch (err) {
    db.close();
    throw err instanceof AppErrorException ? err : storeError(file, err);
  }
}

function migrate(db: Database.Database, file: string): void {
  const version = () => Number(db.pragma('user_version', { simple: true }));
  if (version() > SCHEMA_VERSION) {
    throw new AppErrorException(
      appError(
        'CONFLICT',
        `${file} has schema version ${version()}, newer than this Edgeward knows (${SCHEMA_VERSION})`,
        'Use the Edgeward version that wrote it, or a newer one.',
      ),
    );
  }
  for (const m of MIGRATIONS) {
    // IMMEDIATE: two processes starting at once migrate one after the other, never both.
    db.exec('BEGIN IMMEDIATE');
    try {
      if (version() < m.version) {
        m.up(db);
        db.pragma(`user_version = ${m.version}`);
      }
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    }
  }
}
