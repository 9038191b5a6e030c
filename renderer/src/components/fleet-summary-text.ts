import { HEALTH_RANK, type HealthLevel } from '../../../shared/health-level.js';
import type { NodeHealth } from '../../../shared/node-health.js';

const LEVEL_WORD: Record<HealthLevel, string> = {
  critical: 'critical',
  unreachable: 'unreachable',
  warning: 'warning',
  unknown: 'unknown',
  drained: 'drained',
  ok: 'ok',
  disabled: 'disabled',
};

/** The fleet by health level, worst first, from the same model as every view ("5 nodes: 1 critical, 4 ok"). */
export function fleetSummary(health: { byNode: Record<string, NodeHealth> } | undefined): string | undefined {
  if (!health) return undefined;
  const levels = Object.values(health.byNode).map((h) => h.level);
  if (levels.length === 0) return 'No nodes';
  const counts = new Map<HealthLevel, number>();
  for (const l of levels) counts.set(l, (counts.get(l) ?? 0) + 1);
  const parts = [...counts].sort(([a], [b]) => HEALTH_RANK[a] - HEALTH_RANK[b]).map(([l, n]) => `${n} ${LEVEL_WORD[l]}`);
  return `${levels.length} node(s): ${parts.join(', ')}`;
}
