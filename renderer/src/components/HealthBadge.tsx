import type { HealthLevel, NodeHealth } from '../../../shared/node-health.js';
import { StatusBadge, type StatusKind } from './StatusBadge';

const KIND: Record<HealthLevel, StatusKind> = {
  critical: 'error',
  unreachable: 'offline',
  warning: 'warn',
  unknown: 'unknown',
  drained: 'pending',
  ok: 'ok',
  disabled: 'pending',
};

const WORD: Record<HealthLevel, string> = {
  critical: 'Critical',
  unreachable: 'Unreachable',
  warning: 'Warning',
  unknown: 'Unknown',
  drained: 'Drained',
  ok: 'OK',
  disabled: 'Disabled',
};

/** A node's health level with its reason; the raw error behind it is on hover. */
export function HealthBadge({ health }: { health: NodeHealth | undefined }) {
  if (!health) return <StatusBadge kind="unknown" label="Unknown" />;
  return (
    <span className="health" data-level={health.level}>
      <StatusBadge kind={KIND[health.level]} label={WORD[health.level]} {...(health.raw ? { title: health.raw } : {})} />{' '}
      <span className="small">{health.reason}</span>
    </span>
  );
}
