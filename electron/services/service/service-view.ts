import type { ServiceDetail } from '../../../shared/contract/service-channels.js';
import type { AuditRecord } from '../../../shared/audit.js';
import { describeOpening, windowAt } from '../../../shared/service/maintenance-window.js';
import { availabilityOf, serviceHealth, type GroupState } from '../../../shared/service/service-health.js';
import { describeSlo, type SloSettings, type SloTarget } from '../../../shared/slo.js';
import type { AuditIndex } from '../audit/audit-index.js';
import type { DeployStore } from '../deploy/deploy-store.js';
import type { ChangeGuard } from './change-guard.js';
import { probeFrontDoor } from './front-door.js';
import { serviceSeries } from './service-recorder.js';
import type { HistoryStore } from '../telemetry/history.js';
import type { ServiceCatalog } from './service-catalog.js';

export interface ServiceViewDeps {
  catalog: ServiceCatalog;
  guard: ChangeGuard;
  deployStore: () => DeployStore;
  audit: AuditIndex;
  slo: () => SloSettings;
  history?: HistoryStore;
}

/** The service's objective: its own, or its profile's from Settings. */
export function sloOf(
  spec: { slo?: SloTarget | undefined; profile?: keyof SloSettings | undefined },
  settings: SloSettings,
): SloTarget | undefined {
  return spec.slo ?? (spec.profile ? settings[spec.profile] : undefined);
}

/**
 * Everything the Service view and `services show` say about one service, probed now: each member's
 * readiness and revision by group, the front door, the health that follows, the next maintenance
 * window and the recent changes from the audit log.
 */
export async function showService(d: ServiceViewDeps, name: string, signal?: AbortSignal): Promise<ServiceDetail> {
  const stored = d.catalog.get(name);
  const spec = stored.spec;
  let rollout: ReturnType<DeployStore['rollout']>;
  try {
    rollout = d.deployStore().rollout(spec.deployment);
  } catch {
    rollout = undefined; // a damaged rollout row is named in the Deployments view; the service is still shown
  }
  const [states, frontDoor] = await Promise.all([
    d.guard.states(spec, signal),
    spec.frontDoor ? probeFrontDoor(spec.frontDoor, signal) : Promise.resolve(undefined),
  ]);
  const groups: GroupState[] = states.map(({ group, members }) => ({
    name: group.name,
    minHealthy: group.minHealthy,
    members: members.map((m) => {
      const step = rollout?.nodes[m.node];
      const revision = step?.state === 'done' ? rollout!.revision : step?.previous?.revision;
      return { ...m, ...(revision !== undefined ? { revision } : {}) };
    }),
  }));
  const now = Date.now();
  let window: string | undefined;
  if (spec.maintenance) {
    const w = windowAt(spec.maintenance, now);
    window = !w
      ? 'no window ahead: every change needs an emergency reason'
      : w.open
        ? `open now: ${describeOpening(w.opening, spec.maintenance.timeZone)}`
        : `next: ${describeOpening(w.opening, spec.maintenance.timeZone)}`;
  }
  const slo = sloOf(spec, d.slo());
  const series = serviceSeries(spec);
  const counts = d.history?.probeCounts(series.node, series.endpoint, now - 30 * 86_400_000) ?? { probes: 0, ok: 0, since: null };
  return {
    availability: availabilityOf(counts.probes, counts.ok, counts.since, slo?.availabilityPct),
    spec,
    yaml: stored.yaml,
    by: stored.by,
    updatedAt: stored.updatedAt,
    health: serviceHealth(groups, frontDoor),
    groups,
    ...(frontDoor ? { frontDoor } : {}),
    ...(window ? { window } : {}),
    slo: slo ? describeSlo(slo) : null,
    changes: recentChanges(d.audit, spec.name, spec.deployment),
    checkedAt: now,
  };
}

/** The service's own records and its deployment's, newest first. */
function recentChanges(index: AuditIndex, service: string, deployment: string, limit = 20): AuditRecord[] {
  const hits = index.query({ text: `"${deployment}"` }, 0, 400).records;
  const mine = index.query({ text: `"${service}"` }, 0, 400).records;
  const seen = new Set<number>();
  return [...hits, ...mine]
    .filter((r) => (r.target.service === service || r.target.deployment === deployment) && r.outcome !== 'intent')
    .filter((r) => !seen.has(r.seq) && seen.add(r.seq))
    .sort((a, b) => b.seq - a.seq)
    .slice(0, limit);
}
