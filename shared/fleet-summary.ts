import { conditionsOf, DEFAULT_THRESHOLDS, type AlertThresholds } from './alerts.js';
import { hottestTemp, type NodeSummary, type TelemetryFrame } from './telemetry.js';

/**
 * A node in one line for the fleet overview: the worst thing about it in words (the same rules as
 * the alerts, so the tile and the Alerts view never disagree), its hottest GPU, mean utilization and
 * worst endpoint p95. Pure, so the overview is tested without a fleet.
 */
export function summarizeNode(
  frame: TelemetryFrame,
  spark: { util: (number | null)[]; temp: (number | null)[] },
  lostSince: number | undefined,
  thresholds: AlertThresholds = DEFAULT_THRESHOLDS,
): NodeSummary {
  const utils = frame.gpus.map((g) => g.utilGpu).filter((u): u is number => u !== null);
  const p95s = (frame.endpoints ?? []).map((e) => e.p95Ms).filter((p): p is number => p !== null);
  const conditions = conditionsOf(frame, thresholds, lostSince);
  const critical = conditions.find((c) => c.severity === 'critical');
  const warning = conditions.find((c) => c.severity === 'warning');
  const failingEndpoint = (frame.endpoints ?? []).find((e) => e.lastOk === false);
  let level: NodeSummary['level'] = 'ok';
  let worst = frame.gpus.length ? `${frame.gpus.length} GPU${frame.gpus.length > 1 ? 's' : ''} healthy` : 'no GPUs reported';
  if (frame.session === 'starting') {
    level = 'unknown';
    worst = 'connecting…';
  } else if (frame.session === 'lost' || frame.session === 'stopped') {
    level = critical ? 'critical' : 'unknown';
    worst = critical?.message ?? `no data${frame.gpuMessage ? `: ${frame.gpuMessage}` : ''}`;
  } else if (critical) {
    level = 'critical';
    worst = critical.message;
  } else if (warning) {
    level = 'warning';
    worst = warning.message;
  } else if (failingEndpoint) {
    level = 'warning';
    worst = `${failingEndpoint.name}: ${failingEndpoint.lastError ?? 'probe failing'}`;
  }
  const lastSample = frame.gpus.reduce<number | null>((m, g) => (m === null || g.at > m ? g.at : m), null);
  return {
    node: frame.node,
    session: frame.session,
    at: lastSample ?? (frame.session === 'live' ? frame.at : null),
    level,
    worst: worst.slice(0, 300),
    hottestC: hottestTemp(frame),
    utilPct: utils.length ? Math.round(utils.reduce((a, b) => a + b, 0) / utils.length) : null,
    p95Ms: p95s.length ? Math.round(Math.max(...p95s)) : null,
    gpus: frame.gpus.length,
    sparkUtil: spark.util,
    sparkTemp: spark.temp,
  };
}

/** Worst first, then by name: the order on-call staff want to read a fleet in. */
export const LEVEL_RANK: Record<NodeSummary['level'], number> = { critical: 0, warning: 1, unknown: 2, ok: 3 };
