import type Database from 'better-sqlite3';
import { bucketing, type Bucket, type DownsampleOptions } from '../../../shared/downsample.js';

/**
 * Long chart ranges reduced inside SQLite: a year of hour rollups for 8 GPUs is 70,000 rows, and
 * handing each to JavaScript as an object only to keep two per bucket cost more than the chart. The
 * buckets are reckoned as shared/downsample.ts reckons them (same width, floor of the distance from
 * `from`, the last bucket open-ended), so both give the same points.
 */

export type GpuTable = 'gpu_raw' | 'gpu_1m' | 'gpu_1h';
const GPU_COLUMNS = ['util', 'temp', 'power', 'mem'] as const;
export type GpuColumn = (typeof GPU_COLUMNS)[number];

const bucketExpr = 'min(CAST((ts - @from) / @width AS INTEGER), @lastBucket)';

/** Each filled bucket of one GPU's series: its extremes per column (SQL's min/max skip nulls, as the chart does). */
export function gpuBuckets(db: Database.Database, table: GpuTable, node: string, gpu: number, o: DownsampleOptions): Bucket[] {
  const { buckets, width } = bucketing(o);
  const cols = GPU_COLUMNS.map((c) => `min(${c}) AS ${c}_min, max(${c}) AS ${c}_max`).join(', ');
  const rows = db
    .prepare(
      `SELECT ${bucketExpr} AS b, max(ts) AS last, ${cols} FROM ${table}
       WHERE node = @node AND gpu = @gpu AND ts >= @from AND ts <= @to GROUP BY b ORDER BY b`,
    )
    .all({ node, gpu, from: o.from, to: o.to, width, lastBucket: buckets - 1 }) as Record<string, number | null>[];
  return rows.map((r) => toBucket(r, GPU_COLUMNS));
}

const LATENCY_COLUMNS = ['p50', 'p95', 'p99', 'avail'] as const;

/** The same for one endpoint's minute latency rollups; availability is each minute's answered share. */
export function latencyBuckets(db: Database.Database, node: string, endpoint: string, o: DownsampleOptions): Bucket[] {
  const { buckets, width } = bucketing(o);
  const avail = 'CASE WHEN n > 0 THEN 100.0 * ok / n END';
  const rows = db
    .prepare(
      `SELECT ${bucketExpr} AS b, max(ts) AS last, min(p50) AS p50_min, max(p50) AS p50_max, min(p95) AS p95_min,
         max(p95) AS p95_max, min(p99) AS p99_min, max(p99) AS p99_max, min(${avail}) AS avail_min, max(${avail}) AS avail_max
       FROM probe_1m WHERE node = @node AND ep = @ep AND ts >= @from AND ts <= @to GROUP BY b ORDER BY b`,
    )
    .all({ node, ep: endpoint, from: o.from, to: o.to, width, lastBucket: buckets - 1 }) as Record<string, number | null>[];
  return rows.map((r) => toBucket(r, LATENCY_COLUMNS));
}

function toBucket(r: Record<string, number | null>, columns: readonly string[]): Bucket {
  const bucket: Bucket = { b: r.b!, last: r.last!, min: {}, max: {} };
  for (const c of columns) {
    bucket.min[c] = r[`${c}_min`] ?? null;
    bucket.max[c] = r[`${c}_max`] ?? null;
  }
  return bucket;
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
