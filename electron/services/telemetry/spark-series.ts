/**
 * A node's sparklines from its GPUs' recent samples (each GPU's newest last, aligned at the newest):
 * per position, the mean utilization (rounded) and the hottest temperature, skipping GPUs with no
 * value there. Plain loops: 1,000 nodes are summarized every second, and the two arrays per point
 * this once made were most of the fleet view's summarizing cost.
 */
export function sparkSeries(
  utils: readonly (readonly (number | null)[])[],
  temps: readonly (readonly (number | null)[])[],
): { util: (number | null)[]; temp: (number | null)[] } {
  let len = 0;
  for (const r of utils) len = Math.max(len, r.length);
  const util: (number | null)[] = new Array<number | null>(len);
  const temp: (number | null)[] = new Array<number | null>(len);
  for (let i = 0; i < len; i++) {
    let sum = 0;
    let count = 0;
    for (const r of utils) {
      const x = r[r.length - len + i];
      if (x !== null && x !== undefined) {
        sum += x;
        count++;
      }
    }
    let hottest: number | null = null;
    for (const r of temps) {
      const x = r[r.length - len + i];
      if (x !== null && x !== undefined && (hottest === null || x > hottest)) hottest = x;
    }
    util[i] = count ? Math.round(sum / count) : null;
    temp[i] = hottest;
  }
  return { util, temp };
}
