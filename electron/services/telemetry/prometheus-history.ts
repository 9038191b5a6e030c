import type { SeriesPoint } from '../../../shared/downsample.js';
import { RANGE_MS, type HistoryRange } from '../../../shared/telemetry.js';

/** The chart columns and the DCGM series each comes from (what the collector exposes). */
const SERIES = [
  ['util', 'DCGM_FI_DEV_GPU_UTIL'],
  ['temp', 'DCGM_FI_DEV_GPU_TEMP'],
  ['power', 'DCGM_FI_DEV_POWER_USAGE'],
  ['mem', 'DCGM_FI_DEV_FB_USED'],
] as const;

interface QueryRangeBody {
  status: string;
  error?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; values: [number, string][] }[] };
}

export interface PrometheusHistory {
  from: number;
  to: number;
  stepS: number;
  gpus: number[];
  points: SeriesPoint[];
}

/**
 * A node's GPU history from Prometheus (`query_range`), shaped like the local history's chart rows:
 * one row per step, a column per GPU and metric, null where Prometheus has no sample (gaps kept).
 * The step fits the chart: about `maxPoints` rows, never finer than 15 s (a usual scrape interval).
 */
export async function prometheusHistory(
  baseUrl: string,
  token: string | undefined,
  node: string,
  range: HistoryRange,
  maxPoints: number,
  to = Date.now(),
  timeoutMs = 5000,
): Promise<PrometheusHistory> {
  const from = to - RANGE_MS[range];
  const stepS = Math.max(15, Math.ceil(RANGE_MS[range] / 1000 / maxPoints));
  // The grid ends now (a step before the first scrape would see nothing yet) and runs back in steps.
  const end = Math.ceil(to / 1000);
  const start = end - Math.floor((end - from / 1000) / stepS) * stepS;
  const rows = new Map<number, SeriesPoint>();
  for (let t = start; t <= end; t += stepS) rows.set(t * 1000, { ts: t * 1000 });
  const gpus = new Set<number>();
  await Promise.all(
    SERIES.map(async ([column, metric]) => {
      // Node names are validated (letters, digits, . _ -): nothing in them can leave the quotes.
      const query = `${metric}{node="${node}"}`;
      const url = `${baseUrl.replace(/\/+$/, '')}/api/v1/query_range?${new URLSearchParams({ query, start: String(start), end: String(end), step: String(stepS) })}`;
      const res = await fetch(url, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
      const body = (await res.json().catch(() => ({ status: 'error', error: `HTTP ${res.status}, not JSON` }))) as QueryRangeBody;
      if (!res.ok || body.status !== 'success' || !body.data)
        throw new Error(`Prometheus answered ${res.status}: ${body.error ?? 'no data'}`.slice(0, 300));
      for (const series of body.data.result) {
        const gpu = Number(series.metric.gpu);
        if (!Number.isInteger(gpu) || gpu < 0 || gpu > 63) continue;
        gpus.add(gpu);
        for (const [t, v] of series.values) {
          const row = rows.get(Math.round(t) * 1000);
          const value = Number(v);
          if (row) row[`${column}${gpu}`] = Number.isFinite(value) ? value : null;
        }
      }
    }),
  );
  const sorted = [...gpus].sort((a, b) => a - b);
  const keys = sorted.flatMap((g) => SERIES.map(([c]) => `${c}${g}`));
  const points = [...rows.values()];
  for (const r of points) for (const k of keys) r[k] ??= null;
  return { from, to, stepS, gpus: sorted, points };
}
