import type Database from 'better-sqlite3';
import { bucketOf, bucketing, type Bucket, type DownsampleOptions } from '../../../shared/downsample.js';
import { MINUTE_AVAILABILITY_SQL } from './probe-rollups.js';

/**
 * Long chart ranges reduced inside SQLite: a year of hour rollups for 8 GPUs is 70,000 rows, and
 * handing each to JavaScript as an object only to keep two per bucket cost more than the chart. The
 * buckets are reckoned as shared/downsample.ts reckons them (same width, floor of the distance from
 * `from`, the last bucket open-ended), so both give the same points.
 */

export type GpuTable = 'gpu_raw' | 'gpu_1m' | 'gpu_1h';

/** A chart column: the SQL of its minimum and of its maximum over a bucket's rows (min/max skip nulls, as the chart does). */
type Column = { name: string; min: string; max: string };
/** Each column's minimum and maximum over a group of rows, as name_min and name_max, in the columns' order. */
export const extremesSql = (columns: readonly Column[]) =>
  columns.map((c) => `${c.min} AS ${c.name}_min, ${c.max} AS ${c.name}_max`).join(', ');
const plain = (name: string): Column => ({ name, min: `min(${name})`, max: `max(${name})` });
/** Rows holding each column's extremes already (hour latency rollups, periods) as name_min and name_max. */
const extremesOf = (names: readonly string[]): Column[] =>
  names.map((name) => ({ name, min: `min(${name}_min)`, max: `max(${name}_max)` }));

/**
 * The chart's buckets as rows (number, first and past-last time), so SQLite walks them in order and
 * reads each bucket's slice off the series' index: grouping the rows by a computed bucket number
 * instead sorted every row of a year through a temporary B-tree, a third of the query's time.
 * Edges are the first integer time `bucketOf` puts in each bucket, so both ways draw the same points.
 */
const ensuredBucketTable = new WeakSet<Database.Database>();
const filledBuckets = new WeakMap<Database.Database, string>();

function fillBuckets(db: Database.Database, o: DownsampleOptions): void {
  const { buckets, width } = bucketing(o);
  const key = `${o.from}/${o.to}/${buckets}/${width}`;
  if (filledBuckets.get(db) === key) return; // the other series of the same chart
  if (!ensuredBucketTable.has(db)) {
    db.exec(
      'CREATE TEMP TABLE IF NOT EXISTS chart_bucket (bucket INTEGER PRIMARY KEY, first_ts INTEGER NOT NULL, past_ts INTEGER NOT NULL)',
    );
    ensuredBucketTable.add(db);
  }
  const starts: number[] = [o.from];
  for (let b = 1; b < buckets; b++) {
    let t = Math.ceil(o.from + b * width);
    while (t > o.from && bucketOf(t - 1, o.from, width, buckets) >= b) t--;
    while (bucketOf(t, o.from, width, buckets) < b) t++;
    starts.push(t);
  }
  const insert = db.prepare('INSERT INTO chart_bucket VALUES (?, ?, ?)');
  db.transaction(() => {
    db.exec('DELETE FROM chart_bucket');
    // The last bucket is open-ended up to `to`, as bucketOf makes it.
    for (let b = 0; b < buckets; b++) insert.run(b, starts[b]!, b + 1 < buckets ? starts[b + 1]! : o.to + 1);
  })();
  filledBuckets.set(db, key);
}

/** Each filled bucket of one series (`keyColumn` = `key`) of a node, in order. */
function bucketsOf(
  db: Database.Database,
  table: string,
  keyColumn: 'gpu' | 'ep',
  node: string,
  key: number | string,
  columns: readonly Column[],
  o: DownsampleOptions,
  /** The newest sample of a bucket's rows (a period row holds its newest hour). */
  lastSql = 'max(ts)',
): Bucket[] {
  fillBuckets(db, o);
  const extremes = extremesSql(columns);
  const rows = db
    .prepare(
      `SELECT bucket AS b, ${lastSql} AS last, ${extremes} FROM chart_bucket JOIN ${table}
       ON node = @node AND ${keyColumn} = @key AND ts >= first_ts AND ts < past_ts AND ts >= @from AND ts <= @to
       GROUP BY bucket ORDER BY bucket`,
    )
    .all({ node, key, from: o.from, to: o.to }) as Record<string, number | null>[];
  return rows.map((r) => {
    const bucket: Bucket = { b: r.b!, last: r.last!, min: {}, max: {} };
    for (const c of columns) {
      bucket.min[c.name] = r[`${c.name}_min`] ?? null;
      bucket.max[c.name] = r[`${c.name}_max`] ?? null;
    }
    return bucket;
  });
}

export const GPU_COLUMNS = ['util', 'temp', 'power', 'mem'].map(plain);
/** Minute rollups: availability is each minute's answered share. */
const LATENCY_MINUTE_COLUMNS = [
  ...['p50', 'p95', 'p99'].map(plain),
  { name: 'avail', min: `min(${MINUTE_AVAILABILITY_SQL})`, max: `max(${MINUTE_AVAILABILITY_SQL})` },
];
/** Hour rollups hold their minutes' extremes already. */
export const LATENCY_HOUR_COLUMNS = extremesOf(['p50', 'p95', 'p99', 'avail']);

const GPU_PERIOD_COLUMNS = extremesOf(['util', 'temp', 'power', 'mem']);

/** From the four-hour periods: only for whole-period buckets (history-periods.ts), where they equal the hours' buckets. */
export function gpuPeriodBuckets(db: Database.Database, node: string, gpu: number, o: DownsampleOptions): Bucket[] {
  return bucketsOf(db, 'gpu_4h', 'gpu', node, gpu, GPU_PERIOD_COLUMNS, o, 'max(last)');
}

export function latencyPeriodBuckets(db: Database.Database, node: string, endpoint: string, o: DownsampleOptions): Bucket[] {
  return bucketsOf(db, 'probe_4h', 'ep', node, endpoint, LATENCY_HOUR_COLUMNS, o, 'max(last)');
}

export function gpuBuckets(db: Database.Database, table: GpuTable, node: string, gpu: number, o: DownsampleOptions): Bucket[] {
  return bucketsOf(db, table, 'gpu', node, gpu, GPU_COLUMNS, o);
}

export function latencyBuckets(db: Database.Database, node: string, endpoint: string, o: DownsampleOptions): Bucket[] {
  return bucketsOf(db, 'probe_1m', 'ep', node, endpoint, LATENCY_MINUTE_COLUMNS, o);
}

export function latencyHourBuckets(db: Database.Database, node: string, endpoint: string, o: DownsampleOptions): Bucket[] {
  return bucketsOf(db, 'probe_1h', 'ep', node, endpoint, LATENCY_HOUR_COLUMNS, o);
}

/** Rows of one series in a time range, counted on its index. */
export function seriesRows(
  db: Database.Database,
  table: GpuTable | 'probe_1m',
  node: string,
  key: number | string,
  from: number,
  to: number,
) {
  const keyColumn = table === 'probe_1m' ? 'ep' : 'gpu';
  return (
    db
      .prepare(`SELECT count(*) AS n FROM ${table} WHERE node = ? AND ${keyColumn} = ? AND ts >= ? AND ts <= ?`)
      .get(node, key, from, to) as {
      n: number;
    }
  ).n;
}

/**
 * The distinct second keys (GPU index, endpoint) of a node in a table keyed (node, key, ts), by
 * skipping from one key to the next on the index: a DISTINCT over the node's rows read all 345,000
 * minute rows of an 8-GPU node. With `from`, only keys with a row at or after it.
 */
export function keysOf<K extends number | string>(
  db: Database.Database,
  table: GpuTable | 'probe_1h' | 'probe_1m' | 'probe_raw',
  node: string,
  from?: number,
): K[] {
  const keyColumn = table.startsWith('probe') ? 'ep' : 'gpu';
  const first = db.prepare(`SELECT min(${keyColumn}) AS k FROM ${table} WHERE node = ?`);
  const next = db.prepare(`SELECT min(${keyColumn}) AS k FROM ${table} WHERE node = ? AND ${keyColumn} > ?`);
  const since = db.prepare(`SELECT 1 FROM ${table} WHERE node = ? AND ${keyColumn} = ? AND ts >= ? LIMIT 1`);
  const out: K[] = [];
  for (let k = (first.get(node) as { k: K | null }).k; k !== null; k = (next.get(node, k) as { k: K | null }).k)
    if (from === undefined || since.get(node, k, from)) out.push(k);
  return out;
}
