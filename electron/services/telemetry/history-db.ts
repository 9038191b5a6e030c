import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS gpu_raw (node TEXT NOT NULL, gpu INTEGER NOT NULL, ts INTEGER NOT NULL,
    util REAL, temp REAL, power REAL, mem REAL);
  CREATE INDEX IF NOT EXISTS gpu_raw_key ON gpu_raw (node, gpu, ts);
  CREATE TABLE IF NOT EXISTS gpu_1m (node TEXT NOT NULL, gpu INTEGER NOT NULL, ts INTEGER NOT NULL,
    util REAL, temp REAL, temp_max REAL, power REAL, mem REAL, n INTEGER, PRIMARY KEY (node, gpu, ts));
  CREATE TABLE IF NOT EXISTS gpu_1h (node TEXT NOT NULL, gpu INTEGER NOT NULL, ts INTEGER NOT NULL,
    util REAL, temp REAL, temp_max REAL, power REAL, mem REAL, n INTEGER, PRIMARY KEY (node, gpu, ts));
  CREATE TABLE IF NOT EXISTS probe_raw (node TEXT NOT NULL, ep TEXT NOT NULL, ts INTEGER NOT NULL, ok INTEGER NOT NULL, ms REAL);
  CREATE INDEX IF NOT EXISTS probe_raw_key ON probe_raw (node, ep, ts);
  CREATE TABLE IF NOT EXISTS probe_1m (node TEXT NOT NULL, ep TEXT NOT NULL, ts INTEGER NOT NULL,
    p50 REAL, p95 REAL, p99 REAL, ok INTEGER, n INTEGER, PRIMARY KEY (node, ep, ts));
  CREATE TABLE IF NOT EXISTS probe_1h (node TEXT NOT NULL, ep TEXT NOT NULL, ts INTEGER NOT NULL,
    p50_min REAL, p50_max REAL, p95_min REAL, p95_max REAL, p99_min REAL, p99_max REAL, avail_min REAL, avail_max REAL,
    ok INTEGER, n INTEGER, PRIMARY KEY (node, ep, ts));
  -- Four-hour periods of the hours, their extremes and newest hour (history-periods.ts).
  CREATE TABLE IF NOT EXISTS gpu_4h (node TEXT NOT NULL, gpu INTEGER NOT NULL, ts INTEGER NOT NULL, last INTEGER NOT NULL,
    util_min REAL, util_max REAL, temp_min REAL, temp_max REAL, power_min REAL, power_max REAL, mem_min REAL, mem_max REAL,
    PRIMARY KEY (node, gpu, ts)) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS probe_4h (node TEXT NOT NULL, ep TEXT NOT NULL, ts INTEGER NOT NULL, last INTEGER NOT NULL,
    p50_min REAL, p50_max REAL, p95_min REAL, p95_max REAL, p99_min REAL, p99_max REAL, avail_min REAL, avail_max REAL,
    PRIMARY KEY (node, ep, ts)) WITHOUT ROWID;
  -- By time, for the rollups and retention each minute and hour: without these each of them read the
  -- whole table, seconds a minute on a day of one hundred nodes' raw samples, growing with the table.
  CREATE INDEX IF NOT EXISTS gpu_raw_ts ON gpu_raw (ts);
  CREATE INDEX IF NOT EXISTS gpu_1m_ts ON gpu_1m (ts);
  CREATE INDEX IF NOT EXISTS gpu_1h_ts ON gpu_1h (ts);
  CREATE INDEX IF NOT EXISTS gpu_4h_ts ON gpu_4h (ts);
  CREATE INDEX IF NOT EXISTS probe_raw_ts ON probe_raw (ts);
  CREATE INDEX IF NOT EXISTS probe_1m_ts ON probe_1m (ts);
  CREATE INDEX IF NOT EXISTS probe_1h_ts ON probe_1h (ts);
  CREATE INDEX IF NOT EXISTS probe_4h_ts ON probe_4h (ts);
  CREATE TABLE IF NOT EXISTS last_state (node TEXT PRIMARY KEY, at INTEGER NOT NULL, frame TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
`;

/** Something that happened to the history database, for the audit log and the operator. */
export interface HistoryTrouble {
  kind: 'corrupt' | 'unwritable' | 'full' | 'busy';
  message: string;
  /** Where a corrupt database was moved (kept for forensics, never deleted). */
  movedTo?: string;
}

/** SQLite's word that the file is damaged (not: busy, full or locked, which pass). */
export function isCorruption(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? '';
  return /^SQLITE_(CORRUPT|NOTADB)/.test(code) || /malformed|not a database/i.test((err as Error).message ?? '');
}

function openAndCheck(file: string, nativeBinding?: string): Database.Database {
  const db = new Database(file, nativeBinding ? { nativeBinding } : {});
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // A second of 1,000 nodes' samples touches a thousand index pages, the same ones second after
    // second: a cache that holds them and a checkpoint every ~40 MB of log instead of every 4 MB
    // (each page copied back once per many writes) took a fifth off the cost of writing history.
    db.pragma('cache_size = -16384');
    db.pragma('wal_autocheckpoint = 10000');
    // One transaction: each CREATE on its own rewrote the schema page into the log, 27 times on a new file.
    db.transaction(() => db.exec(SCHEMA))();
    // A damaged page may only show when read: a quick check costs milliseconds on a healthy file.
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw Object.assign(new Error(`integrity check: ${String(check)}`), { code: 'SQLITE_CORRUPT' });
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/** Moves a damaged database (and its WAL and shared-memory files) aside; returns where it went. */
export function moveAside(file: string): string {
  const to = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  for (const suffix of ['', '-wal', '-shm']) if (fs.existsSync(file + suffix)) fs.renameSync(file + suffix, to + suffix);
  return to;
}

/**
 * Opens the history database. A corrupt one is moved aside and a new one started; one that cannot
 * be opened at all (permissions, a full disk) is replaced by an in-memory database, so the console
 * keeps running either way and says what happened.
 */
export function openHistoryDb(file: string, nativeBinding?: string): { db: Database.Database; trouble?: HistoryTrouble } {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    return { db: openAndCheck(file, nativeBinding) };
  } catch (err) {
    const reason = (err as Error).message;
    if (isCorruption(err)) {
      const movedTo = moveAside(file);
      try {
        return {
          db: openAndCheck(file, nativeBinding),
          trouble: {
            kind: 'corrupt',
            movedTo,
            message: `telemetry history was damaged (${reason}); kept as ${movedTo}, a new history was started`,
          },
        };
      } catch (again) {
        return {
          db: openAndCheck(':memory:', nativeBinding),
          trouble: {
            kind: 'unwritable',
            movedTo,
            message: `telemetry history cannot be created (${(again as Error).message}); history is kept in memory only until restart`,
          },
        };
      }
    }
    return {
      db: openAndCheck(':memory:', nativeBinding),
      trouble: {
        kind: 'unwritable',
        message: `telemetry history cannot be opened (${reason}); history is kept in memory only until restart`,
      },
    };
  }
}
