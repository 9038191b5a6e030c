import type { Rollout } from '../../../shared/deploy/rollout.js';
import type { Intent } from '../audit/intent.js';
import type { DeployStore } from './deploy-store.js';
import { OWNER, RUNNING } from './lease.js';

/** A rollout this process runs: how to stop or pause it, and the action it belongs to. */
export interface ActiveRollout {
  abort: AbortController;
  paused: boolean;
  wake: (() => void) | undefined;
  /** The apply, rollback or resume whose outcome is written when the run ends. */
  intent: Intent;
}

/**
 * The rollouts as the store has them, the ones this process runs, and who watches them. Every
 * save goes out to watchers and carries this process's lease while it runs the rollout.
 */
export class RolloutState {
  readonly active = new Map<string, ActiveRollout>();
  private readonly listeners = new Map<string, Set<(r: Rollout) => void>>();

  constructor(readonly store: DeployStore) {}

  watch(name: string, listener: (r: Rollout) => void): () => void {
    const set = this.listeners.get(name) ?? new Set();
    set.add(listener);
    this.listeners.set(name, set);
    const current = this.store.rollout(name);
    if (current) listener(current);
    return () => set.delete(listener);
  }

  /** The current rollout of `name`, changed by `f`, saved under `intent`. */
  update(name: string, f: (r: Rollout) => Rollout, intent: Intent): Rollout {
    return this.save({ ...f(this.store.rollout(name)!), updatedAt: Date.now() }, intent);
  }

  save(r: Rollout, intent: Intent): Rollout {
    // A rollout this process runs carries its lease; one it only marks (interrupted, halted) does not.
    if (this.active.has(r.deployment) && RUNNING.has(r.status)) r = { ...r, owner: { ...OWNER, renewedAt: Date.now() } };
    else if (r.owner && !RUNNING.has(r.status)) r = { ...r, owner: undefined };
    this.store.saveRollout(r, intent);
    for (const l of this.listeners.get(r.deployment) ?? []) l(r);
    return r;
  }
}
