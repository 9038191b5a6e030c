import { AppErrorException, appError } from '../../../shared/errors.js';
import type { Rollout } from '../../../shared/deploy/rollout.js';
import type { ActionOutcome } from '../audit/audit-log.js';

/** What the audit log says of a rollout that ended (or stopped with the process). */
export function outcomeOf(r: Rollout): ActionOutcome {
  if (r.status === 'succeeded') return { outcome: 'ok' };
  if (r.status === 'failed' || r.status === 'rolled-back') return { outcome: 'failed', error: r.message };
  if (r.status === 'aborted') return { outcome: 'partial', error: r.message };
  return { outcome: 'partial', error: `Edgeward stopped while the rollout was ${r.status}; it shows as interrupted at the next start` };
}

export const noRollout = (name: string) =>
  new AppErrorException(appError('CONFLICT', `No rollout of ${name} is running`, 'Check the deployment status.'));
