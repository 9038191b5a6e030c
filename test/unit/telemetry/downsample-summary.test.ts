import { describe, expect, it } from 'vitest';
import { downsampleMinMax, type SeriesPoint } from '../../../shared/downsample.js';
import { LEVEL_RANK, summarizeNode } from '../../../shared/fleet-summary.js';
import type { GpuSample, TelemetryFrame } from '../../../shared/telemetry.js';
import { gpuSample } from '../../helpers/gpu-sample.js';

const series = (n: number, stepMs: number, f: (i: number) => number | null): SeriesPoint[] =>
  Array.from({ length: n }, (_, i) => ({ ts: i * stepMs, v: f(i) }));

describe('chart downsampling (min/max)', () => {
  it('never returns more points than asked, and keeps a one-sample spike', () => {
    const data = series(86_400, 1000, (i) => (i === 50_000 ? 99 : 40));
    const out = downsampleMinMax(data, ['v'], { from: 0, to: 86_400_000, maxPoints: 800, resolutionMs: 1000 });
    expect(out.length).toBeLessThanOrEqual(800);
    expect(Math.max(...out.map((p) => p.v ?? 0))).toBe(99);
    expect(Math.min(...out.map((p) => p.v ?? 100))).toBe(40);
  });

  it('draws a silent stretch as a gap (a null point), never as a line across it', () => {
    // Samples for 10 minutes, nothing for an hour, then 10 minutes again.
    const a = series(600, 1000, () => 50);
    const b = series(600, 1000, () => 60).map((p) => ({ ...p, ts: p.ts + 4_200_000 }));
    const small = downsampleMinMax([...a, ...b], ['v'], { from: 0, to: 4_800_000, maxPoints: 5000, resolutionMs: 1000 });
    expect(small.filter((p) => p.v === null)).toHaveLength(1);
    const big = downsampleMinMax([...a, ...b], ['v'], { from: 0, to: 4_800_000, maxPoints: 400, resolutionMs: 1000 });
    expect(big.length).toBeLessThanOrEqual(400);
    const firstNull = big.findIndex((p) => p.v === null);
    expect(firstNull).toBeGreaterThan(0);
    expect(big[firstNull - 1]!.v).toBe(50);
    expect(big.slice(firstNull + 1).find((p) => p.v !== null)!.v).toBe(60);
  });

  it('does not invent gaps when buckets are finer than hour rollups', () => {
    const hourly = series(24 * 30, 3_600_000, () => 42);
    const out = downsampleMinMax(hourly, ['v'], { from: 0, to: 30 * 86_400_000, maxPoints: 1000, resolutionMs: 3_600_000 });
    expect(out.some((p) => p.v === null)).toBe(false);
  });
});

const gpu = (index: number, tempC: number, utilGpu: number): GpuSample => gpuSample({ at: 5, index, tempC, utilGpu });
const frame = (extra: Partial<TelemetryFrame>): TelemetryFrame => ({
  node: 'n',
  at: 10,
  session: 'live',
  gpuHealth: 'ok',
  gpus: [],
  rejected: 0,
  ...extra,
});
const spark = { util: [], temp: [] };

describe('fleet overview summary', () => {
  it('names the worst signal with the alert rules, and orders critical before warning before no data before ok', () => {
    const ok = summarizeNode(frame({ gpus: [gpu(0, 60, 40), gpu(1, 70, 80)] }), spark, undefined);
    expect(ok).toMatchObject({ level: 'ok', worst: '2 GPUs healthy', hottestC: 70, utilPct: 60, at: 5 });
    const hot = summarizeNode(frame({ gpus: [gpu(0, 95, 40)] }), spark, undefined);
    expect(hot).toMatchObject({ level: 'critical', worst: 'GPU 0 at 95 °C (critical from 92 °C)' });
    const lost = summarizeNode(frame({ session: 'lost', gpuMessage: 'connection reset' }), spark, 0);
    expect(lost).toMatchObject({ level: 'unknown', worst: 'no data: connection reset', at: null, hottestC: null });
    const down = summarizeNode(frame({ session: 'lost', at: 60_000 }), spark, 0);
    expect(down.level).toBe('critical');
    const sorted = [ok, lost, hot].sort((a, b) => LEVEL_RANK[a.level] - LEVEL_RANK[b.level]).map((s) => s.level);
    expect(sorted).toEqual(['critical', 'unknown', 'ok']);
  });
});
