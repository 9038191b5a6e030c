import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { HistoryStore } from '../../../electron/services/telemetry/history.js';
import { historyForChart } from '../../../electron/services/telemetry/history-view.js';
import { downsampleMinMax, minMaxFromBuckets, type SeriesPoint } from '../../../shared/downsample.js';
import { PROFILE_SLOS } from '../../../shared/slo.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const HOUR = 3_600_000;

/** A reproducible stream of numbers in [0, 1). */
function random(seed: number) {
  return () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
}

/**
 * Long ranges are reduced to chart buckets inside SQLite. The oracle is the JavaScript reduction of
 * the same rows (shared/downsample.ts, which the short ranges still use): both must draw the same
 * points, nulls, gaps and bucket edges included.
 */
describe('chart buckets computed in SQLite', () => {
  const tmp = makeTempDir('edgeward-buckets-');
  afterAll(() => tmp.cleanup());
  const file = path.join(tmp.dir, 'telemetry.db');
  new HistoryStore(file).close();
  const to = Date.UTC(2026, 11, 1, 13, 17, 5, 123);
  const rnd = random(42);
  const db = new Database(file);
  const hour = db.prepare('INSERT INTO gpu_1h VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const latency = db.prepare('INSERT INTO probe_1m VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (let gpu = 0; gpu < 3; gpu++)
      for (let t = Math.floor((to - 400 * 24 * HOUR) / HOUR) * HOUR; t <= to; t += HOUR) {
        if (gpu === 2 && t > to - 100 * 24 * HOUR && t < to - 90 * 24 * HOUR) continue; // a GPU silent for ten days
        const temp = rnd() < 0.05 ? null : 40 + 40 * rnd();
        hour.run('n1', gpu, t, rnd() < 0.05 ? null : 100 * rnd(), temp, temp, 300 * rnd(), 1000 * rnd(), 3600);
      }
    for (let t = Math.floor((to - 30 * 24 * HOUR) / 60_000) * 60_000; t <= to; t += 60_000) {
      if (t > to - 5 * 24 * HOUR && t < to - 4 * 24 * HOUR) continue; // a day with no probes
      const n = rnd() < 0.02 ? 0 : 6;
      latency.run('n1', 'cxr', t, n ? 200 * rnd() : null, n ? 400 * rnd() : null, n ? 600 * rnd() : null, Math.floor(n * rnd()), n);
    }
  })();
  db.close();
  const store = new HistoryStore(file);
  afterAll(() => store.close());

  it("gives a GPU's points exactly as the JavaScript reduction of its rows, for any chart width", () => {
    for (const [days, maxPoints] of [
      [30, 100],
      [365, 1400],
      [365, 333],
      [365, 4000],
    ] as const) {
      const o = { from: to - days * 24 * HOUR, to, maxPoints, resolutionMs: HOUR };
      for (const gpu of [0, 2]) {
        const rows: SeriesPoint[] = store
          .query('n1', gpu, o.from, o.to)
          .points.map((p) => ({ ts: p.ts, util: p.util, temp: p.tempC, power: p.powerW, mem: p.memUsedMiB }));
        const keys = ['util', 'temp', 'power', 'mem'];
        expect(minMaxFromBuckets(store.gpuBuckets('n1', gpu, o), keys, o), `${days} d, ${maxPoints} points, GPU ${gpu}`).toEqual(
          downsampleMinMax(rows, keys, o),
        );
      }
    }
  });

  it("gives an endpoint's latency points exactly as the JavaScript reduction, missing answers and a silent day included", () => {
    const o = { from: to - 30 * 24 * HOUR, to, maxPoints: 1400, resolutionMs: 60_000 };
    const rows: SeriesPoint[] = store
      .queryLatency('n1', 'cxr', o.from, o.to)
      .points.map((p) => ({ ts: p.ts, p50: p.p50Ms, p95: p.p95Ms, p99: p.p99Ms, avail: p.availabilityPct }));
    const keys = ['p50', 'p95', 'p99', 'avail'];
    const fromSql = minMaxFromBuckets(store.latencyBuckets('n1', 'cxr', o), keys, o);
    expect(fromSql).toEqual(downsampleMinMax(rows, keys, o));
    // The silent day is a gap in the line, not a bridge.
    expect(fromSql.some((p) => p.ts > to - 5 * 24 * HOUR && p.ts < to - 4 * 24 * HOUR && p.p50 === null)).toBe(true);
  });

  it("lists a node's GPUs and endpoints by skipping along the index, as a DISTINCT over every row would", () => {
    expect(store.gpusOf('n1', to - 400 * 24 * HOUR)).toEqual([0, 1, 2]);
    expect(store.gpusOf('n1', to + HOUR)).toEqual([]);
    expect(store.gpusOf('nobody', 0)).toEqual([]);
    expect(store.endpointsOf('n1')).toEqual(['cxr']);
    // The year chart of all three GPUs: 4 metrics each, at most the points asked for, the silent GPU's days as nulls.
    const chart = historyForChart(store, undefined, 'n1', '1y', 1400, PROFILE_SLOS, to);
    expect(chart.gpus).toEqual([0, 1, 2]);
    expect(chart.points.length).toBeLessThanOrEqual(1400 + 2);
    const silent = chart.points.filter((p) => p.ts > to - 99 * 24 * HOUR && p.ts < to - 91 * 24 * HOUR);
    expect(silent.length).toBeGreaterThan(0);
    expect(silent.every((p) => p.util2 === null && p.util0 !== null)).toBe(true);
  });
});
