import type Database from 'better-sqlite3';
import { bucketing, type Bucket, type DownsampleOptions } from '../../../shared/downsample.js';
import { percentile } from '../../../shared/stats.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const AVAIL = 'CASE WHEN n > 0 THEN 100.0 * ok / n END';

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
export function rollProbeHours(db: Database.Database, from: number, to: number): void {
  db.prepare(
    `INSERT OR REPLACE INTO probe_1h
     SELECT node, ep, (ts / ${HOUR}) * ${HOUR}, min(p50), max(p50), min(p95), max(p95), min(p99), max(p99),
       min(${AVAIL}), max(${AVAIL}), sum(ok), sum(n)
     FROM probe_1m WHERE ts >= ? AND ts < ? GROUP BY node, ep, ts / ${HOUR}`,
  ).run(from, to);
}

/** Once per history file: the hours of the minute rollups written before hourly ones existed. */
export function backfillProbeHours(db: Database.Database, before: number): void {
  if (db.prepare("SELECT 1 FROM meta WHERE key = 'probe_hours'").get()) return;
  db.transaction(() => {
    rollProbeHours(db, 0, before);
    db.prepare("INSERT OR REPLACE INTO meta VALUES ('probe_hours', 1)").run();
  })();
}

/** Chart buckets of one endpoint from its hours (see history-buckets.ts for how buckets are reckoned). */
export function latencyHourBuckets(db: Database.Database, node: string, endpoint: string, o: DownsampleOptions): Bucket[] {
  const { buckets, width } = bucketing(o);
  const rows = db
    .prepare(
      `SELECT min(CAST((ts - @from) / @width AS INTEGER), @lastBucket) AS b, max(ts) AS last,
         min(p50_min) AS p50_min, max(p50_max) AS p50_max, min(p95_min) AS p95_min, max(p95_max) AS p95_max,
         min(p99_min) AS p99_min, max(p99_max) AS p99_max, min(avail_min) AS avail_min, max(avail_max) AS avail_max
       FROM probe_1h WHERE node = @node AND ep = @ep AND ts >= @from AND ts <= @to GROUP BY b ORDER BY b`,
    )
    .all({ node, ep: endpoint, from: o.from, to: o.to, width, lastBucket: buckets - 1 }) as Record<string, number | null>[];
  return rows.map((r) => {
    const b: Bucket = { b: r.b!, last: r.last!, min: {}, max: {} };
    for (const k of ['p50', 'p95', 'p99', 'avail']) {
      b.min[k] = r[`${k}_min`] ?? null;
      b.max[k] = r[`${k}_max`] ?? null;
    }
    return b;
  });
}
