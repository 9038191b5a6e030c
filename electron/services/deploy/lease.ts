import os from 'node:os';
import type { Rollout } from '../../../shared/deploy/rollout.js';
import { AppErrorException, appError } from '../../../shared/errors.js';
import { processAlive } from '../common/process-alive.js';

/** States in which a rollout has an owner that acts on its nodes. */
export const RUNNING: ReadonlySet<string> = new Set(['running', 'paused', 'rolling-back']);

/** How long a rollout's lease holds without renewal before another process may take it over. */
export const LEASE_MS = 60_000;

/** This process, as written on the leases it holds. */
export const OWNER = { pid: process.pid, host: os.hostname() };

/** Run by another process that still holds its lease (alive, on this host; renewed lately, anywhere). */
export function runningElsewhere(r: Rollout): boolean {
  const o = r.owner;
  if (!o || !RUNNING.has(r.status)) return false;
  if (o.pid === OWNER.pid && o.host === OWNER.host) return false;
  if (Date.now() - o.renewedAt > LEASE_MS) return false;
  return o.host !== OWNER.host || processAlive(o.pid);
}

/** Refuses to touch a rollout another live Edgeward process is running, saying which. */
export function refuseIfRunningElsewhere(name: string, r: Rollout | undefined): void {
  if (!r || !runningElsewhere(r)) return;
  const o = r.owner!;
  throw new AppErrorException(
    appError(
      'CONFLICT',
      `A rollout of ${name} (revision ${r.revision}, ${r.status}) is being run by another Edgeward process: pid ${o.pid} on ${o.host}, last renewed ${Math.round((Date.now() - o.renewedAt) / 1000)} s ago`,
      `Follow or stop it there. If that process is gone, this one can take it over ${LEASE_MS / 1000} s after its last renewal (it is then shown as interrupted, to resume or halt).`,
    ),
  );
}
