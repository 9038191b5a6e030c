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
  // Hours written straight into the file, as a console older than the four-hour periods left them: not yet gathered into periods.
  db.prepare("DELETE FROM meta WHERE key = 'periods_ready'").run();
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

  it('draws buckets of a given width each time, even when two widths give as many buckets', () => {
    // Six days of hours in buckets of 4 days and of 5: two buckets either way, with different edges.
    for (const bucketMs of [96 * HOUR, 120 * HOUR, 96 * HOUR]) {
      const o = { from: to - 144 * HOUR, to, maxPoints: 4, resolutionMs: HOUR, bucketMs };
      const rows: SeriesPoint[] = store
        .query('n1', 0, o.from, o.to)
        .points.map((p) => ({ ts: p.ts, util: p.util, temp: p.tempC, power: p.powerW, mem: p.memUsedMiB }));
      const keys = ['util', 'temp', 'power', 'mem'];
      expect(minMaxFromBuckets(store.gpuBuckets('n1', 0, o), keys, o), `${bucketMs / HOUR} h`).toEqual(downsampleMinMax(rows, keys, o));
      expect(rows.length).toBeGreaterThan(100);
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

  it('rolls latency into hours, kept a year, each hour holding the extremes of its minutes', () => {
    // Probes through the store's own path: minutes of answers, then the hour rolled when it has passed.
    const t0 = Date.UTC(2026, 5, 1, 10, 0, 0);
    const live = new HistoryStore(path.join(tmp.dir, 'live.db'));
    try {
      for (let s = 0; s < 3 * 60; s++)
        live.recordProbe('n1', 'cds', { at: t0 + s * 1000, ok: s % 30 !== 0, latencyMs: s % 30 ? 40 + (s % 60) : undefined });
      live.flush(t0 + 5 * 60_000);
      live.flush(t0 + 2 * HOUR);
      const o = { from: t0 - 10 * 24 * HOUR, to: t0 + 10 * 24 * HOUR, maxPoints: 400, resolutionMs: HOUR };
      const [hour] = live.latencyHourBuckets('n1', 'cds', o);
      const minutes = live.queryLatency('n1', 'cds', t0 - 1, t0 + 3 * 24 * HOUR - 2).points;
      expect(minutes).toHaveLength(3);
      expect(hour).toMatchObject({
        min: {
          p50: Math.min(...minutes.map((m) => m.p50Ms!)),
          p99: Math.min(...minutes.map((m) => m.p99Ms!)),
          avail: Math.min(...minutes.map((m) => m.availabilityPct!)),
        },
        max: {
          p50: Math.max(...minutes.map((m) => m.p50Ms!)),
          p99: Math.max(...minutes.map((m) => m.p99Ms!)),
          avail: Math.max(...minutes.map((m) => m.availabilityPct!)),
        },
      });
      // A year on the hour still charts; a day over a year it is gone.
      live.flush(t0 + 364 * 24 * HOUR);
      expect(live.latencyHourBuckets('n1', 'cds', { ...o, to: t0 + 364 * 24 * HOUR })).toHaveLength(1);
      live.flush(t0 + 366 * 24 * HOUR);
      expect(live.latencyHourBuckets('n1', 'cds', { ...o, to: t0 + 366 * 24 * HOUR })).toHaveLength(0);
    } finally {
      live.close();
    }
  });

  it('fills the hours of a history file written before hourly rollups, once, and charts a year from them', () => {
    const old = path.join(tmp.dir, 'old.db');
    new HistoryStore(old).close();
    const raw = new Database(old);
    const rolled = Math.floor(to / HOUR) * HOUR;
    raw.prepare("INSERT OR REPLACE INTO meta VALUES ('rolled_hour', ?)").run(rolled);
    raw.prepare("DELETE FROM meta WHERE key = 'probe_hours'").run();
    const minute = raw.prepare('INSERT INTO probe_1m VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    for (let t = rolled - 48 * HOUR; t < rolled + 30 * 60_000; t += 60_000) minute.run('n1', 'cxr', t, (t / 60_000) % 97, 200, 300, 6, 6);
    raw.close();
    const store2 = new HistoryStore(old);
    try {
      const o = { from: to - 365 * 24 * HOUR, to, maxPoints: 1400, resolutionMs: HOUR };
      const hours = store2.latencyHourBuckets('n1', 'cxr', o);
      // The 48 hours before the last rollup, not the half hour after it (the next rollup takes that).
      const minutes = store2.queryLatency('n1', 'cxr', rolled - 48 * HOUR, rolled - 1).points;
      expect(Math.min(...hours.map((b) => b.min.p50!))).toBe(Math.min(...minutes.map((m) => m.p50Ms!)));
      expect(Math.max(...hours.map((b) => b.max.p50!))).toBe(Math.max(...minutes.map((m) => m.p50Ms!)));
      expect(Math.max(...hours.map((b) => b.last))).toBe(rolled - HOUR);
      // The year chart draws them.
      const chart = historyForChart(store2, undefined, 'n1', '1y', 1400, PROFILE_SLOS, to);
      expect(chart.latency.find((l) => l.endpoint === 'cxr')!.points.filter((p) => p.p50 !== null).length).toBeGreaterThan(0);
    } finally {
      store2.close();
    }
  });
});
