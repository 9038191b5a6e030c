import { describe, expect, it } from 'vitest';
import { sparkSeries } from '../../../electron/services/telemetry/spark-series.js';
import { seeded } from '../../helpers/fuzz.js';

/** The definition, written as plainly as possible: the oracle for the loop above. */
function reference(utils: (number | null)[][], temps: (number | null)[][]) {
  const len = Math.max(0, ...utils.map((r) => r.length));
  const at = (rows: (number | null)[][], i: number) =>
    rows.map((r) => r[r.length - len + i]).filter((x): x is number => x !== null && x !== undefined);
  const util = Array.from({ length: len }, (_, i) => {
    const u = at(utils, i);
    return u.length ? Math.round(u.reduce((a, b) => a + b, 0) / u.length) : null;
  });
  const temp = Array.from({ length: len }, (_, i) => {
    const t = at(temps, i);
    return t.length ? Math.max(...t) : null;
  });
  return { util, temp };
}

describe('sparklines of a node', () => {
  it('averages utilization and keeps the hottest temperature per position, aligned at the newest sample', () => {
    // GPU 1 joined later (shorter history) and missed a sample; GPU 0 has no temperature at one point.
    const utils = [
      [10, 20, 30, 40],
      [null, 61],
    ];
    const temps = [
      [50, null, 70, 71],
      [80, 45],
    ];
    expect(sparkSeries(utils, temps)).toEqual({ util: [10, 20, 30, 51], temp: [50, null, 80, 71] });
    expect(sparkSeries([], [])).toEqual({ util: [], temp: [] });
    expect(sparkSeries([[null, null]], [[null, null]])).toEqual({ util: [null, null], temp: [null, null] });
  });

  it('matches the plain definition on random fleets of GPUs, gaps and ragged histories', () => {
    const rnd = seeded(3);
    for (let trial = 0; trial < 200; trial++) {
      const gpus = Math.floor(rnd() * 9);
      const series = () =>
        Array.from({ length: gpus }, () =>
          Array.from({ length: Math.floor(rnd() * 61) }, () => (rnd() < 0.1 ? null : Math.round(rnd() * 1000) / 10)),
        );
      const utils = series();
      const temps = series();
      expect(sparkSeries(utils, temps), `trial ${trial}`).toEqual(reference(utils, temps));
    }
  });
});
