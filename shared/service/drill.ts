import { z } from 'zod';
import { percentile } from '../stats.js';
import type { SloTarget } from '../slo.js';

/**
 * A failover drill: one member taken out (its container stopped), the service probed through its
 * front door and its remaining members for a set time, judged against its objective, the member put
 * back and confirmed ready. Pure parts here: the samples' statistics and the verdict.
 */
export const DrillPhase = z.enum(['checking', 'taking-out', 'probing', 'restoring', 'done', 'failed']);
export type DrillPhase = z.infer<typeof DrillPhase>;

export const ProbeStats = z.strictObject({
  target: z.string(),
  probes: z.number().int(),
  failures: z.number().int(),
  p50Ms: z.number().nullable(),
  p95Ms: z.number().nullable(),
  p99Ms: z.number().nullable(),
  maxMs: z.number().nullable(),
  /** The first few failed probes: when, and what came back. */
  failed: z.array(z.strictObject({ at: z.number(), detail: z.string() })),
});
export type ProbeStats = z.infer<typeof ProbeStats>;

export const DrillResult = z.strictObject({
  id: z.string(),
  service: z.string(),
  member: z.string(),
  others: z.array(z.string()),
  operator: z.string(),
  objective: z.string().nullable(),
  seconds: z.number(),
  startedAt: z.number(),
  /** When the member was out, and when it answered ready again. */
  outAt: z.number().nullable(),
  backAt: z.number().nullable(),
  endedAt: z.number(),
  frontDoor: ProbeStats.nullable(),
  members: z.array(ProbeStats),
  restored: z.boolean(),
  restoredDetail: z.string(),
  cancelled: z.boolean(),
  verdict: z.enum(['pass', 'fail']),
  reasons: z.array(z.string()),
  report: z.string(),
  sha256: z.string(),
});
export type DrillResult = z.infer<typeof DrillResult>;

export const DrillFrame = z.strictObject({
  id: z.string(),
  service: z.string(),
  member: z.string(),
  phase: DrillPhase,
  detail: z.string(),
  /** 0..1 of the probing time. */
  progress: z.number(),
  probes: z.number().int(),
  failures: z.number().int(),
  result: DrillResult.optional(),
});
export type DrillFrame = z.infer<typeof DrillFrame>;

export interface Sample {
  at: number;
  ok: boolean;
  latencyMs?: number;
  detail: string;
}

const round = (v: number | undefined) => (v === undefined ? null : Math.round(v * 10) / 10);

export function probeStats(target: string, samples: readonly Sample[]): ProbeStats {
  const lat = samples.filter((s) => s.ok && s.latencyMs !== undefined).map((s) => s.latencyMs!);
  const bad = samples.filter((s) => !s.ok);
  return {
    target,
    probes: samples.length,
    failures: bad.length,
    p50Ms: round(percentile(lat, 50)),
    p95Ms: round(percentile(lat, 95)),
    p99Ms: round(percentile(lat, 99)),
    maxMs: lat.length ? Math.max(...lat) : null,
    failed: bad.slice(0, 10).map((s) => ({ at: s.at, detail: s.detail })),
  };
}

/**
 * Pass when what clients reach (the front door, or else the remaining members together) met the
 * objective while the member was out, and the member is back and ready. Each failure is a reason.
 */
export function judgeDrill(
  o: { frontDoor: ProbeStats | null; members: ProbeStats[]; restored: boolean; restoredDetail: string; cancelled: boolean },
  slo: SloTarget | undefined,
): { verdict: 'pass' | 'fail'; reasons: string[] } {
  const reasons: string[] = [];
  if (o.cancelled) reasons.push('the drill was cancelled before its time was up');
  if (!o.restored) reasons.push(`the member is not ready again: ${o.restoredDetail}`);
  const judged = o.frontDoor ? [o.frontDoor] : o.members;
  const probes = judged.reduce((n, s) => n + s.probes, 0);
  const failures = judged.reduce((n, s) => n + s.failures, 0);
  if (probes === 0) reasons.push('no probe was made');
  const what = o.frontDoor ? `the front door` : `the remaining members`;
  if (o.frontDoor) {
    if (failures > 0) reasons.push(`${what} failed ${failures} of ${probes} probes`);
  } else if (judged.every((s) => s.failures === s.probes && s.probes > 0)) {
    reasons.push(`no remaining member answered ready`);
  }
  const availability = probes ? ((probes - failures) / probes) * 100 : 0;
  if (slo?.availabilityPct !== undefined && probes && availability < slo.availabilityPct && !o.frontDoor)
    reasons.push(`${what} answered ${availability.toFixed(2)} % of probes, below the objective of ${slo.availabilityPct} %`);
  if (slo?.latency) {
    const key = `p${slo.latency.percentile}Ms` as 'p50Ms' | 'p95Ms' | 'p99Ms';
    for (const s of judged) {
      const v = s[key];
      if (v !== null && v >= slo.latency.belowMs)
        reasons.push(`${s.target}: p${slo.latency.percentile} ${v} ms, not below the objective of ${slo.latency.belowMs} ms`);
    }
  }
  return { verdict: reasons.length ? 'fail' : 'pass', reasons };
}
