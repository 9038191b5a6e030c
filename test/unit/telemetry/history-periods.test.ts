import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HistoryStore } from '../../../electron/services/telemetry/history.js';
import { historyForChart } from '../../../electron/services/telemetry/history-view.js';
import { gpuBuckets, latencyHourBuckets } from '../../../electron/services/telemetry/history-buckets.js';
import { PERIOD_MS, PeriodRollups, periodAligned } from '../../../electron/services/telemetry/history-periods.js';
import { bucketing, type DownsampleOptions } from '../../../shared/downsample.js';
import { PROFILE_SLOS } from '../../../shared/slo.js';
import type { TelemetryFrame } from '../../../shared/telemetry.js';
import { gpuSample } from '../../helpers/gpu-sample.js';
import { seeded } from '../../helpers/fuzz.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Year charts read four-hour periods of the hour rollups. The oracle is the hours themselves: for
 * buckets of whole periods, the points drawn from the periods must be those drawn from the hours,
 * nulls, gaps, the newest unfinished period and the edge of retention included.
 */
describe('four-hour periods of the hour rollups', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let file: string;
  beforeEach(() => {
    tmp = makeTempDir('edgeward-periods-');
    file = path.join(tmp.dir, 'telemetry.db');
  });
  afterEach(() => tmp.cleanup());

  it('aligns a chart to whole periods without ever drawing more points than asked', () => {
    const to = Date.UTC(2026, 11, 1, 13, 17, 5, 123);
    for (const span of [30 * DAY, 90 * DAY, 365 * DAY])
      for (let maxPoints = 10; maxPoints <= 4000; maxPoints += 37) {
        const o: DownsampleOptions = { from: to - span, to, maxPoints, resolutionMs: HOUR };
        const aligned = periodAligned(o);
        if (bucketing(o).width < PERIOD_MS) {
          expect(aligned, `${span / DAY} d, ${maxPoints} points`).toBeUndefined();
          continue;
        }
        const { buckets, width } = bucketing(aligned!);
        expect(aligned!.from % PERIOD_MS).toBe(0);
        expect(aligned!.from).toBeLessThanOrEqual(o.from);
        expect(o.from - aligned!.from).toBeLessThan(PERIOD_MS);
        expect(width % PERIOD_MS).toBe(0);
        expect(2 * buckets).toBeLessThanOrEqual(maxPoints);
        expect(aligned!.maxPoints).toBe(2 * buckets);
        // `to` falls in the last bucket, not past it; and the buckets are not needlessly coarse.
        expect(Math.floor((to - aligned!.from) / width)).toBe(buckets - 1);
        expect(width).toBeLessThan(bucketing(o).width * 1.5 + PERIOD_MS);
      }
  });

  it('folds each hour the store rolls into its period: a year chart drawn from either is the same', () => {
    const t0 = Date.UTC(2026, 2, 3, 1, 30);
    const rnd = seeded(7);
    const store = new HistoryStore(file);
    const frame = (node: string, at: number, util: number | null, tempC: number): TelemetryFrame => ({
      node,
      at,
      session: 'live',
      gpuHealth: 'ok',
      rejected: 0,
      gpus: [0, 1].map((index) =>
        gpuSample({ at, index, utilGpu: index === 1 ? util : 50, tempC: tempC + index, memUsedMiB: 1000, memTotalMiB: 46068, powerW: 100 }),
      ),
    });
    // 30 hours, a sample every 5 minutes; an hour with none (a gap) and one GPU reporting no utilization for two hours.
    let now = t0;
    for (let m = 0; m < 30 * 60; m += 5) {
      now = t0 + m * 60_000;
      if (m >= 7 * 60 && m < 8 * 60) continue;
      const util = m >= 12 * 60 && m < 14 * 60 ? null : Math.round(100 * rnd());
      for (const node of ['rad-01', 'cds-02']) store.record(frame(node, now, util, 40 + 40 * rnd()));
      store.recordProbe('rad-01', 'cxr', { at: now, ok: rnd() > 0.1, latencyMs: 100 + 200 * rnd() });
      store.flush(now);
    }
    const end = now + 90 * 60_000; // the newest hours rolled; the last period unfinished
    store.flush(end);
    const db = new Database(file, { readonly: true });
    try {
      const o = periodAligned({ from: end - 365 * DAY, to: end, maxPoints: 700, resolutionMs: HOUR })!;
      const periods = (db.prepare('SELECT count(*) AS n FROM gpu_4h').get() as { n: number }).n;
      // Every (node, GPU) has a period for each four hours that held samples.
      expect(periods).toBeGreaterThanOrEqual(2 * 2 * 7);
      for (const node of ['rad-01', 'cds-02'])
        for (const gpu of [0, 1])
          expect(store.gpuBuckets(node, gpu, o), `${node} GPU ${gpu}`).toEqual(gpuBuckets(db, 'gpu_1h', node, gpu, o));
      expect(store.latencyHourBuckets('rad-01', 'cxr', o)).toEqual(latencyHourBuckets(db, 'rad-01', 'cxr', o));
      expect(store.gpuBuckets('rad-01', 1, o).some((b) => b.min.util === null)).toBe(false); // a null hour does not blank its bucket
    } finally {
      db.close();
      store.close();
    }
  });

  it('fills the periods of an older history file in the background, charts unchanged, then reads them', () => {
    const to = Date.UTC(2026, 11, 1, 13, 17, 5, 123);
    new HistoryStore(file).close();
    const rnd = seeded(42);
    const raw = new Database(file);
    const hour = raw.prepare('INSERT INTO gpu_1h VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    const latency = raw.prepare('INSERT INTO probe_1h VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    raw.transaction(() => {
      for (const node of ['a-01', 'b-02', 'c-03'])
        for (let gpu = 0; gpu < 2; gpu++)
          for (let t = Math.floor((to - 380 * DAY) / HOUR) * HOUR; t <= to - HOUR; t += HOUR) {
            if (gpu === 1 && t > to - 100 * DAY && t < to - 90 * DAY) continue; // ten silent days
            const temp = rnd() < 0.05 ? null : 40 + 40 * rnd();
            hour.run(node, gpu, t, rnd() < 0.05 ? null : 100 * rnd(), temp, temp, 300 * rnd(), 1000 * rnd(), 3600);
            if (gpu === 0) {
              const p50 = rnd() < 0.03 ? null : 100 + 100 * rnd();
              latency.run(node, 'cxr', t, p50, p50, p50, 2 * (p50 ?? 0), 3 * (p50 ?? 0), 4 * (p50 ?? 0), 90, 100, 5, 6);
            }
          }
      // Rolled up to now by a console older than the periods.
      raw.prepare("INSERT OR REPLACE INTO meta VALUES ('rolled_hour', ?), ('rolled_minute', ?)").run(Math.floor(to / HOUR) * HOUR, to);
      raw.prepare("DELETE FROM meta WHERE key = 'periods_ready'").run();
    })();
    raw.close();

    const store = new HistoryStore(file);
    try {
      const charts = () =>
        [333, 700, 2000].flatMap((points) =>
          ['a-01', 'b-02', 'c-03'].map((node) => historyForChart(store, undefined, node, '1y', points, PROFILE_SLOS, to)),
        );
      const fromHours = charts();
      expect(fromHours[0]!.points.filter((p) => p.util1 === null).length).toBeGreaterThan(0); // the silent days are a gap
      // The background fill, a few milliseconds of it per flush: the charts are the same midway and at the end.
      const check = new Database(file, { readonly: true });
      const done = () => check.prepare("SELECT value FROM meta WHERE key = 'periods_ready'").get() !== undefined;
      store.flush(to);
      expect(charts()).toEqual(fromHours);
      for (let i = 0; i < 50 && !done(); i++) store.flush(to);
      expect(done()).toBe(true);
      expect((check.prepare('SELECT count(DISTINCT node) AS n FROM gpu_4h').get() as { n: number }).n).toBe(3);
      expect((check.prepare('SELECT count(DISTINCT node) AS n FROM probe_4h').get() as { n: number }).n).toBe(3);
      check.close();
      expect(charts()).toEqual(fromHours);

      // The charts now come from the periods: a period changed behind the store's back shows.
      const tamper = new Database(file);
      tamper.prepare("UPDATE gpu_4h SET util_max = 1000 WHERE node = 'b-02' AND gpu = 0").run();
      tamper.close();
      const chart = historyForChart(store, undefined, 'b-02', '1y', 700, PROFILE_SLOS, to);
      expect(chart.points.some((p) => p.util0 === 1000)).toBe(true);
    } finally {
      store.close();
    }
  });

  it('counts a node as ready only once its own periods are filled', () => {
    new HistoryStore(file).close();
    const raw = new Database(file);
    raw.prepare("DELETE FROM meta WHERE key = 'periods_ready'").run();
    const hour = raw.prepare('INSERT INTO gpu_1h VALUES (?, ?, ?, 1, 1, 1, 1, 1, 60)');
    for (const node of ['n1', 'n2', 'n3']) hour.run(node, 0, 4 * PERIOD_MS);
    const periods = new PeriodRollups(raw);
    expect(periods.ready('n1')).toBe(false);
    periods.backfill(0); // one node per call with no time to spare
    expect([periods.ready('n1'), periods.ready('n2'), periods.ready('n3')]).toEqual([true, false, false]);
    periods.backfill(0);
    periods.backfill(0);
    expect(periods.ready('n3')).toBe(true);
    expect(raw.prepare("SELECT 1 AS done FROM meta WHERE key = 'periods_ready'").get()).toBeUndefined();
    periods.backfill(0); // finds no further node: the whole file is done
    expect(raw.prepare("SELECT 1 AS done FROM meta WHERE key = 'periods_ready'").get()).toEqual({ done: 1 });
    expect(new PeriodRollups(raw).ready('a-node-added-later')).toBe(true);
    raw.close();
  });

  it('keeps hours and periods from the same edge when a year has passed', () => {
    const t0 = Date.UTC(2026, 0, 1, 2, 0);
    const store = new HistoryStore(file);
    try {
      const at = (h: number) => t0 + h * HOUR;
      for (let h = 0; h < 12; h++) {
        store.record({
          node: 'n1',
          at: at(h),
          session: 'live',
          gpuHealth: 'ok',
          rejected: 0,
          gpus: [gpuSample({ at: at(h), index: 0, utilGpu: 10 * h, tempC: 50, memUsedMiB: 1, memTotalMiB: 2, powerW: 3 })],
        });
        store.flush(at(h) + 1000);
      }
      store.flush(at(13));
      // A year and a bit later: the oldest hours gone with their periods, both from one edge.
      const later = t0 + 365 * DAY + 6 * HOUR + 1234;
      store.flush(later);
      const o = periodAligned({ from: later - 365 * DAY, to: later, maxPoints: 700, resolutionMs: HOUR })!;
      const db = new Database(file, { readonly: true });
      try {
        const fromHours = gpuBuckets(db, 'gpu_1h', 'n1', 0, o);
        expect(fromHours.length).toBeGreaterThan(0);
        expect(store.gpuBuckets('n1', 0, o)).toEqual(fromHours);
        const oldest = (db.prepare('SELECT min(ts) AS ts FROM gpu_4h').get() as { ts: number }).ts;
        expect(oldest % PERIOD_MS).toBe(0);
        expect(oldest).toBeGreaterThanOrEqual(Math.floor((later - 365 * DAY) / PERIOD_MS) * PERIOD_MS);
      } finally {
        db.close();
      }
    } finally {
      store.close();
    }
  });
});
