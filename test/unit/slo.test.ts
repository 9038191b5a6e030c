import { describe, expect, it } from 'vitest';
import { burnRate, meetsSlo, PROFILE_SLOS, windowStats, type Probe } from '../../shared/slo.js';

const probes = (n: number, make: (i: number) => Partial<Probe>): Probe[] =>
  Array.from({ length: n }, (_, i) => ({ at: i * 1000, ok: true, latencyMs: 50, ...make(i) }));

describe('SLO math', () => {
  it('computes percentiles from successful probes and availability from all of them', () => {
    const ps = probes(100, (i) => (i === 99 ? { ok: false, latencyMs: undefined } : { latencyMs: i + 1 }));
    const s = windowStats(ps, 0, 99_000);
    expect(s.probes).toBe(100);
    expect(s.availabilityPct).toBe(99);
    expect(s.p50Ms).toBe(50);
    expect(s.p99Ms).toBeCloseTo(98.02, 2);
  });

  it('judges clinical decision support (p99 < 100 ms, 99.9 %) and radiology (p95 < 1 s)', () => {
    const fast = windowStats(
      probes(1000, () => ({ latencyMs: 40 })),
      0,
      1e9,
    );
    expect(meetsSlo(fast, PROFILE_SLOS.cds)).toBe(true);
    const slowTail = windowStats(
      probes(1000, (i) => ({ latencyMs: i % 50 === 0 ? 150 : 40 })),
      0,
      1e9,
    );
    expect(meetsSlo(slowTail, PROFILE_SLOS.cds)).toBe(false);
    expect(meetsSlo(slowTail, PROFILE_SLOS.radiology)).toBe(true);
    expect(meetsSlo(windowStats([], 0, 1), PROFILE_SLOS.cds)).toBeUndefined();
  });

  it('reports burn rate relative to the error budget', () => {
    // 99.9 % objective: 1 bad probe in 1,000 is exactly on budget; 1.44 % bad burns 14.4× too fast.
    expect(
      burnRate(
        probes(1000, (i) => (i === 0 ? { ok: false } : {})),
        PROFILE_SLOS.cds,
        0,
        1e9,
      ),
    ).toBeCloseTo(1, 5);
    expect(
      burnRate(
        probes(1000, (i) => (i < 15 ? { ok: false } : {})),
        PROFILE_SLOS.cds,
        0,
        1e9,
      ),
    ).toBeCloseTo(15, 5);
    expect(burnRate([], PROFILE_SLOS.cds, 0, 1)).toBeUndefined();
    expect(
      burnRate(
        probes(10, () => ({})),
        {},
        0,
        1e9,
      ),
    ).toBeUndefined();
    // EHR batch is judged on availability: all probes up spends no budget.
    expect(
      burnRate(
        probes(10, () => ({})),
        PROFILE_SLOS['ehr-batch'],
        0,
        1e9,
      ),
    ).toBe(0);
  });
});
