import type Database from 'better-sqlite3';
import type { Alert, AlertEvent } from '../../../shared/alerts.js';
import { openStateDb, storeError } from '../store/state-db.js';
import { SilenceStore } from './silence-store.js';

interface AlertRow {
  id: string;
  rule: Alert['rule'];
  node: string;
  gpu: number | null;
  endpoint: string | null;
  severity: Alert['severity'];
  state: Alert['state'];
  since: number;
  updated_at: number;
  message: string;
  first_seen: number;
  last_seen: number;
  acked_by: string | null;
  acked_at: number | null;
  ack_note: string | null;
  xid: number | null;
  unrecorded: string | null;
}

const toAlert = (r: AlertRow): Alert => ({
  id: r.id,
  rule: r.rule,
  node: r.node,
  ...(r.gpu !== null ? { gpu: r.gpu } : {}),
  ...(r.endpoint !== null ? { endpoint: r.endpoint } : {}),
  severity: r.severity,
  state: r.state,
  since: r.since,
  updatedAt: r.updated_at,
  message: r.message,
  firstSeen: r.first_seen,
  lastSeen: r.last_seen,
  ...(r.acked_by !== null && r.acked_at !== null
    ? { acknowledged: { by: r.acked_by, at: r.acked_at, ...(r.ack_note !== null ? { note: r.ack_note } : {}) } }
    : {}),
  ...(r.xid !== null ? { xid: r.xid } : {}),
  ...(r.unrecorded !== null ? { unrecorded: r.unrecorded } : {}),
});

/** How stale "last seen" may get on disk while an alert keeps firing (saves a write per frame). */
const LAST_SEEN_EVERY_MS = 30_000;

/**
 * Alerts in the state store: what fires now, since when, first and last seen, who acknowledged,
 * and the history of every firing, resolving and acknowledgement. Each change is one transaction
 * that decides whether it is a change at all, so two processes watching the same node fire an
 * alert once, not twice.
 */
export class AlertStore {
  readonly silences: SilenceStore;

  constructor(
    private readonly db: Database.Database,
    private readonly file = 'the alert store',
  ) {
    this.silences = new SilenceStore(db, file);
  }

  static open(file: string, nativeBinding?: string): AlertStore {
    return new AlertStore(openStateDb(file, nativeBinding), file);
  }

  // Prepared once: firingOn runs for every node on every publish (1,000 nodes: most of telemetry's CPU
  // went into compiling the same SELECT again).
  private readonly statements = new Map<string, Database.Statement>();
  private sql(text: string): Database.Statement {
    let s = this.statements.get(text);
    if (!s) this.statements.set(text, (s = this.db.prepare(text)));
    return s;
  }

  private tx<T>(f: () => T): T {
    try {
      return this.db.transaction(f).immediate();
    } catch (err) {
      throw storeError(this.file, err);
    }
  }

  private row(id: string): AlertRow | undefined {
    return this.sql('SELECT * FROM alerts WHERE id = ?').get(id) as AlertRow | undefined;
  }

  private event(a: Alert, kind: AlertEvent['kind'], at: number, by?: string, note?: string): void {
    this.db
      .prepare('INSERT INTO alert_events (alert_id, rule, node, kind, at, severity, message, by, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(a.id, a.rule, a.node, kind, at, a.severity, a.message, by ?? null, note ?? null);
  }

  all(): Alert[] {
    try {
      return (this.sql('SELECT * FROM alerts').all() as AlertRow[]).map(toAlert);
    } catch (err) {
      throw storeError(this.file, err);
    }
  }

  /** The alerts firing on a node now. */
  firingOn(node: string): Alert[] {
    try {
      return (this.sql("SELECT * FROM alerts WHERE node = ? AND state = 'firing'").all(node) as AlertRow[]).map(toAlert);
    } catch (err) {
      throw storeError(this.file, err);
    }
  }

  get(id: string): Alert | undefined {
    const r = this.row(id);
    return r ? toAlert(r) : undefined;
  }

  /**
   * The condition of `seen` is present at `at`. Fires the alert unless it fires already (from this
   * process or another); updates its message and severity when they changed.
   */
  observe(seen: Alert, at: number): { alert: Alert; fired: boolean; changed: boolean } {
    // Most frames change nothing: answered from a read, without taking the write lock.
    const now = this.row(seen.id);
    if (
      now?.state === 'firing' &&
      now.message === seen.message &&
      now.severity === seen.severity &&
      now.xid === (seen.xid ?? null) &&
      at - now.last_seen < LAST_SEEN_EVERY_MS
    )
      return { alert: toAlert(now), fired: false, changed: false };
    return this.tx(() => {
      const r = this.row(seen.id);
      if (r?.state === 'firing') {
        const changed = r.message !== seen.message || r.severity !== seen.severity || r.xid !== (seen.xid ?? null);
        if (changed || at - r.last_seen >= LAST_SEEN_EVERY_MS) {
          this.db
            .prepare('UPDATE alerts SET message = ?, severity = ?, xid = ?, updated_at = ?, last_seen = ? WHERE id = ?')
            .run(seen.message, seen.severity, seen.xid ?? null, changed ? at : r.updated_at, at, seen.id);
        }
        return { alert: toAlert(this.row(seen.id)!), fired: false, changed };
      }
      this.db
        .prepare(
          `INSERT INTO alerts (id, rule, node, gpu, endpoint, severity, state, since, updated_at, message, first_seen, last_seen, xid)
           VALUES (@id, @rule, @node, @gpu, @endpoint, @severity, 'firing', @at, @at, @message, @at, @at, @xid)
           ON CONFLICT (id) DO UPDATE SET severity = @severity, state = 'firing', since = @at, updated_at = @at,
             message = @message, last_seen = @at, xid = @xid, acked_by = NULL, acked_at = NULL, ack_note = NULL, unrecorded = NULL`,
        )
        .run({
          id: seen.id,
          rule: seen.rule,
          node: seen.node,
          gpu: seen.gpu ?? null,
          endpoint: seen.endpoint ?? null,
          severity: seen.severity,
          message: seen.message,
          xid: seen.xid ?? null,
          at,
        });
      const alert = toAlert(this.row(seen.id)!);
      this.event(alert, 'fire', at);
      return { alert, fired: true, changed: true };
    });
  }

  /** Resolves a firing alert; undefined when it was not firing (or another process resolved it first). */
  resolve(id: string, at: number): Alert | undefined {
    return this.tx(() => {
      const done = this.db
        .prepare("UPDATE alerts SET state = 'resolved', updated_at = ?, last_seen = ? WHERE id = ? AND state = 'firing'")
        .run(at, at, id);
      if (done.changes === 0) return undefined;
      const alert = toAlert(this.row(id)!);
      this.event(alert, 'resolve', at);
      return alert;
    });
  }

  acknowledge(id: string, by: string, at: number, note?: string): Alert | undefined {
    return this.tx(() => {
      const done = this.sql('UPDATE alerts SET acked_by = ?, acked_at = ?, ack_note = ? WHERE id = ?').run(by, at, note ?? null, id);
      if (done.changes === 0) return undefined;
      const alert = toAlert(this.row(id)!);
      this.event(alert, 'acknowledge', at, by, note);
      return alert;
    });
  }

  /** The audit log could not record a firing or resolving: said on the alert. */
  noteUnrecorded(id: string, why: string): Alert | undefined {
    return this.tx(() => {
      this.sql('UPDATE alerts SET unrecorded = ? WHERE id = ?').run(why.slice(0, 500), id);
      const r = this.row(id);
      return r ? toAlert(r) : undefined;
    });
  }

  /** Newest first; `before` pages back through older events, `since` (ms) keeps a time range. */
  history(q: { node?: string; limit: number; before?: number; since?: number }): AlertEvent[] {
    try {
      const rows = this.db
        .prepare(
          `SELECT * FROM alert_events WHERE (@node IS NULL OR node = @node) AND (@before IS NULL OR seq < @before)
             AND (@since IS NULL OR at >= @since)
           ORDER BY seq DESC LIMIT @limit`,
        )
        .all({ node: q.node ?? null, before: q.before ?? null, since: q.since ?? null, limit: q.limit }) as {
        seq: number;
        alert_id: string;
        rule: AlertEvent['rule'];
        node: string;
        kind: AlertEvent['kind'];
        at: number;
        severity: AlertEvent['severity'];
        message: string;
        by: string | null;
        note: string | null;
      }[];
      return rows.map((r) => ({
        seq: r.seq,
        alertId: r.alert_id,
        rule: r.rule,
        node: r.node,
        kind: r.kind,
        at: r.at,
        severity: r.severity,
        message: r.message,
        ...(r.by !== null ? { by: r.by } : {}),
        ...(r.note !== null ? { note: r.note } : {}),
      }));
    } catch (err) {
      throw storeError(this.file, err);
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
