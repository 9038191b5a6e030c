/**
 * Downsampling for charts: never more points than the chart has pixels, and never a lie about the
 * data. Min/max decimation keeps each bucket's extremes (a 2-second temperature spike stays
 * visible in a 30-day chart), and a stretch with no samples stays a gap: a null point breaks the line
 * instead of a straight segment bridging hours the node was silent.
 */
export type SeriesPoint = { ts: number } & Record<string, number | null>;

export interface DownsampleOptions {
  from: number;
  to: number;
  /** Upper bound on points returned (about the chart's width in pixels). */
  maxPoints: number;
  /** The data's own spacing: a distance between samples larger than 2.5× this is a gap. */
  resolutionMs: number;
}

export function downsampleMinMax(points: readonly SeriesPoint[], keys: readonly string[], o: DownsampleOptions): SeriesPoint[] {
  const gapMs = o.resolutionMs * 2.5;
  const withGaps = (list: readonly SeriesPoint[]): SeriesPoint[] => {
    const out: SeriesPoint[] = [];
    let prev: SeriesPoint | undefined;
    for (const p of list) {
      if (prev && p.ts - prev.ts > gapMs) out.push(nullPoint(prev.ts + o.resolutionMs, keys));
      out.push(p);
      prev = p;
    }
    return out;
  };
  if (points.length <= o.maxPoints) return withGaps(points);

  // Two points per bucket (its minimum and its maximum), so half as many buckets as points.
  const buckets = Math.max(1, Math.floor(o.maxPoints / 2));
  const width = (o.to - o.from) / buckets;
  const out: SeriesPoint[] = [];
  let i = 0;
  let lastFilled = -Infinity;
  for (let b = 0; b < buckets; b++) {
    const start = o.from + b * width;
    const end = b === buckets - 1 ? Infinity : start + width;
    const inBucket: SeriesPoint[] = [];
    while (i < points.length && points[i]!.ts < end) {
      if (points[i]!.ts >= start) inBucket.push(points[i]!);
      i++;
    }
    if (inBucket.length === 0) {
      // Empty bucket: a gap only if the data really stopped (buckets can be finer than the data).
      if (lastFilled !== -Infinity && start - lastFilled > gapMs && out.at(-1) && !isNull(out.at(-1)!, keys))
        out.push(nullPoint(start, keys));
      continue;
    }
    const lo: SeriesPoint = { ts: start };
    const hi: SeriesPoint = { ts: start + width / 2 };
    for (const k of keys) {
      let min: number | null = null;
      let max: number | null = null;
      for (const p of inBucket) {
        const v = p[k];
        if (v === null || v === undefined) continue;
        if (min === null || v < min) min = v;
        if (max === null || v > max) max = v;
      }
      lo[k] = min;
      hi[k] = max;
    }
    out.push(lo, hi);
    lastFilled = inBucket.at(-1)!.ts;
  }
  return out;
}

function nullPoint(ts: number, keys: readonly string[]): SeriesPoint {
  const p: SeriesPoint = { ts };
  for (const k of keys) p[k] = null;
  return p;
}

function isNull(p: SeriesPoint, keys: readonly string[]): boolean {
  return keys.every((k) => p[k] === null);
}
