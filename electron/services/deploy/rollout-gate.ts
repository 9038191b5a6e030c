import type { DeploymentSpec } from '../../../shared/deploy/spec.js';
import { describeShortage, type ChangeGuard, type ReadyCheck } from '../service/change-guard.js';
import { sleep } from './node-exec.js';

/** The readiness check of a deployment as its spec publishes it on each node. */
export function readyOfSpec(spec: DeploymentSpec): ReadyCheck | undefined {
  const host = spec.ports.find((p) => p.container === spec.health.port)?.host;
  return host ? { port: host, path: spec.health.path } : undefined;
}

export interface GateContext {
  guard: ChangeGuard;
  deployment: string;
  node: string;
  /** Members this rollout has out of service now. */
  inFlight: ReadonlySet<string>;
  /** An emergency change runs outside the maintenance windows (never below a redundancy minimum). */
  emergency: boolean;
  signal: AbortSignal;
  /** Whether another node of this rollout is still running (so waiting for it ends by itself). */
  othersRunning: () => boolean;
  /** Says on the node and the rollout what it waits for. */
  hold: (why: string) => void;
  /** Pauses the rollout with a reason (audited by the caller); resolves false when it is aborted instead of resumed. */
  pause: (why: string) => Promise<boolean>;
}

const WINDOW_RECHECK_MS = 30_000;
const MEMBER_RECHECK_MS = 3_000;

/**
 * Before a node is taken out for its update: its maintenance window open (unless an emergency), and
 * no redundancy group of its services left below its minimum. Waits showing for what; members
 * outside this rollout that stay down longer than the service allows pause the rollout.
 * 'own' means only this rollout's own running nodes are missing: take the next one when they end.
 */
export async function gateNode(c: GateContext): Promise<'go' | 'own' | 'aborted'> {
  let heldSince: number | undefined;
  while (!c.signal.aborted) {
    if (!c.emergency) {
      const w = c.guard.window(c.deployment, c.node);
      if (!w.open) {
        c.hold(w.reason);
        await sleep(w.opensAt ? Math.max(250, Math.min(WINDOW_RECHECK_MS, w.opensAt - Date.now())) : WINDOW_RECHECK_MS, c.signal);
        continue;
      }
    }
    const short = await c.guard.shortages(c.deployment, c.node, c.inFlight, c.signal);
    if (c.signal.aborted) break;
    if (!short.length) return 'go';
    const why = short.map((s) => describeShortage(s, c.node)).join('; ');
    if (short.every((s) => s.onlyOwn) && c.othersRunning()) {
      c.hold(`held until a member this rollout has out is back: ${why}`);
      return 'own';
    }
    heldSince ??= Date.now();
    const waitMs = Math.min(...short.map((s) => s.waitS)) * 1000;
    const left = waitMs - (Date.now() - heldSince);
    if (left <= 0) {
      if (!(await c.pause(`${why}. Bring the member back, then resume; or abort.`))) return 'aborted';
      heldSince = undefined;
      continue;
    }
    c.hold(`held: ${why} (pauses in ${Math.ceil(left / 1000)} s if it stays so)`);
    await sleep(Math.min(MEMBER_RECHECK_MS, left), c.signal);
  }
  return 'aborted';
}
