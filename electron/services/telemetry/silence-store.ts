import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { silenceMatches, type Alert, type Silence } from '../../../shared/alerts.js';
import { storeError } from '../store/state-db.js';

interface SilenceRow {
  id: string;
  alert_id: string | null;
  node: string | null;
  rule: Silence['rule'] | null;
  reason: string;
  by: string;
  created_at: number;
  ends_at: number;
  ended_at: number | null;
  ended_by: string | null;
}

const toSilence = (r: SilenceRow): Silence => ({
  id: r.id,
  ...(r.alert_id !== null ? { alertId: r.alert_id } : {}),
  ...(r.node !== null ? { node: r.node } : {}),
  ...(r.rule !== null ? { rule: r.rule } : {}),
  reason: r.reason,
  by: r.by,
  createdAt: r.created_at,
  endsAt: r.ends_at,
  ...(r.ended_at !== null && r.ended_by !== null ? { ended: { at: r.ended_at, by: r.ended_by } } : {}),
});

/** Silences in the state store (next to the alerts they cover), so the app and the CLI honour the same ones. */
export class SilenceStore {
  constructor(
    private readonly db: Database.Database,
    private readonly file: string,
  ) {}

  private run<T>(f: () => T): T {
    try {
      return f();
    } catch (err) {
      throw storeError(this.file, err);
    }
  }

  add(s: Omit<Silence, 'id' | 'ended'>): Silence {
    const id = randomUUID();
    this.run(() =>
      this.db
        .prepare(
          `INSERT INTO silences (id, alert_id, node, rule, reason, by, created_at, ends_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(id, s.alertId ?? null, s.node ?? null, s.rule ?? null, s.reason, s.by, s.createdAt, s.endsAt),
    );
    return this.get(id)!;
  }

  get(id: string): Silence | undefined {
    const r = this.run(() => this.db.prepare('SELECT * FROM silences WHERE id = ?').get(id) as SilenceRow | undefined);
    return r ? toSilence(r) : undefined;
  }

  /** Ends a silence now; undefined when there is none by that id or it is already over. */
  end(id: string, by: string, at: number): Silence | undefined {
    const done = this.run(() =>
      this.db
        .prepare('UPDATE silences SET ended_at = ?, ended_by = ? WHERE id = ? AND ended_at IS NULL AND ends_at > ?')
        .run(at, by, id, at),
    );
    return done.changes === 0 ? undefined : this.get(id);
  }

  /** Silences in force at `at`. */
  active(at: number): Silence[] {
    return this.run(() =>
      (this.db.prepare('SELECT * FROM silences WHERE ended_at IS NULL AND ends_at > ? ORDER BY ends_at').all(at) as SilenceRow[]).map(
        toSilence,
      ),
    );
  }

  /** Newest first, ended ones too (the Alerts view lists recent ones). */
  recent(limit: number): Silence[] {
    return this.run(() =>
      (this.db.prepare('SELECT * FROM silences ORDER BY created_at DESC LIMIT ?').all(limit) as SilenceRow[]).map(toSilence),
    );
  }

  /** The silence covering an alert at `at` (the one that lasts longest), if any. */
  covering(a: Pick<Alert, 'id' | 'node' | 'rule'>, at: number, active = this.active(at)): Silence | undefined {
    return active.filter((s) => silenceMatches(s, a)).at(-1);
  }
}
