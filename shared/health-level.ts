/**
 * A node's health levels and their order, apart from the health model's schemas (node-health.ts):
 * the fleet table sorts by them on its first paint, before any schema is needed.
 */
export const HEALTH_LEVELS = ['critical', 'unreachable', 'warning', 'unknown', 'drained', 'ok', 'disabled'] as const;
export type HealthLevel = (typeof HEALTH_LEVELS)[number];

/** Worst first: the order a table sorts by default. */
export const HEALTH_RANK: Record<HealthLevel, number> = {
  critical: 0,
  unreachable: 1,
  warning: 2,
  unknown: 3,
  drained: 4,
  ok: 5,
  disabled: 6,
};
