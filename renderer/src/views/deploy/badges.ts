import type { NodeStep, Rollout } from '../../../../shared/deploy/rollout.js';
import type { StatusKind } from '../../components/StatusBadge';

export const STEP_BADGE: Record<NodeStep['state'], StatusKind> = {
  pending: 'pending',
  pulling: 'info',
  starting: 'info',
  health: 'info',
  soak: 'info',
  done: 'ok',
  failed: 'error',
  'rolling-back': 'warn',
  'rolled-back': 'warn',
  skipped: 'offline',
};
export const STATUS_BADGE: Record<Rollout['status'], StatusKind> = {
  running: 'pending',
  paused: 'warn',
  succeeded: 'ok',
  failed: 'error',
  'rolling-back': 'warn',
  'rolled-back': 'warn',
  aborted: 'warn',
  interrupted: 'warn',
  halted: 'offline',
};
