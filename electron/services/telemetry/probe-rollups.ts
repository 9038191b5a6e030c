import type Database from 'better-sqlite3';
import { percentile } from '../../../shared/stats.js';
import type { PeriodRollups } from './history-periods.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** A minute rollup's availability: its answered share of probes (none when it had none). */
export const MINUTE_AVAILABILITY_SQL = 'CASE WHEN n > 0 THEN 100.0 * ok / n END';

/** Minute latency rollups from the raw probes. Percentiles need the samples, not averages: computed here rather than in SQL. */
export function rollProbeMinutes(db: Database.Database, from: number, to: number): void {
  const rows = db.prepare('SELECT node, ep, ts, ok, ms FROM probe_raw WHERE ts >= ? AND ts < ? ORDER BY node, ep, ts').all(from, to) as {
    node: string;
    ep: string;
    ts: number;
    ok: number;
    ms: number | null;
  }[];
  const groups = new Map<string, typeof rows>();
  for (const r of rows) {
    const key = `${r.node}\u0000${r.ep}\u0000${Math.floor(r.ts / MINUTE) * MINUTE}`;
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  const upsert = db.prepare('INSERT OR REPLACE INTO probe_1m (node, ep, ts, p50, p95, p99, ok, n) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  for (const [key, g] of groups) {
    const [node = '', ep = '', ts = '0'] = key.split('\u0000');
    const ms = g.filter((r) => r.ok && r.ms !== null).map((r) => r.ms as number);
    const ok = g.filter((r) => r.ok).length;
    upsert.run(node, ep, Number(ts), percentile(ms, 50) ?? null, percentile(ms, 95) ?? null, percentile(ms, 99) ?? null, ok, g.length);
  }
}

/**
 * Hourly latency rollups, kept a year like the GPUs' hours. Each hour keeps the extremes of its
 * minutes (p50, p95, p99, availability) and its probe counts: a chart wider than a few days draws
 * each bucket's minimum and maximum of the minutes, and hours hold exactly those. Without them a
 * 30-day chart read 43,200 minute rows per endpoint, and a year showed only the last 30 days.
 */
export function rollProbeHours(db: Database.Database, from: number, to: number, periods: PeriodRollups): void {
  const hours = db
    .prepare(
      `INSERT OR REPLACE INTO probe_1h
     SELECT node, ep, (ts / ${HOUR}) * ${HOUR}, min(p50), max(p50), min(p95), max(p95), min(p99), max(p99),
       min(${MINUTE_AVAILABILITY_SQL}), max(${MINUTE_AVAILABILITY_SQL}), sum(ok), sum(n)
     FROM probe_1m WHERE ts >= ? AND ts < ? GROUP BY node, ep, ts / ${HOUR} RETURNING node, ep AS key, ts`,
    )
    .all(from, to) as { node: string; key: string; ts: number }[];
  periods.recompute('probe', hours);
}

/** Once per history file: the hours of the minute rollups written before hourly ones existed. */
export function backfillProbeHours(db: Database.Database, before: number, periods: PeriodRollups): void {
  if (db.prepare("SELECT 1 FROM meta WHERE key = 'probe_hours'").get()) return;
  db.transaction(() => {
    rollProbeHours(db, 0, before, periods);
    db.prepare("INSERT OR REPLACE INTO meta VALUES ('probe_hours', 1)").run();
  })();
}
