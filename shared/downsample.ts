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
  /** Buckets this wide from `from` (the last one holding `to`) instead of `maxPoints / 2` across the range. */
  bucketMs?: number;
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

  const { buckets, width } = bucketing(o);
  const filled: Bucket[] = [];
  for (const p of points) {
    if (p.ts < o.from) continue;
    const b = bucketOf(p.ts, o.from, width, buckets);
    let cur = filled.at(-1);
    if (!cur || cur.b !== b) {
      cur = { b, last: p.ts, min: {}, max: {} };
      for (const k of keys) cur.min[k] = cur.max[k] = null;
      filled.push(cur);
    }
    cur.last = p.ts;
    for (const k of keys) {
      const v = p[k];
      if (v === null || v === undefined) continue;
      if (cur.min[k] === null || v < cur.min[k]!) cur.min[k] = v;
      if (cur.max[k] === null || v > cur.max[k]!) cur.max[k] = v;
    }
  }
  return minMaxFromBuckets(filled, keys, o);
}

/** One bucket's extremes, per key, and its newest sample's time: made here, or by SQLite for long ranges. */
export interface Bucket {
  b: number;
  last: number;
  min: Record<string, number | null>;
  max: Record<string, number | null>;
}

/** Two points per bucket (its minimum and its maximum), so half as many buckets as points. */
export function bucketing(o: DownsampleOptions): { buckets: number; width: number } {
  if (o.bucketMs !== undefined) return { buckets: Math.floor((o.to - o.from) / o.bucketMs) + 1, width: o.bucketMs };
  const buckets = Math.max(1, Math.floor(o.maxPoints / 2));
  return { buckets, width: (o.to - o.from) / buckets };
}

/** The bucket of a time at or after `from` (SQLite reckons it the same way: history-buckets.ts). */
export const bucketOf = (ts: number, from: number, width: number, buckets: number) =>
  Math.min(buckets - 1, Math.floor((ts - from) / width));

/** The chart's points from filled buckets in order: each bucket's minima at its start, maxima at its middle, gaps as nulls. */
export function minMaxFromBuckets(filled: readonly Bucket[], keys: readonly string[], o: DownsampleOptions): SeriesPoint[] {
  const gapMs = o.resolutionMs * 2.5;
  const { width } = bucketing(o);
  const out: SeriesPoint[] = [];
  let lastFilled = -Infinity;
  let prevB = -1;
  /** Empty buckets before `until`: a gap only if the data really stopped (buckets can be finer than the data). */
  const gapBefore = (until: number) => {
    for (let b = prevB + 1; b < until; b++) {
      const start = o.from + b * width;
      if (lastFilled !== -Infinity && start - lastFilled > gapMs && out.at(-1) && !isNull(out.at(-1)!, keys)) {
        out.push(nullPoint(start, keys));
        return;
      }
    }
  };
  for (const f of filled) {
    gapBefore(f.b);
    const start = o.from + f.b * width;
    const lo: SeriesPoint = { ts: start };
    const hi: SeriesPoint = { ts: start + width / 2 };
    for (const k of keys) {
      lo[k] = f.min[k] ?? null;
      hi[k] = f.max[k] ?? null;
    }
    out.push(lo, hi);
    lastFilled = f.last;
    prevB = f.b;
  }
  gapBefore(bucketing(o).buckets);
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
