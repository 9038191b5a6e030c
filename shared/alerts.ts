import { z } from 'zod';
import type { TelemetryFrame } from './telemetry.js';

export const AlertRuleKind = z.enum(['gpu-temperature', 'ecc-uncorrectable', 'gpu-lost', 'gpu-error', 'node-unreachable']);
export type AlertRuleKind = z.infer<typeof AlertRuleKind>;

export const Severity = z.enum(['warning', 'critical']);
export type Severity = z.infer<typeof Severity>;

export const Alert = z.strictObject({
  id: z.string(),
  rule: AlertRuleKind,
  node: z.string(),
  gpu: z.number().int().optional(),
  severity: Severity,
  state: z.enum(['firing', 'resolved']),
  since: z.number(),
  updatedAt: z.number(),
  message: z.string(),
  acknowledged: z.strictObject({ by: z.string(), at: z.number() }).optional(),
});
export type Alert = z.infer<typeof Alert>;

export interface AlertThresholds {
  gpuTempWarningC: number;
  gpuTempCriticalC: number;
  /** How long a node may be unreachable before it is an alert (brief blips are not). */
  unreachableAfterMs: number;
}

export const DEFAULT_THRESHOLDS: AlertThresholds = { gpuTempWarningC: 85, gpuTempCriticalC: 92, unreachableAfterMs: 30_000 };

export interface Condition {
  rule: AlertRuleKind;
  gpu?: number;
  severity: Severity;
  message: string;
}

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
