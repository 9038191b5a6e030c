import { percentile } from '../../shared/stats.js';

/**
 * How a figure spread over repeated runs: "median M (min A, max B)". These machines are shared, so a
 * single number says little; the spread shows whether a run was noisy.
 */
export const summary = (xs: number[], digits = 1) =>
  `median ${percentile(xs, 50)!.toFixed(digits)} (min ${Math.min(...xs).toFixed(digits)}, max ${Math.max(...xs).toFixed(digits)})`;

/** Runs `once` `times` times in a row and returns each run's figure. */
export async function repeat<T>(times: number, once: (run: number) => Promise<T> | T): Promise<T[]> {
  const out: T[] = [];
  for (let run = 0; run < times; run++) out.push(await once(run));
  return out;
}
