import { z } from 'zod';
import { percentile } from './stats.js';

/**
 * Service-level math for inference endpoints, pure so the console and tests share it:
 * latency percentiles over a sliding window, availability, error budget and burn rate.
 */
export interface Probe {
  at: number;
  ok: boolean;
  /** Round trip of a successful probe; failed probes count against availability, not latency. */
  latencyMs?: number;
}

export const SloTarget = z.strictObject({
  /** e.g. radiology: p95 < 1000 ms; clinical decision support: p99 < 100 ms. */
  latency: z
    .strictObject({
      percentile: z.union([z.literal(50), z.literal(95), z.literal(99)]),
      belowMs: z.number().positive().max(600_000),
    })
    .optional(),
  /** e.g. 99.9 for clinical decision support. */
  availabilityPct: z.number().min(50).max(99.999).optional(),
});
export type SloTarget = z.infer<typeof SloTarget>;

/** Objectives per workload profile; editable in Settings (these are the defaults). */
export const SloSettings = z.strictObject({ radiology: SloTarget, cds: SloTarget, 'ehr-batch': SloTarget });
export type SloSettings = z.infer<typeof SloSettings>;

export const PROFILE_SLOS: SloSettings = {
  radiology: { latency: { percentile: 95, belowMs: 1000 } },
  cds: { latency: { percentile: 99, belowMs: 100 }, availabilityPct: 99.9 },
  // Batch jobs are judged by getting done, not by latency: the endpoint must be up.
  'ehr-batch': { availabilityPct: 99 },
};

/** The objective in words, for tables and alerts: "p95 < 1000 ms, 99.9 % available". */
export function describeSlo(slo: SloTarget): string | null {
  const parts: string[] = [];
  if (slo.latency) parts.push(`p${slo.latency.percentile} < ${slo.latency.belowMs} ms`);
  if (slo.availabilityPct !== undefined) parts.push(`${slo.availabilityPct} % available`);
  return parts.length ? parts.join(', ') : null;
}

/**
 * Multi-window burn-rate alerting (Google SRE workbook), scaled to a console: both the short and the
 * long window must burn faster than the threshold, so a single slow probe does not page anyone and
 * an alert resolves soon after the problem does.
 */
export const BURN_WINDOWS = { shortMs: 5 * 60_000, longMs: 60 * 60_000, minProbes: 10, critical: 14.4, warning: 6 } as const;

export interface WindowStats {
  probes: number;
  p50Ms: number | undefined;
  p95Ms: number | undefined;
  p99Ms: number | undefined;
  availabilityPct: number | undefined;
}

export function windowStats(probes: readonly Probe[], from: number, to: number): WindowStats {
  const inWindow = probes.filter((p) => p.at >= from && p.at <= to);
  const latencies = inWindow.filter((p) => p.ok && p.latencyMs !== undefined).map((p) => p.latencyMs as number);
  return {
    probes: inWindow.length,
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    p99Ms: percentile(latencies, 99),
    availabilityPct: inWindow.length ? (100 * inWindow.filter((p) => p.ok).length) / inWindow.length : undefined,
  };
}

/**
 * Burn rate: how fast the error budget is being spent in a window, relative to spending it exactly
 * over the SLO period (1 = on budget; 14.4 over an hour is the classic "page now" threshold for a
 * 30-day 99.9 % objective). A probe is "bad" when it failed or missed the latency objective.
 */
export function burnRate(probes: readonly Probe[], slo: SloTarget, from: number, to: number): number | undefined {
  const inWindow = probes.filter((p) => p.at >= from && p.at <= to);
  return burnFromCounts(inWindow.filter((p) => isBadProbe(p, slo)).length, inWindow.length, slo);
}

/** A probe spends error budget when it failed or missed the latency objective. */
export function isBadProbe(p: { ok: boolean; latencyMs?: number | undefined }, slo: SloTarget): boolean {
  return !p.ok || (slo.latency !== undefined && (p.latencyMs ?? Infinity) >= slo.latency.belowMs);
}

/** Burn rate from counts (for callers that keep counts rather than probe lists). */
export function burnFromCounts(bad: number, total: number, slo: SloTarget): number | undefined {
  if (total === 0) return undefined;
  const objectivePct = slo.availabilityPct ?? (slo.latency ? slo.latency.percentile : undefined);
  if (objectivePct === undefined) return undefined;
  const budget = 1 - objectivePct / 100;
  return bad / total / budget;
}

/** Whether a window meets the target; undefined when there is no data to judge (a gap is not a pass). */
export function meetsSlo(stats: WindowStats, slo: SloTarget): boolean | undefined {
  if (stats.probes === 0) return undefined;
  if (slo.latency) {
    const value = slo.latency.percentile === 50 ? stats.p50Ms : slo.latency.percentile === 95 ? stats.p95Ms : stats.p99Ms;
    if (value === undefined || value >= slo.latency.belowMs) return false;
  }
  if (slo.availabilityPct !== undefined && (stats.availabilityPct ?? 0) < slo.availabilityPct) return false;
  return true;
}
