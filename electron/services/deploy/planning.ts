import crypto from 'node:crypto';
import { isDrained } from '../../../shared/fleet.js';
import { AppErrorException, appError } from '../../../shared/errors.js';
import { parseFacts, place, type NodeFacts } from '../../../shared/deploy/placement.js';
import { canaryOnePerGroup, groupKey, planWaves, targetNodes } from '../../../shared/deploy/rollout.js';
import { describeShortage, type ChangeGuard } from '../service/change-guard.js';
import { canonicalSpec, parseSpec, type DeploymentSpec, type SpecProblem } from '../../../shared/deploy/spec.js';
import { chooseDelivery, deliveryOf } from '../../../shared/deploy/delivery.js';
import type { Inventory } from '../fleet/inventory.js';
import { execOnNode } from '../ssh/exec.js';
import type { SshPool } from '../ssh/pool.js';
import type { SecretStore } from '../ssh/secrets.js';
import { shellQuote } from '../ssh/shell-quote.js';
import { loadAgent } from '../agents/agent-script.js';
import type { DeployStore } from './deploy-store.js';
import type { Runtime } from '../runtime/runtime-commands.js';
import type { ModelSources } from './model-source.js';

export interface PlanResult {
  spec: DeploymentSpec;
  specHash: string;
  /** Nodes that can take it, with the GPUs chosen and what they already have. */
  accepted: {
    node: string;
    group: string;
    runtime: Runtime;
    gpuIndices: number[];
    facts: NodeFacts;
    /** How this node gets the image (`auto` decided by the probe), and why, in words. */
    delivery: 'pull' | 'push';
    deliveryWhy: string;
  }[];
  refused: { node: string; reason: string }[];
}

/** A wave as the plan shows it: its nodes, and what it would wait for if it started now. */
export interface WavePreview {
  nodes: string[];
  waitsFor: string[];
}

/** The secret a spec names, kept with safeStorage in the app; `EDGEWARD_SECRET_<NAME>` for the CLI. */
export const secretKey = (name: string) => `deploy-secret:${name}`;
const secretEnvName = (name: string) => `EDGEWARD_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;

export const specHashOf = (spec: DeploymentSpec) => `sha256:${crypto.createHash('sha256').update(canonicalSpec(spec)).digest('hex')}`;

export interface PlannerDeps {
  pool: SshPool;
  inventory: Inventory;
  store: DeployStore;
  secrets: SecretStore;
  env: NodeJS.ProcessEnv;
  unfitNodes?: (() => Map<string, string>) | undefined;
  guard?: ChangeGuard | undefined;
  /** The registry endpoint (`…/v2/`) a node is asked to reach for `auto` delivery; none for a local-only image. */
  registryProbeUrl?: (image: string) => string | undefined;
  /** Where models come from (a directory, or an artifact the console fetches). */
  models: ModelSources;
}

/** Checking a spec and working out where it can run: nothing here changes a node or the store. */
export class DeployPlanner {
  private readonly placementAgent = loadAgent('placement.sh');

  private readonly pool: SshPool;
  private readonly inventory: Inventory;
  private readonly store: DeployStore;
  private readonly secrets: SecretStore;
  private readonly env: NodeJS.ProcessEnv;
  private readonly unfitNodes: () => Map<string, string>;
  private readonly guard: ChangeGuard | undefined;
  private readonly registryProbeUrl: (image: string) => string | undefined;
  private readonly models: ModelSources;

  constructor(d: PlannerDeps) {
    ({ pool: this.pool, inventory: this.inventory, store: this.store, secrets: this.secrets, env: this.env } = d);
    this.unfitNodes = d.unfitNodes ?? (() => new Map());
    this.guard = d.guard;
    this.registryProbeUrl = d.registryProbeUrl ?? (() => undefined);
    this.models = d.models;
  }

  validate(text: string): SpecProblem[] {
    const r = parseSpec(text);
    if (r.problems.length) return r.problems;
    return this.semanticProblems(r.spec!);
  }

  private semanticProblems(spec: DeploymentSpec): SpecProblem[] {
    const problems: SpecProblem[] = [];
    if (!spec.ports.some((p) => p.container === spec.health.port)) {
      problems.push({
        path: 'health.port',
        line: 1,
        column: 1,
        message: `health.port ${spec.health.port} is not published in ports: the health gate checks it on the node`,
      });
    }
    for (const [key, value] of Object.entries(spec.env)) {
      if (typeof value !== 'string' && this.secretValue(value.secret) === undefined) {
        problems.push({
          path: `env.${key}`,
          line: 1,
          column: 1,
          message: `secret "${value.secret}" is not set: add it in Settings → Secrets (or ${secretEnvName(value.secret)} for the CLI)`,
        });
      }
    }
    return problems;
  }

  private secretValue(name: string): string | undefined {
    return this.secrets.get(secretKey(name)) ?? this.env[secretEnvName(name)];
  }

  /** The values of the secrets a spec names (validation made sure they exist). */
  secretsOf(spec: DeploymentSpec): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(spec.env)) if (typeof v !== 'string') out[k] = this.secretValue(v.secret) ?? '';
    return out;
  }

  parseOrThrow(text: string): DeploymentSpec {
    const problems = this.validate(text);
    if (problems.length) {
      throw new AppErrorException(
        appError(
          'VALIDATION',
          `The spec has ${problems.length} problem(s): ${problems.map((p) => `line ${p.line}${p.path ? ` (${p.path})` : ''}: ${p.message}`).join('; ')}`,
          'Fix the spec and apply it again.',
          problems.map((p) => ({ path: p.path, message: `line ${p.line}: ${p.message}` })),
        ),
      );
    }
    return parseSpec(text).spec!;
  }

  /**
   * Where the spec would go: targets resolved, each node probed (runtime, GPUs, image), refusals
   * with reasons. A node whose health is critical takes no new work (`fitOnly`); a rollback still
   * goes to it, since putting the old revision back may be what it needs.
   */
  async plan(text: string, signal?: AbortSignal, fitOnly = true): Promise<PlanResult> {
    const spec = this.parseOrThrow(text);
    // The model's content is part of the revision: its manifest digest (and an artifact's pin), taken now.
    if (spec.model) Object.assign(spec.model, await this.models.resolve(spec.model.source, signal));
    const specHash = specHashOf(spec);
    const nodes = targetNodes(this.inventory.list(), spec.targets);
    if (nodes.length === 0) {
      throw new AppErrorException(appError('VALIDATION', 'The targets match no enabled node', 'Check targets against the Fleet view.'));
    }
    const accepted: PlanResult['accepted'] = [];
    const refused: PlanResult['refused'] = [];
    const previous = this.store.revisions(spec.name).at(-1);
    const unfit = fitOnly ? this.unfitNodes() : new Map<string, string>();
    await Promise.all(
      nodes.map(async (n) => {
        if (fitOnly && isDrained(n)) {
          const until = n.drain!.until ? ` until ${new Date(n.drain!.until).toISOString()}` : '';
          refused.push({
            node: n.name,
            reason: `it is drained for maintenance${until} (${n.drain!.reason}): undrain it or leave it out of the targets`,
          });
          return;
        }
        const why = unfit.get(n.name);
        if (why) {
          refused.push({ node: n.name, reason: `its health is critical (${why}): fix it or leave it out of the targets` });
          return;
        }
        const mode = deliveryOf(spec, n.site);
        const probeUrl = mode === 'auto' ? this.registryProbeUrl(spec.image) : undefined;
        try {
          const args = [spec.image, ...(probeUrl ? [probeUrl] : [])].map(shellQuote).join(' ');
          const r = await execOnNode(this.pool, n.name, `sh -s -- ${args}`, {
            stdin: this.placementAgent.text,
            timeoutMs: 30_000,
            ...(signal ? { signal } : {}),
          });
          const facts = parseFacts(r.stdout.toString('utf8'));
          // GPUs this deployment holds now are free for its next revision.
          const held = new Set<number>(previous ? (this.store.rollout(spec.name)?.nodes[n.name]?.gpuIndices ?? []) : []);
          const p = place(spec, facts, held);
          if (!p.ok) refused.push({ node: n.name, reason: p.reason });
          else if (facts.runtime !== 'none') {
            accepted.push({
              node: n.name,
              group: groupKey(n, spec.strategy.groupBy),
              runtime: facts.runtime,
              gpuIndices: p.gpuIndices,
              facts,
              ...chooseDelivery(mode, probeUrl, facts, n.site),
            });
          }
        } catch (err) {
          refused.push({ node: n.name, reason: err instanceof AppErrorException ? `${err.appError.message}` : String(err) });
        }
      }),
    );
    accepted.sort((a, b) => a.node.localeCompare(b.node));
    refused.sort((a, b) => a.node.localeCompare(b.node));
    return { spec, specHash, accepted, refused };
  }

  /** The waves of a plan: canary, then by size or percent across groups, one member per redundancy group in the canary. */
  waves(plan: Pick<PlanResult, 'accepted' | 'spec'>): string[][] {
    const guard = this.guard;
    return canaryOnePerGroup(
      planWaves(
        plan.accepted.map((a) => ({ name: a.node, group: a.group })),
        plan.spec.strategy,
      ),
      plan.spec.strategy.canary,
      (n) => guard?.groupKeys(plan.spec.name, n) ?? [],
    );
  }

  /** The waves of a plan, each with what it would wait for now (a maintenance window). */
  previewWaves(plan: PlanResult): WavePreview[] {
    return this.waves(plan).map((nodes) => ({
      nodes,
      waitsFor: [
        ...new Set(
          nodes.flatMap((n) => {
            const w = this.guard?.window(plan.spec.name, n);
            return w && !w.open ? [w.reason] : [];
          }),
        ),
      ],
    }));
  }

  /**
   * Nodes whose update would leave a service's redundancy group below its minimum right now (its
   * other members down, drained or unreachable) are refused, naming each member and its state.
   */
  async refuseShortages(plan: PlanResult, signal?: AbortSignal): Promise<void> {
    if (!this.guard) return;
    const guard = this.guard;
    const blocked = await Promise.all(
      plan.accepted.map(async (a) => ({ a, short: await guard.shortages(plan.spec.name, a.node, new Set(), signal) })),
    );
    for (const { a, short } of blocked) {
      if (!short.length) continue;
      plan.accepted = plan.accepted.filter((x) => x !== a);
      plan.refused.push({ node: a.node, reason: short.map((s) => describeShortage(s, a.node)).join('; ') });
    }
    plan.refused.sort((x, y) => x.node.localeCompare(y.node));
  }
}
