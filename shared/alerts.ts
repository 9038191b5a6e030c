import { z } from 'zod';
import { dicomSeries } from './clinical/dicom-target.js';
import { BURN_WINDOWS } from './slo.js';
import type { TelemetryFrame } from './telemetry.js';

export const AlertRuleKind = z.enum([
  'gpu-temperature',
  'ecc-uncorrectable',
  'gpu-lost',
  'gpu-error',
  'gpu-xid',
  'node-unreachable',
  'slo-burn',
]);
export type AlertRuleKind = z.infer<typeof AlertRuleKind>;

export const Severity = z.enum(['warning', 'critical']);
export type Severity = z.infer<typeof Severity>;

export const Alert = z.strictObject({
  id: z.string(),
  rule: AlertRuleKind,
  node: z.string(),
  gpu: z.number().int().optional(),
  endpoint: z.string().optional(),
  severity: Severity,
  state: z.enum(['firing', 'resolved']),
  since: z.number(),
  updatedAt: z.number(),
  message: z.string(),
  acknowledged: z.strictObject({ by: z.string(), at: z.number(), note: z.string().optional() }).optional(),
  /** For an Xid alert, the code its runbook text is for (the gravest of its recent events). */
  xid: z.number().int().optional(),
  /** A silence covers it: it still fires and is recorded, but notifies no one and leaves the nav count. */
  silenced: z.strictObject({ id: z.string(), until: z.number(), reason: z.string(), by: z.string() }).optional(),
  /** Set when the audit log could not record this alert's firing or resolving: why. */
  unrecorded: z.string().max(500).optional(),
  /** When this alert first fired, in any episode (it is kept across restarts). */
  firstSeen: z.number().optional(),
  /** The last time its condition was seen (to within 30 s while it fires). */
  lastSeen: z.number().optional(),
});
export type Alert = z.infer<typeof Alert>;

/** One thing that happened to an alert, for its history. */
export const AlertEvent = z.strictObject({
  seq: z.number().int().positive(),
  alertId: z.string(),
  rule: AlertRuleKind,
  node: z.string(),
  kind: z.enum(['fire', 'resolve', 'acknowledge']),
  at: z.number(),
  severity: Severity,
  message: z.string(),
  /** Who acknowledged. */
  by: z.string().optional(),
  /** What the person who acknowledged wrote. */
  note: z.string().optional(),
});
export type AlertEvent = z.infer<typeof AlertEvent>;

export interface AlertThresholds {
  gpuTempWarningC: number;
  gpuTempCriticalC: number;
  /** How long a node may be unreachable before it is an alert (brief blips are not). */
  unreachableAfterMs: number;
}

export const DEFAULT_THRESHOLDS: AlertThresholds = { gpuTempWarningC: 85, gpuTempCriticalC: 92, unreachableAfterMs: 30_000 };

/**
 * Xid codes whose immediate resolution in NVIDIA's Xid catalog is a GPU reset or a machine restart (or
 * the double-bit-ECC workflow, 48): the GPU can no longer be trusted with patients' studies. Others
 * (13, 31, 43: mostly the application's fault) warn. A unit test keeps this in step with the catalog.
 */
export const CRITICAL_XIDS: ReadonlySet<number> = new Set([46, 48, 62, 64, 79, 95, 109, 110, 119, 120, 136, 140, 143, 155, 156, 158]);

export interface Condition {
  rule: AlertRuleKind;
  gpu?: number;
  endpoint?: string;
  severity: Severity;
  message: string;
  xid?: number;
}

/** The shortest and longest a silence may last: long enough for a repair, never forever. */
export const SILENCE_MIN_MS = 5 * 60_000;
export const SILENCE_MAX_MS = 7 * 24 * 3_600_000;

/**
 * A silence: for a time and with a reason, alerts that match it notify no one and leave the nav
 * count (they still fire, show and are recorded). It matches one alert, or a node and/or a rule.
 */
export const Silence = z.strictObject({
  id: z.string(),
  alertId: z.string().optional(),
  node: z.string().optional(),
  rule: AlertRuleKind.optional(),
  reason: z.string(),
  by: z.string(),
  createdAt: z.number(),
  endsAt: z.number(),
  /** Ended early, by whom. */
  ended: z.strictObject({ at: z.number(), by: z.string() }).optional(),
});
export type Silence = z.infer<typeof Silence>;

export const silenceMatches = (s: Pick<Silence, 'alertId' | 'node' | 'rule'>, a: Pick<Alert, 'id' | 'node' | 'rule'>): boolean =>
  (s.alertId === undefined || s.alertId === a.id) &&
  (s.node === undefined || s.node === a.node) &&
  (s.rule === undefined || s.rule === a.rule);

/**
 * What is wrong in one frame, as conditions. Pure: the same frame and history always give the same
 * answer, so the rules are tested without any node.
 */
export function conditionsOf(frame: TelemetryFrame, t: AlertThresholds, lostSince: number | undefined): Condition[] {
  const out: Condition[] = [];
  for (const g of frame.gpus) {
    if (g.tempC !== null && g.tempC >= t.gpuTempWarningC) {
      const critical = g.tempC >= t.gpuTempCriticalC;
      out.push({
        rule: 'gpu-temperature',
        gpu: g.index,
        severity: critical ? 'critical' : 'warning',
        message: `GPU ${g.index} at ${g.tempC} °C (${critical ? 'critical' : 'warning'} from ${critical ? t.gpuTempCriticalC : t.gpuTempWarningC} °C)`,
      });
    }
    if (g.eccUncorrected !== null && g.eccUncorrected > 0) {
      out.push({
        rule: 'ecc-uncorrectable',
        gpu: g.index,
        severity: 'critical',
        message: `GPU ${g.index}: ${g.eccUncorrected} uncorrectable ECC error(s); drain it and plan a reset or RMA`,
      });
    }
  }
  const xidsByGpu = new Map<string, NonNullable<TelemetryFrame['xid']>['recent']>();
  for (const x of frame.xid?.recent ?? []) {
    const key = x.gpu !== null ? String(x.gpu) : x.pci;
    xidsByGpu.set(key, [...(xidsByGpu.get(key) ?? []), x]);
  }
  for (const [key, events] of xidsByGpu) {
    const latest = events[events.length - 1]!;
    const gravest = events.filter((e) => CRITICAL_XIDS.has(e.code)).at(-1) ?? latest;
    const critical = CRITICAL_XIDS.has(gravest.code);
    const who = latest.gpu !== null ? `GPU ${latest.gpu}` : `GPU at PCI ${latest.pci}`;
    out.push({
      rule: 'gpu-xid',
      ...(latest.gpu !== null ? { gpu: latest.gpu } : { endpoint: key }),
      severity: critical ? 'critical' : 'warning',
      message: `${who}: Xid ${latest.code} (${latest.text})${events.length > 1 ? `; ${events.length} Xid events in 10 min` : ''}`,
      xid: gravest.code,
    });
  }
  for (const ep of frame.endpoints ?? []) {
    if (ep.burnRateShort === null || ep.burnRateLong === null) continue;
    const burning = Math.min(ep.burnRateShort, ep.burnRateLong);
    if (burning < BURN_WINDOWS.warning) continue;
    const critical = burning >= BURN_WINDOWS.critical;
    const now = ep.p95Ms !== null ? `; p95 now ${Math.round(ep.p95Ms)} ms` : '';
    // The DICOM round trip is an alert of its own: the AI's path can fail while its OIP port answers.
    const dicom = ep.probe === 'dicom';
    out.push({
      rule: 'slo-burn',
      endpoint: dicom ? dicomSeries(ep.name) : ep.name,
      severity: critical ? 'critical' : 'warning',
      message: `${ep.name}${dicom ? ' DICOM round trip' : ''}: error budget burning ${ep.burnRateShort.toFixed(1)}× (5 min) and ${ep.burnRateLong.toFixed(1)}× (1 h) against ${ep.objective ?? 'its SLO'}${now}, availability ${ep.availabilityPct?.toFixed(1) ?? '?'} %`,
    });
  }
  if (frame.session === 'live' && frame.gpuHealth === 'lost') {
    out.push({ rule: 'gpu-lost', severity: 'critical', message: frame.gpuMessage ?? 'a GPU fell off the bus' });
  }
  if (frame.session === 'live' && (frame.gpuHealth === 'error' || frame.gpuHealth === 'missing')) {
    out.push({ rule: 'gpu-error', severity: 'critical', message: frame.gpuMessage ?? 'nvidia-smi is failing' });
  }
  if (frame.session === 'lost' && lostSince !== undefined && frame.at - lostSince >= t.unreachableAfterMs) {
    out.push({ rule: 'node-unreachable', severity: 'critical', message: `unreachable for ${Math.round((frame.at - lostSince) / 1000)} s` });
  }
  return out;
}
