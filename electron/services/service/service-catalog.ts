import { sha256Hex } from '../audit/canonical.js';
import { AppErrorException, appError } from '../../../shared/errors.js';
import { MaintenancePolicy } from '../../../shared/service/maintenance-window.js';
import { locateProblems, parseServiceSpec, resolveGroups, type ServiceSpec } from '../../../shared/service/service-spec.js';
import type { YamlProblem } from '../../../shared/yaml-schema.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Inventory } from '../fleet/inventory.js';
import type { ServiceStore, StoredService } from './service-store.js';

const problemsError = (what: string, problems: YamlProblem[]) =>
  new AppErrorException(
    appError(
      'VALIDATION',
      `The ${what} has ${problems.length} problem(s): ${problems.map((p) => `line ${p.line}${p.path ? ` (${p.path})` : ''}: ${p.message}`).join('; ')}`,
      'Fix it and apply it again.',
      problems.map((p) => ({ path: p.path, message: `line ${p.line}: ${p.message}` })),
    ),
  );

/**
 * The services a hospital runs, defined in YAML: checked as typed (every problem with its line and
 * field), applied and removed as audited actions, read by the rollout engine (redundancy and
 * maintenance windows), the drills and the Service view.
 */
export class ServiceCatalog {
  constructor(
    readonly store: ServiceStore,
    private readonly inventory: Inventory,
    private readonly audit: AuditLog,
    private readonly who: () => string,
  ) {}

  validate(text: string): YamlProblem[] {
    const r = parseServiceSpec(text);
    if (!r.spec) return r.problems;
    const problems: YamlProblem[] = [];
    r.spec.members.forEach((m, i) => {
      if (!this.inventory.get(m))
        problems.push({
          path: `members.${i}`,
          line: 1,
          column: 1,
          message: `${m} is not in the inventory: add the node first, or check the name`,
        });
    });
    return locateProblems(text, problems);
  }

  private parseOrThrow(text: string): ServiceSpec {
    const problems = this.validate(text);
    if (problems.length) throw problemsError('service', problems);
    return parseServiceSpec(text).spec!;
  }

  list(): { name: string; service?: StoredService; damaged?: string }[] {
    return this.store.list();
  }

  get(name: string): StoredService {
    const s = this.store.get(name);
    if (!s) throw new AppErrorException(appError('NOT_FOUND', `No service ${name}`, 'Apply its YAML first: edgeward services apply FILE.'));
    return s;
  }

  /** Services a node serves with this deployment: what a change to it on that node must respect. */
  servicesOf(deployment: string, node: string): ServiceSpec[] {
    return this.store
      .list()
      .flatMap((s) => (s.service ? [s.service.spec] : []))
      .filter((s) => s.deployment === deployment && s.members.includes(node));
  }

  /** Every service a node is a member of, whichever deployment serves it. */
  servicesWithMember(node: string): ServiceSpec[] {
    return this.store
      .list()
      .flatMap((s) => (s.service ? [s.service.spec] : []))
      .filter((s) => s.members.includes(node));
  }

  groupsOf(spec: ServiceSpec) {
    return resolveGroups(spec, (n) => this.inventory.get(n)?.site);
  }

  async apply(text: string): Promise<StoredService> {
    const spec = this.parseOrThrow(text);
    const specHash = `sha256:${sha256Hex(JSON.stringify(spec))}`;
    return this.audit.perform(
      {
        action: 'service.apply',
        target: { service: spec.name, deployment: spec.deployment },
        params: {
          deployment: spec.deployment,
          members: spec.members,
          groups: this.groupsOf(spec).map((g) => `${g.name}: ${g.members.join(', ')} (min ${g.minHealthy})`),
          specHash,
          ...(spec.frontDoor ? { frontDoor: spec.frontDoor.url } : {}),
          ...(spec.maintenance ? { maintenance: spec.maintenance.windows.length } : {}),
        },
      },
      (intent) => {
        this.store.save(spec, text, this.who(), intent);
        return this.get(spec.name);
      },
    );
  }

  async remove(name: string): Promise<void> {
    const s = this.get(name);
    await this.audit.perform(
      { action: 'service.remove', target: { service: name, deployment: s.spec.deployment }, params: { deployment: s.spec.deployment } },
      (intent) => {
        this.store.remove(name, intent);
      },
    );
  }

  /** A site's weekly or one-off windows (in its own time zone); null clears them. */
  async setSiteWindows(site: string, policy: MaintenancePolicy | null): Promise<void> {
    if (policy) MaintenancePolicy.parse(policy);
    await this.audit.perform(
      {
        action: 'site.windows',
        target: { site },
        params: {
          site,
          ...(policy ? { timeZone: policy.timeZone, windows: policy.windows.map((w) => JSON.stringify(w)) } : { windows: [] }),
        },
      },
      (intent) => this.store.setSiteWindows(site, policy, this.who(), intent),
    );
  }
}
