import { stringify } from 'csv-stringify/sync';
import { downsampleMinMax, minMaxFromBuckets, type Bucket, type DownsampleOptions, type SeriesPoint } from '../../../shared/downsample.js';
import type { FleetNode } from '../../../shared/fleet.js';
import type { SloSettings } from '../../../shared/slo.js';
import { RANGE_MS, type HistoryRange } from '../../../shared/telemetry.js';
import type { HistoryStore } from './history.js';
import { periodAligned } from './history-periods.js';

const RESOLUTION_MS = { raw: 1000, '1m': 60_000, '1h': 3600_000 } as const;
const METRICS = ['util', 'temp', 'power', 'mem'] as const;
const HOUR = 3_600_000;

/**
 * History shaped for charts: one row per instant with a column per GPU and metric (util0, temp0, …),
 * at most `maxPoints` rows, gaps kept as nulls. Latency per endpoint, with its SLO line.
 */
export function historyForChart(
  store: HistoryStore,
  node: FleetNode | undefined,
  name: string,
  range: HistoryRange,
  maxPoints: number,
  slo: SloSettings,
  to = Date.now(),
) {
  const from = to - RANGE_MS[range];
  const gpus = store.gpusOf(name, from);
  const keys = gpus.flatMap((g) => METRICS.map((m) => `${m}${g}`));
  const resolution = store.gpuResolution(to - from);
  const o = hourBucketsInPeriods({ from, to, maxPoints, resolutionMs: RESOLUTION_MS[resolution] });
  // More rows than the chart has points: SQLite keeps each bucket's extremes (the same points, far fewer rows handed over).
  const points = gpus.some((g) => store.gpuRows(name, g, o.from, to) > o.maxPoints)
    ? minMaxFromBuckets(mergeBuckets(gpus.map((g) => [g, store.gpuBuckets(name, g, o)] as const)), keys, o)
    : downsampleMinMax(gpuRows(store, name, gpus, o.from, to, RESOLUTION_MS[resolution], keys), keys, o);

  const endpoints = new Set([...(node?.endpoints.map((e) => e.name) ?? []), ...store.endpointsOf(name)]);
  const latency = [...endpoints].map((endpoint) => {
    const ep = node?.endpoints.find((e) => e.name === endpoint);
    const profile = ep?.profile ?? node?.profiles[0];
    const objective = profile ? slo[profile].latency : undefined;
    const span = to - from;
    const lo = hourBucketsInPeriods({
      from,
      to,
      maxPoints,
      resolutionMs: span <= 2 * HOUR ? 10_000 : span <= 3 * 24 * HOUR ? 60_000 : HOUR,
    });
    const lkeys = ['p50', 'p95', 'p99', 'avail'];
    let points: SeriesPoint[];
    // Beyond three days, as the GPUs: the hours (a year of them), each bucket their extremes.
    if (lo.resolutionMs === HOUR) points = minMaxFromBuckets(store.latencyHourBuckets(name, endpoint, lo), lkeys, lo);
    else if (lo.resolutionMs === 60_000 && store.latencyRows(name, endpoint, from, to) > maxPoints)
      points = minMaxFromBuckets(store.latencyBuckets(name, endpoint, lo), lkeys, lo);
    else {
      const q = store.queryLatency(name, endpoint, from, to);
      const pts: SeriesPoint[] = q.points.map((p) => ({ ts: p.ts, p50: p.p50Ms, p95: p.p95Ms, p99: p.p99Ms, avail: p.availabilityPct }));
      points = downsampleMinMax(pts, lkeys, lo);
    }
    return { endpoint, objectiveMs: objective?.belowMs ?? null, points };
  });
  return { from, to, resolution, gpus, points, latency };
}

/** Hour rows in buckets of whole four-hour periods where a bucket spans one, so the periods can be read (the same points, a quarter of the rows). */
function hourBucketsInPeriods(o: DownsampleOptions): DownsampleOptions {
  return (o.resolutionMs === HOUR && periodAligned(o)) || o;
}

/** Each GPU's rows, one row per instant with a column per GPU and metric, gaps as nulls. */
function gpuRows(store: HistoryStore, name: string, gpus: number[], from: number, to: number, step: number, keys: string[]): SeriesPoint[] {
  const rows = new Map<number, SeriesPoint>();
  for (const gpu of gpus) {
    for (const p of store.query(name, gpu, from, to).points) {
      // GPUs of one sample arrive milliseconds apart: one row per step of the data's resolution.
      const ts = Math.round(p.ts / step) * step;
      const row = rows.get(ts) ?? { ts };
      row[`util${gpu}`] = p.util;
      row[`temp${gpu}`] = p.tempC;
      row[`power${gpu}`] = p.powerW;
      row[`mem${gpu}`] = p.memUsedMiB;
      rows.set(ts, row);
    }
  }
  const sorted = [...rows.values()].sort((a, b) => a.ts - b.ts);
  for (const r of sorted) for (const k of keys) r[k] ??= null;
  return sorted;
}

/** Per-GPU buckets as one series of buckets with a column per GPU and metric (util0, temp0, …). */
function mergeBuckets(perGpu: (readonly [number, Bucket[]])[]): Bucket[] {
  const merged = new Map<number, Bucket>();
  for (const [gpu, buckets] of perGpu)
    for (const b of buckets) {
      const m = merged.get(b.b) ?? { b: b.b, last: b.last, min: {}, max: {} };
      m.last = Math.max(m.last, b.last);
      for (const [metric, column] of [
        ['util', 'util'],
        ['temp', 'temp'],
        ['power', 'power'],
        ['mem', 'mem'],
      ] as const) {
        m.min[`${metric}${gpu}`] = b.min[column] ?? null;
        m.max[`${metric}${gpu}`] = b.max[column] ?? null;
      }
      merged.set(b.b, m);
    }
  return [...merged.values()].sort((a, b) => a.b - b.b);
}

/** Raw samples when the range has them (24 h), else the rollups, as CSV with ISO times. */
export function historyCsv(store: HistoryStore, name: string, range: HistoryRange, to = Date.now()) {
  const from = to - RANGE_MS[range];
  const header = ['time', 'node', 'gpu', 'utilization_pct', 'temperature_c', 'power_w', 'memory_used_mib'];
  let records: (string | number | null)[][];
  if (RANGE_MS[range] <= 86_400_000) {
    records = store.rawRows(name, from, to).map((r) => [new Date(r.ts).toISOString(), name, r.gpu, r.util, r.temp, r.power, r.mem]);
  } else {
    records = store
      .gpusOf(name, from)
      .flatMap((gpu) => store.query(name, gpu, from, to).points.map((p) => ({ gpu, p })))
      .sort((a, b) => a.p.ts - b.p.ts || a.gpu - b.gpu)
      .map(({ gpu, p }) => [new Date(p.ts).toISOString(), name, gpu, p.util, p.tempC, p.powerW, p.memUsedMiB]);
  }
  const stamp = new Date(to).toISOString().replace(/[:.]/g, '-');
  return { filename: `edgeward-${name}-${range}-${stamp}.csv`, csv: stringify([header, ...records]), rows: records.length };
}
