import { AppErrorException, appError } from '../../../shared/errors.js';
import { isDrained } from '../../../shared/fleet.js';
import { describeOpening, windowAt, type MaintenancePolicy } from '../../../shared/service/maintenance-window.js';
import type { RedundancyGroup, ServiceSpec } from '../../../shared/service/service-spec.js';
import type { Inventory } from '../fleet/inventory.js';
import { execForDeploy } from '../deploy/node-exec.js';
import { readyProbeCommand } from '../runtime/runtime-commands.js';
import type { SshPool } from '../ssh/pool.js';
import type { ServiceCatalog } from './service-catalog.js';
import type { MemberState } from '../../../shared/service/service-health.js';

export type { MemberState };

export interface Shortage {
  service: string;
  group: string;
  minHealthy: number;
  /** Healthy members left if the change went ahead. */
  left: number;
  /** The other members and what they are doing. */
  others: MemberState[];
  /** Only members this change has out right now are missing: waiting for them is the normal case. */
  onlyOwn: boolean;
  /** How long the service lets a change wait for its members before the change pauses. */
  waitS: number;
}

export type ReadyCheck = { port: number; path: string };

/** "sepsis-cds (group all): taking cds-1 down would leave 0 of minimum 1 healthy: cds-2 unreachable: …". */
export function describeShortage(s: Shortage, node: string): string {
  return `${s.service} (group ${s.group}): taking ${node} down would leave ${s.left} of minimum ${s.minHealthy} healthy: ${s.others
    .map((o) => `${o.node} ${o.state}`)
    .join('; ')}`;
}

/**
 * What every change to a service's member must respect: its redundancy groups never below their
 * minimum of healthy members (members outside the change, unreachable, drained or being changed
 * count as down) and its maintenance windows. Members are probed live over SSH.
 */
export class ChangeGuard {
  constructor(
    private readonly catalog: ServiceCatalog,
    private readonly inventory: Inventory,
    private readonly pool: SshPool,
    /** The deployment's own readiness check (its health port as published, and path). */
    private readonly readyOfDeployment: (deployment: string) => ReadyCheck | undefined,
  ) {}

  readyOf(spec: ServiceSpec): ReadyCheck | undefined {
    return spec.ready ?? this.readyOfDeployment(spec.deployment);
  }

  /** One member now: from the inventory first (disabled, drained), then its readiness over SSH. */
  async probe(
    node: string,
    ready: ReadyCheck | undefined,
    out: ReadonlySet<string> = new Set(),
    signal?: AbortSignal,
  ): Promise<MemberState> {
    const n = this.inventory.get(node);
    if (!n) return { node, healthy: false, state: 'not in the inventory' };
    if (!n.enabled) return { node, healthy: false, state: 'disabled' };
    if (isDrained(n)) return { node, healthy: false, state: `drained (${n.drain!.reason})` };
    if (out.has(node)) return { node, healthy: false, state: 'being changed' };
    if (!ready) return { node, healthy: false, state: 'no readiness check known (give the service a ready: port)' };
    try {
      const r = await execForDeploy(this.pool, node, readyProbeCommand(ready.port, ready.path), {
        timeoutMs: 15_000,
        ...(signal ? { signal } : {}),
      });
      const m = /^(\d{3}) ([\d.]+)/.exec(r.stdout.toString('utf8').trim());
      const code = m?.[1] ?? '000';
      const latencyMs = m ? Math.round(Number(m[2]) * 1000) : undefined;
      if (code === '200')
        return { node, healthy: true, state: `ready (${latencyMs} ms)`, ...(latencyMs !== undefined ? { latencyMs } : {}) };
      return { node, healthy: false, state: code === '000' ? `not answering on port ${ready.port}` : `not ready (HTTP ${code})` };
    } catch (err) {
      const why = err instanceof AppErrorException ? err.appError.message : (err as Error).message;
      return { node, healthy: false, state: `unreachable: ${why}` };
    }
  }

  /**
   * The shortages taking `node` down for `deployment` would cause, with `out` the members this change
   * has out now; empty when it may go. A member that does not serve now takes nothing away (its
   * first deployment, or the fix it waits for), so it may always go.
   */
  shortages(deployment: string, node: string, out: ReadonlySet<string>, signal?: AbortSignal): Promise<Shortage[]> {
    return this.shortagesIn(this.catalog.servicesOf(deployment, node), node, out, signal);
  }

  /** Taking the node out of every service it serves (a drain, a disable). */
  shortagesOfNode(node: string, signal?: AbortSignal): Promise<Shortage[]> {
    return this.shortagesIn(this.catalog.servicesWithMember(node), node, new Set(), signal);
  }

  /** Refuses taking a serving node out (`what`: "drain") when a group of its services would fall below its minimum. */
  async refuseOut(node: string, what: string): Promise<void> {
    const short = await this.shortagesOfNode(node);
    if (!short.length) return;
    throw new AppErrorException(
      appError(
        'CONFLICT',
        `Cannot ${what} ${node}: ${short.map((s) => describeShortage(s, node)).join('; ')}`,
        "Bring the other members back first (or change the service's minimum, an audited change), then try again.",
      ),
    );
  }

  private async shortagesIn(specs: ServiceSpec[], node: string, out: ReadonlySet<string>, signal?: AbortSignal): Promise<Shortage[]> {
    const found: Shortage[] = [];
    for (const spec of specs) {
      const ready = this.readyOf(spec);
      if (!(await this.probe(node, ready, out, signal)).healthy) continue;
      for (const g of this.catalog.groupsOf(spec).filter((x) => x.members.includes(node))) {
        const others = await Promise.all(g.members.filter((m) => m !== node).map((m) => this.probe(m, ready, out, signal)));
        const left = others.filter((o) => o.healthy).length;
        if (left < g.minHealthy) found.push(shortage(spec, g, left, others));
      }
    }
    return found;
  }

  /** "service/group" of each redundancy group a node is in for this deployment. */
  groupKeys(deployment: string, node: string): string[] {
    return this.catalog.servicesOf(deployment, node).flatMap((s) =>
      this.catalog
        .groupsOf(s)
        .filter((g) => g.members.includes(node))
        .map((g) => `${s.name}/${g.name}`),
    );
  }

  /** Every member of the service now, by group. */
  async states(spec: ServiceSpec, signal?: AbortSignal): Promise<{ group: RedundancyGroup; members: MemberState[] }[]> {
    const ready = this.readyOf(spec);
    const all = new Map((await Promise.all(spec.members.map((m) => this.probe(m, ready, new Set(), signal)))).map((s) => [s.node, s]));
    return this.catalog.groupsOf(spec).map((group) => ({ group, members: group.members.map((m) => all.get(m)!) }));
  }

  /** The windows a change to `node` for `deployment` must keep to: its services' own, or else its site's. */
  policiesFor(deployment: string, node: string): { owner: string; policy: MaintenancePolicy }[] {
    return this.windowsOrSite(this.catalog.servicesOf(deployment, node), node);
  }

  /** The windows of these services that have any, or else the node's site's. */
  private windowsOrSite(services: ServiceSpec[], node: string): { owner: string; policy: MaintenancePolicy }[] {
    const own = services.filter((s) => s.maintenance).map((s) => ({ owner: `service ${s.name}`, policy: s.maintenance! }));
    if (own.length) return own;
    const site = this.inventory.get(node)?.site;
    const policy = site ? this.catalog.store.siteWindows().get(site) : undefined;
    return policy ? [{ owner: `site ${site}`, policy }] : [];
  }

  /** Whether a change to `node` may run at `at`; when not, why in words and when it may. */
  window(deployment: string, node: string, at = Date.now()): WindowState {
    return windowOfAll(this.policiesFor(deployment, node), at);
  }

  /**
   * Whether work that is not a change to a service (a batch job's shard) may start on `node` at
   * `at`: the windows of every service the node serves, or else its site's. Batch work loads the
   * GPUs a clinical service shares, so it keeps to the same hours.
   */
  nodeWindow(node: string, at = Date.now()): WindowState {
    return windowOfAll(this.windowsOrSite(this.catalog.servicesWithMember(node), node), at);
  }
}

export type WindowState = { open: true } | { open: false; reason: string; opensAt?: number };

/** Open when every policy's window is open; else the reason of the one that opens last (or never). */
function windowOfAll(policies: { owner: string; policy: MaintenancePolicy }[], at: number): WindowState {
  let latest: { reason: string; opensAt?: number } | undefined;
  for (const { owner, policy } of policies) {
    const w = windowAt(policy, at);
    if (w?.open) continue;
    const reason = w
      ? `waits for the maintenance window of ${owner}: ${describeOpening(w.opening, policy.timeZone)}`
      : `the maintenance windows of ${owner} have all passed: add one, or make it an emergency change`;
    // Several windows must all be open: the change waits for the one that opens last.
    if (!latest || (w && latest.opensAt !== undefined && w.opening.start > latest.opensAt) || !w)
      latest = { reason, ...(w ? { opensAt: w.opening.start } : {}) };
  }
  return latest ? { open: false, ...latest } : { open: true };
}

function shortage(spec: ServiceSpec, g: RedundancyGroup, left: number, others: MemberState[]): Shortage {
  return {
    service: spec.name,
    group: g.name,
    minHealthy: g.minHealthy,
    left,
    others,
    onlyOwn: left + others.filter((o) => o.state === 'being changed').length >= g.minHealthy,
    waitS: spec.redundancy.waitS,
  };
}
