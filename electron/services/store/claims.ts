import os from 'node:os';
import type Database from 'better-sqlite3';
import { processAlive } from '../common/process-alive.js';
import { openStateDb, storeError } from './state-db.js';

export interface ClaimHolder {
  pid: number;
  host: string;
  at: number;
}

/**
 * Claims on long work that one process at a time may do (the checks of a node's commissioning), in
 * the state store: taking one is a transaction, so two processes never both get it. A claim whose
 * process is gone (killed mid-run) is stale and taken over.
 */
export class Claims {
  private readonly me = { pid: process.pid, host: os.hostname() };

  private constructor(
    private readonly db: Database.Database,
    private readonly file: string,
  ) {}

  static open(dbFile: string, nativeBinding?: string): Claims {
    return new Claims(openStateDb(dbFile, nativeBinding), dbFile);
  }

  private live(h: ClaimHolder | undefined): h is ClaimHolder {
    // Another machine's process cannot be checked from here: its claim holds.
    return h !== undefined && (h.host !== this.me.host || processAlive(h.pid));
  }

  private row(what: string): ClaimHolder | undefined {
    return this.db.prepare('SELECT pid, host, at FROM claims WHERE what = ?').get(what) as ClaimHolder | undefined;
  }

  /** Takes the claim for this process, or returns the live process that holds it. */
  take(what: string): ClaimHolder | undefined {
    try {
      return this.db
        .transaction(() => {
          const h = this.row(what);
          if (this.live(h) && !(h.pid === this.me.pid && h.host === this.me.host)) return h;
          this.db
            .prepare('INSERT OR REPLACE INTO claims (what, pid, host, at) VALUES (?, ?, ?, ?)')
            .run(what, this.me.pid, this.me.host, Date.now());
          return undefined;
        })
        .immediate();
    } catch (err) {
      throw storeError(this.file, err);
    }
  }

  /** The live process other than this one that holds the claim, if any. */
  heldElsewhere(what: string): ClaimHolder | undefined {
    const h = this.row(what);
    return this.live(h) && !(h.pid === this.me.pid && h.host === this.me.host) ? h : undefined;
  }

  release(what: string): void {
    try {
      this.db.prepare('DELETE FROM claims WHERE what = ? AND pid = ? AND host = ?').run(what, this.me.pid, this.me.host);
    } catch {
      /* a claim left behind is stale once this process is gone */
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
