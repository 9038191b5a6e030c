import os from 'node:os';
import { setMaxListeners } from 'node:events';
import crypto from 'node:crypto';
import path from 'node:path';
import { AppErrorException, appError } from '../../../shared/errors.js';
import { parseFacts, place, type NodeFacts } from '../../../shared/deploy/placement.js';
import { groupKey, groupLimit, planWaves, targetNodes, type NodeStep, type Rollout } from '../../../shared/deploy/rollout.js';
import { canonicalSpec, parseSpec, type DeploymentSpec, type SpecProblem } from '../../../shared/deploy/spec.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Inventory } from '../fleet/inventory.js';
import { execOnNode, type ExecResult } from '../ssh/exec.js';
import type { SshPool } from '../ssh/pool.js';
import type { SecretStore } from '../ssh/secrets.js';
import { shellQuote } from '../ssh/shell-quote.js';
import { loadAgent } from '../telemetry/agent-script.js';
import { checkNodeDigest, pinImage, repoDigestsCommand } from './image-pin.js';
import { processAlive } from '../common/process-alive.js';
import { DeployStore, type Revision } from './deploy-store.js';
import {
  containerName,
  healthGateCommand,
  listCommand,
  logsCommand,
  pullCommand,
  removeCommand,
  runCommand,
  startCommand,
  stopCommand,
  type Runtime,
} from './runtime-commands.js';

export interface PlanResult {
  spec: DeploymentSpec;
  specHash: string;
  /** Nodes that can take it, with the GPUs chosen and what they already have. */
  accepted: { node: string; group: string; runtime: Runtime; gpuIndices: number[]; facts: NodeFacts }[];
  refused: { node: string; reason: string }[];
}

interface Active {
  abort: AbortController;
  paused: boolean;
  wake: (() => void) | undefined;
}

const RUNNING = new Set(['running', 'paused', 'rolling-back']);

/** How long a rollout's lease holds without renewal before another process may take it over. */
const LEASE_MS = 60_000;
const OWNER = { pid: process.pid, host: os.hostname() };

/** Run by another process that still holds its lease (alive, on this host; renewed lately, anywhere). */
function runningElsewhere(r: Rollout): boolean {
  const o = r.owner;
  if (!o || !RUNNING.has(r.status)) return false;
  if (o.pid === OWNER.pid && o.host === OWNER.host) return false;
  if (Date.now() - o.renewedAt > LEASE_MS) return false;
  return o.host !== OWNER.host || processAlive(o.pid);
}

/** The secret a spec names, kept with safeStorage in the app; `EDGEWARD_SECRET_<NAME>` for the CLI. */
export const secretKey = (name: string) => `deploy-secret:${name}`;
const secretEnvName = (name: string) => `EDGEWARD_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;

/**
 * Rollouts: placement, canary, waves within group limits, health gates, soak, automatic rollback;
 * the state persisted at every step, so a crash or a cut link never loses track of a node. Every
 * step is audited with the spec hash, the pinned image and the node.
 */
export class DeployService {
  readonly store: DeployStore;
  private readonly active = new Map<string, Active>();
  private readonly listeners = new Map<string, Set<(r: Rollout) => void>>();
  private readonly placementAgent = loadAgent('placement.sh');

  constructor(
    private readonly pool: SshPool,
    private readonly inventory: Inventory,
    private readonly audit: AuditLog,
    private readonly secrets: SecretStore,
    dataDir: string,
    private readonly who: () => string = () => 'operator',
    private readonly env: NodeJS.ProcessEnv = process.env,
    /** A firing SLO burn-rate alert for the endpoint on this node and host port, in words (telemetry). */
    private readonly sloBreach: (node: string, hostPort: number) => string | undefined = () => undefined,
  ) {
    this.store = new DeployStore(path.join(dataDir, 'deployments'));
    // A rollout that was in flight when its process stopped is not resumed behind anyone's back; one
    // that another live process is running (the app, while this is a CLI) is left to it.
    for (const name of this.store.names()) {
      let r: Rollout | undefined;
      try {
        r = this.store.rollout(name);
      } catch {
        continue; // damaged: left as it is on disk, listed with the reason, never acted on
      }
      if (r && RUNNING.has(r.status) && !runningElsewhere(r)) {
        this.save({
          ...r,
          status: 'interrupted',
          message: `Edgeward stopped during this rollout (${r.status}). Resume it to finish, or halt it to leave the nodes as they are.`,
        });
      }
    }
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

  private parseOrThrow(text: string): DeploymentSpec {
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

  /** Where the spec would go: targets resolved, each node probed (runtime, GPUs, image), refusals with reasons. */
  async plan(text: string, signal?: AbortSignal): Promise<PlanResult> {
    const spec = this.parseOrThrow(text);
    const specHash = `sha256:${crypto.createHash('sha256').update(canonicalSpec(spec)).digest('hex')}`;
    const nodes = targetNodes(this.inventory.list(), spec.targets);
    if (nodes.length === 0) {
      throw new AppErrorException(appError('VALIDATION', 'The targets match no enabled node', 'Check targets against the Fleet view.'));
    }
    const accepted: PlanResult['accepted'] = [];
    const refused: PlanResult['refused'] = [];
    const previous = this.currentRevision(spec.name);
    await Promise.all(
      nodes.map(async (n) => {
        try {
          const r = await execOnNode(this.pool, n.name, `sh -s -- ${shellQuote(spec.image)}`, {
            stdin: this.placementAgent.text,
            timeoutMs: 30_000,
            ...(signal ? { signal } : {}),
          });
          const facts = parseFacts(r.stdout.toString('utf8'));
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

  private currentRevision(name: string): Revision | undefined {
    return this.store.revisions(name).at(-1);
  }

  list() {
    return this.store.names().map((name) => {
      try {
        const rev = this.currentRevision(name);
        return {
          name,
          revision: rev?.revision ?? 0,
          image: rev?.spec.image ?? '',
          specHash: rev?.specHash ?? '',
          rollout: this.store.rollout(name) ?? null,
        };
      } catch (err) {
        // One damaged deployment must not hide the others, nor be hidden itself.
        return { name, revision: 0, image: '', specHash: '', rollout: null, damaged: (err as Error).message };
      }
    });
  }

  status(name: string): { revisions: Revision[]; rollout: Rollout | null } {
    const revisions = this.store.revisions(name);
    if (!revisions.length)
      throw new AppErrorException(appError('NOT_FOUND', `No deployment ${name}`, 'Apply a spec first: edgeward deploy apply SPEC.'));
    return { revisions, rollout: this.store.rollout(name) ?? null };
  }

  watch(name: string, listener: (r: Rollout) => void): () => void {
    const set = this.listeners.get(name) ?? new Set();
    set.add(listener);
    this.listeners.set(name, set);
    const current = this.store.rollout(name);
    if (current) listener(current);
    return () => set.delete(listener);
  }

  /** Registries reached over plain HTTP (`EDGEWARD_INSECURE_REGISTRIES=host:port,…`): test and lab registries. */
  private registryOptions(): { insecure: string[] } {
    return {
      insecure: (this.env.EDGEWARD_INSECURE_REGISTRIES ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    };
  }

  /** Starts a rollout of the spec; returns at once with its initial state (follow it with watch). */
  /** Refuses to touch a rollout another live Edgeward process is running, saying which. */
  private refuseIfRunningElsewhere(name: string): void {
    const r = this.store.rollout(name);
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

  async apply(text: string): Promise<{ rollout: Rollout; done: Promise<Rollout> }> {
    const named = parseSpec(text).spec?.name;
    if (named) this.refuseIfRunningElsewhere(named);
    const plan = await this.plan(text);
    const { spec, specHash } = plan;
    if (this.active.has(spec.name)) {
      throw new AppErrorException(
        appError('CONFLICT', `A rollout of ${spec.name} is already running`, 'Pause, abort or wait for it first.'),
      );
    }
    // Pin the image before any node acts: the registry's digest, never one node's report.
    const pin = await pinImage(spec.image, plan.accepted, this.registryOptions());
    plan.accepted = plan.accepted.filter((a) => !pin.refused.some((r) => r.node === a.node));
    plan.refused.push(...pin.refused);
    if (plan.accepted.length === 0) {
      throw new AppErrorException(
        appError(
          'VALIDATION',
          `No target node can run ${spec.name}: ${plan.refused.map((r) => `${r.node}: ${r.reason}`).join('; ')}`,
          'Fix the nodes or the spec (GPU request, image) and apply again.',
        ),
      );
    }
    const revisions = this.store.revisions(spec.name);
    const last = revisions.at(-1);
    const revision = last && last.specHash === specHash ? last.revision : (last?.revision ?? 0) + 1;
    const pinnedImage = pin.pinnedImage;
    if (!last || last.specHash !== specHash) {
      this.store.saveRevision(spec.name, { revision, spec, specHash, pinnedImage, createdAt: Date.now() });
    }
    const previousRevision = last && last.revision !== revision ? last.revision : (this.previousOf(spec.name, revision) ?? null);
    return this.start(spec, specHash, revision, previousRevision, pinnedImage, plan, 'apply');
  }

  private previousOf(name: string, revision: number): number | undefined {
    return this.store
      .revisions(name)
      .filter((r) => r.revision < revision)
      .at(-1)?.revision;
  }

  /** Rolls back to the previous revision (its spec and pinned image) as a new rollout. */
  async rollback(name: string): Promise<{ rollout: Rollout; done: Promise<Rollout> }> {
    this.refuseIfRunningElsewhere(name);
    if (this.active.has(name))
      throw new AppErrorException(appError('CONFLICT', `A rollout of ${name} is running`, 'Abort it first, then roll back.'));
    const current = this.store.rollout(name);
    const revisions = this.store.revisions(name);
    // The newest earlier revision that once ran everywhere (one that never did is no way back).
    const target = current ? revisions.filter((r) => r.revision < current.revision && r.succeededAt).at(-1) : undefined;
    if (!current || !target) {
      throw new AppErrorException(
        appError('NOT_FOUND', `${name} has no earlier revision that ran successfully`, 'Apply the spec you want instead.'),
      );
    }
    const plan = await this.plan(JSON.stringify(target.spec));
    return this.start(
      target.spec,
      target.specHash,
      target.revision,
      current.revision,
      target.pinnedImage ?? target.spec.image,
      plan,
      'rollback',
    );
  }

  private async start(
    spec: DeploymentSpec,
    specHash: string,
    revision: number,
    previousRevision: number | null,
    pinnedImage: string,
    plan: PlanResult,
    kind: 'apply' | 'rollback',
  ): Promise<{ rollout: Rollout; done: Promise<Rollout> }> {
    const waves = planWaves(
      plan.accepted.map((a) => ({ name: a.node, group: a.group })),
      spec.strategy,
    );
    const now = Date.now();
    const nodes: Record<string, NodeStep> = {};
    waves.forEach((wave, w) => {
      for (const n of wave) {
        const a = plan.accepted.find((x) => x.node === n)!;
        nodes[n] = {
          node: n,
          wave: w,
          state: 'pending',
          detail: 'waiting for its wave',
          progress: null,
          updatedAt: now,
          runtime: a.runtime,
          gpuIndices: a.gpuIndices,
        };
      }
    });
    const rollout: Rollout = {
      id: crypto.randomUUID(),
      deployment: spec.name,
      revision,
      previousRevision,
      kind,
      specHash,
      image: spec.image,
      pinnedImage,
      status: 'running',
      message: `${kind === 'rollback' ? 'Rolling back to' : 'Rolling out'} revision ${revision} on ${plan.accepted.length} node(s) in ${waves.length} wave(s)`,
      startedAt: now,
      updatedAt: now,
      waves,
      nodes,
      refused: plan.refused,
      by: this.who(),
    };
    await this.audit.perform(
      {
        action: kind === 'rollback' ? 'deploy.rollback' : 'deploy.apply',
        target: { node: spec.name },
        params: {
          specHash,
          revision,
          image: spec.image,
          digest: pinnedImage,
          nodes: plan.accepted.map((a) => a.node),
          refused: plan.refused,
        },
      },
      () => this.save(rollout),
    );
    const done = this.run(rollout.deployment, spec);
    return { rollout, done };
  }

  pause(name: string): Rollout {
    const a = this.requireActive(name);
    a.paused = true;
    return this.update(name, (r) => ({ ...r, status: 'paused', message: 'Paused: running steps finish, no new node starts' }));
  }

  async resume(name: string): Promise<{ rollout: Rollout; done?: Promise<Rollout> }> {
    const a = this.active.get(name);
    if (!a) this.refuseIfRunningElsewhere(name);
    if (a) {
      a.paused = false;
      a.wake?.();
      return { rollout: this.update(name, (r) => ({ ...r, status: 'running', message: 'Resumed' })) };
    }
    const r = this.store.rollout(name);
    if (!r || (r.status !== 'interrupted' && r.status !== 'halted')) {
      throw new AppErrorException(appError('CONFLICT', `Nothing to resume for ${name}`, 'Apply a spec to start a rollout.'));
    }
    const rev = this.store.revision(name, r.revision);
    if (!rev) throw new AppErrorException(appError('NOT_FOUND', `Revision ${r.revision} of ${name} is missing`, 'Apply the spec again.'));
    await this.audit.perform(
      { action: 'deploy.resume', target: { node: name }, params: { revision: r.revision, specHash: r.specHash } },
      () => this.save({ ...r, status: 'running', message: 'Resumed after an interruption: each node is checked before it continues' }),
    );
    return { rollout: this.store.rollout(name)!, done: this.run(name, rev.spec) };
  }

  /** Leaves an interrupted rollout as it is (nodes keep what runs on them now). */
  async halt(name: string): Promise<Rollout> {
    this.refuseIfRunningElsewhere(name);
    const r = this.store.rollout(name);
    if (!r || r.status !== 'interrupted')
      throw new AppErrorException(appError('CONFLICT', `${name} has no interrupted rollout`, 'Nothing to halt.'));
    return this.audit.perform({ action: 'deploy.abort', target: { node: name }, params: { revision: r.revision, step: 'halt' } }, () =>
      this.update(name, (x) => ({ ...x, status: 'halted', message: 'Halted by the user after an interruption' })),
    );
  }

  async abort(name: string): Promise<Rollout> {
    const a = this.requireActive(name);
    return this.audit.perform({ action: 'deploy.abort', target: { node: name }, params: {} }, () => {
      a.abort.abort();
      a.wake?.();
      return this.update(name, (r) => ({
        ...r,
        status: 'aborted',
        message: 'Aborted: no new node starts; nodes keep what runs on them now',
      }));
    });
  }

  private requireActive(name: string): Active {
    const a = this.active.get(name);
    if (!a) throw new AppErrorException(appError('CONFLICT', `No rollout of ${name} is running`, 'Check the deployment status.'));
    return a;
  }

  /** Recent log lines of the deployment's container on a node (or follows them until the signal). */
  async logs(
    name: string,
    node: string,
    opts: { follow: boolean; tail?: number; onChunk?: (c: Buffer) => void; signal?: AbortSignal },
  ): Promise<string> {
    const r = this.store.rollout(name);
    const step = r?.nodes[node];
    if (!r || !step?.runtime)
      throw new AppErrorException(appError('NOT_FOUND', `${name} has not run on ${node}`, 'Pick a node from the rollout.'));
    const res = await execOnNode(
      this.pool,
      node,
      `${logsCommand(step.runtime ?? 'docker', containerName(name, r.revision), opts.follow, opts.tail)} 2>&1`,
      {
        ...(opts.onChunk ? { onStdout: opts.onChunk } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.follow ? { maxOutputBytes: 0 } : {}),
      },
    );
    return res.stdout.toString('utf8');
  }

  /** Which revision a node of the last rollout should run now (null: none). */
  private expectedRevision(r: Rollout, s: NodeStep): number | null {
    if (r.status === 'succeeded') return r.revision;
    // Never reached by this rollout: it should still run what it ran before it.
    if (s.state === 'pending' || s.state === 'skipped') return r.previousRevision;
    if (r.status === 'rolled-back') return s.previous?.revision ?? null;
    return s.state === 'done' ? r.revision : (s.previous?.revision ?? null);
  }

  /** What runs on each node of the last rollout against what should: the drift a cut link or a hand leaves behind. */
  async drift(name: string): Promise<{ node: string; expected: number | null; running: number[]; ok: boolean; error?: string }[]> {
    const r = this.store.rollout(name);
    if (!r) throw new AppErrorException(appError('NOT_FOUND', `No rollout of ${name} yet`, 'Apply a spec first.'));
    return Promise.all(
      Object.values(r.nodes).map(async (s) => {
        const expected = this.expectedRevision(r, s);
        try {
          const listed = await this.exec(s.node, listCommand(s.runtime ?? 'docker', name), { timeoutMs: 30_000 });
          const running = listed.stdout
            .toString('utf8')
            .split('\n')
            .map((l) => l.split('|'))
            .filter(([cname, state]) => cname && state === 'running')
            .map(([, , rev]) => Number(rev))
            .sort((a, b) => a - b);
          const ok = expected === null ? running.length === 0 : running.length === 1 && running[0] === expected;
          return { node: s.node, expected, running, ok };
        } catch (err) {
          return { node: s.node, expected, running: [], ok: false, error: err instanceof Error ? err.message : String(err) };
        }
      }),
    );
  }

  /** Brings drifted nodes back to the revision they should run: extra containers out, the right one started and gated. */
  async reconcile(name: string): Promise<{ node: string; ok: boolean; detail: string }[]> {
    const r = this.store.rollout(name);
    if (!r) throw new AppErrorException(appError('NOT_FOUND', `No rollout of ${name} yet`, 'Apply a spec first.'));
    if (this.active.has(name))
      throw new AppErrorException(appError('CONFLICT', `A rollout of ${name} is running`, 'Wait for it or abort it first.'));
    const drift = (await this.drift(name)).filter((d) => !d.ok);
    return Promise.all(
      drift.map(async (d) => {
        const s = r.nodes[d.node]!;
        const rt = s.runtime ?? 'docker';
        try {
          for (const rev of d.running) if (rev !== d.expected) await this.exec(d.node, removeCommand(rt, containerName(name, rev)));
          if (d.expected !== null && !d.running.includes(d.expected)) {
            const rev = this.store.revision(name, d.expected);
            if (!rev) throw new Error(`revision ${d.expected} is not on record`);
            const started = await this.exec(d.node, startCommand(rt, containerName(name, d.expected)));
            if (started.exitCode !== 0) {
              const cmd = runCommand({
                runtime: rt,
                spec: rev.spec,
                revision: rev.revision,
                specHash: rev.specHash,
                image: rev.pinnedImage ?? rev.spec.image,
                gpuIndices: s.gpuIndices,
                secrets: this.secretsOf(rev.spec),
              });
              const ran = await this.exec(d.node, cmd.command, { stdin: cmd.stdin });
              if (ran.exitCode !== 0) throw new Error(`run failed: ${lastLine(ran)}`);
            }
            const port = rev.spec.ports.find((p) => p.container === rev.spec.health.port)!.host;
            const gate = await this.exec(
              d.node,
              healthGateCommand(
                port,
                rev.spec.health.path,
                rev.spec.health.timeoutS,
                rev.spec.health.successThreshold,
                rev.spec.health.intervalS,
              ),
              {
                timeoutMs: (rev.spec.health.timeoutS + 30) * 1000,
              },
            );
            if (gate.exitCode !== 0) throw new Error(`revision ${d.expected} not ready within ${rev.spec.health.timeoutS} s`);
          }
          const detail = d.expected === null ? 'nothing of it runs now' : `revision ${d.expected} running and ready`;
          await this.audit.append({
            action: 'deploy.step',
            target: { node: d.node },
            params: { revision: d.expected ?? 0, step: 'reconcile' },
            outcome: 'ok',
            durationMs: 0,
          });
          return { node: d.node, ok: true, detail };
        } catch (err) {
          const detail = err instanceof Error ? err.message : String(err);
          const unrecorded = await this.audit
            .append({
              action: 'deploy.step',
              target: { node: d.node },
              params: { revision: d.expected ?? 0, step: 'reconcile' },
              outcome: 'failed',
              error: detail,
              durationMs: 0,
            })
            .then(
              () => '',
              (e: unknown) => ` (not recorded in the audit log: ${(e as Error).message})`,
            );
          return { node: d.node, ok: false, detail: detail + unrecorded };
        }
      }),
    );
  }

  private secretsOf(spec: DeploymentSpec): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(spec.env)) if (typeof v !== 'string') out[k] = this.secretValue(v.secret) ?? '';
    return out;
  }

  // --- the engine ---------------------------------------------------------------------------

  private async run(name: string, spec: DeploymentSpec): Promise<Rollout> {
    const active: Active = { abort: new AbortController(), paused: false, wake: undefined };
    // Every node's commands listen to this one signal.
    setMaxListeners(0, active.abort.signal);
    this.active.set(name, active);
    // The lease: renewed at every step (save) and at least this often while a soak or a pull waits.
    const renew = setInterval(() => this.update(name, (r) => r), LEASE_MS / 6);
    renew.unref();
    try {
      const r0 = this.store.rollout(name)!;
      const secrets = this.secretsOf(spec);
      // Group sizes over the whole rollout (a node no longer in the inventory counts as its own group).
      const groupOf = (n: string) => {
        const node = this.inventory.get(n);
        return node ? groupKey(node, spec.strategy.groupBy) : n;
      };
      const sizes = new Map<string, number>();
      for (const n of Object.keys(r0.nodes)) sizes.set(groupOf(n), (sizes.get(groupOf(n)) ?? 0) + 1);
      for (let w = 0; w < r0.waves.length; w++) {
        if (!(await this.checkpoint(name, active))) return this.store.rollout(name)!;
        const wave = r0.waves[w]!.filter((n) => this.store.rollout(name)!.nodes[n]?.state !== 'done');
        const groups = new Map<string, number>();
        // Nodes of a wave run together, but never more of a group at once than its limit.
        const queue = [...wave];
        const running = new Set<Promise<void>>();
        let failed = false;
        while ((queue.length || running.size) && !failed) {
          const i = queue.findIndex(
            (n) => (groups.get(groupOf(n)) ?? 0) < groupLimit(sizes.get(groupOf(n)) ?? 1, spec.strategy.maxUnavailable),
          );
          if (i >= 0 && !active.abort.signal.aborted) {
            const n = queue.splice(i, 1)[0]!;
            const g = groupOf(n);
            groups.set(g, (groups.get(g) ?? 0) + 1);
            const p = this.deployNode(name, n, spec, secrets, active.abort.signal)
              .then((ok) => {
                if (!ok) failed = true;
              })
              .finally(() => {
                groups.set(g, (groups.get(g) ?? 1) - 1);
                running.delete(p);
              });
            running.add(p);
            continue;
          }
          if (!running.size) break;
          await Promise.race(running);
        }
        await Promise.all(running);
        if (active.abort.signal.aborted) return this.store.rollout(name)!;
        if (failed) {
          const r = this.store.rollout(name)!;
          const bad = Object.values(r.nodes).filter((s) => s.state === 'failed' || s.state === 'rolled-back');
          const why = bad.map((s) => `${s.node}: ${s.detail}`).join('; ');
          if (spec.strategy.autoRollback) {
            this.update(name, (x) => ({ ...x, status: 'rolling-back', message: `Wave ${w + 1} failed (${why}); rolling back every node` }));
            await this.rollbackNodes(name, spec);
            return this.update(name, (x) => ({ ...x, status: 'rolled-back', message: `Rolled back: ${why}` }));
          }
          return this.update(name, (x) => ({ ...x, status: 'failed', message: `Stopped at wave ${w + 1}: ${why}` }));
        }
      }
      // The replaced containers are housekeeping once every node serves the new revision: removed
      // in the background, so the rollout is done when the last node is, not when the disk is tidy.
      void this.cleanupPrevious(name);
      const rev = this.store.revision(name, r0.revision);
      if (rev) this.store.saveRevision(name, { ...rev, succeededAt: Date.now() });
      return this.update(name, (r) => ({
        ...r,
        status: 'succeeded',
        message: `Revision ${r.revision} runs on ${Object.keys(r.nodes).length} node(s)`,
      }));
    } finally {
      clearInterval(renew);
      this.active.delete(name);
    }
  }

  /** Waits while paused; false when aborted. */
  private async checkpoint(name: string, a: Active): Promise<boolean> {
    while (a.paused && !a.abort.signal.aborted) await new Promise<void>((r) => (a.wake = r));
    a.wake = undefined;
    return !a.abort.signal.aborted && this.store.rollout(name)?.status !== 'aborted';
  }

  private async exec(
    node: string,
    command: string,
    opts: { stdin?: string; signal?: AbortSignal; timeoutMs?: number; onLine?: (l: string) => void } = {},
  ): Promise<ExecResult> {
    let partial = '';
    const result = await execOnNode(this.pool, node, command, {
      ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      timeoutMs: opts.timeoutMs ?? 120_000,
      ...(opts.onLine
        ? {
            onStdout: (c: Buffer) => {
              partial += c.toString('utf8');
              const lines = partial.split(/\r|\n/);
              partial = lines.pop() ?? '';
              for (const l of lines) if (l.trim()) opts.onLine!(l.slice(0, 500));
            },
          }
        : {}),
    });
    // A cut link is its own failure, not a failed health check or a failed run.
    if (result.lostConnection && !result.cancelled) throw new Error(`lost the connection to ${node} (${result.lostConnection})`);
    if (result.timedOut) throw new Error(`timed out on ${node} after ${Math.round((opts.timeoutMs ?? 120_000) / 1000)} s`);
    return result;
  }

  /** One node through pull → start → health gate → soak. False when it failed (and was put back). */
  private async deployNode(
    name: string,
    node: string,
    spec: DeploymentSpec,
    secrets: Record<string, string>,
    signal: AbortSignal,
  ): Promise<boolean> {
    const r = this.store.rollout(name)!;
    const step = r.nodes[node]!;
    const rt = step.runtime ?? 'docker';
    const target = containerName(name, r.revision);
    const set = (state: NodeStep['state'], detail: string, progress: number | null = null, extra: Partial<NodeStep> = {}) =>
      this.update(name, (x) => ({
        ...x,
        nodes: { ...x.nodes, [node]: { ...x.nodes[node]!, ...extra, state, detail, progress, updatedAt: Date.now() } },
      }));
    // Every step is recorded before the next: a step that cannot be recorded stops the node (it is
    // put back); a failure that cannot be recorded says so in the node's detail. Never dropped silently.
    const stepAudit = async (stepName: string, outcome: 'ok' | 'failed', error?: string): Promise<string | undefined> => {
      try {
        await this.audit.append({
          action: 'deploy.step',
          target: { node },
          params: { specHash: r.specHash, revision: r.revision, digest: r.pinnedImage, step: stepName, wave: step.wave },
          outcome,
          ...(error ? { error } : {}),
          durationMs: 0,
        });
        return undefined;
      } catch (err) {
        const why = err instanceof AppErrorException ? err.appError.message : (err as Error).message;
        if (outcome === 'ok')
          throw new Error(`the audit log cannot record the ${stepName} step (${why}), so the rollout goes no further here`);
        return why;
      }
    };
    let started = false;
    let previous = step.previous;
    try {
      // What runs there now: the revision being replaced, and leftovers of an interrupted attempt.
      const listed = await this.exec(node, listCommand(rt, name), { signal, timeoutMs: 30_000 });
      for (const line of listed.stdout.toString('utf8').split('\n')) {
        const [cname, state, rev] = line.split('|');
        if (!cname) continue;
        if (cname === target && state === 'running' && step.state !== 'pending') {
          started = true; // resuming: the new container is already up; gate it again below
        } else if (cname === target) {
          await this.exec(node, removeCommand(rt, cname), { signal });
        } else if (state === 'running' && !previous) previous = { container: cname, revision: Number(rev) || 0 };
      }
      set('pulling', `pulling ${r.pinnedImage}`, 0, previous ? { previous } : {});
      const have = await this.exec(node, `${rt} image inspect ${shellQuote(r.pinnedImage)} >/dev/null 2>&1 && echo yes || echo no`, {
        signal,
      });
      if (have.stdout.toString().trim() !== 'yes') {
        let layers = 0;
        let done = 0;
        const pulled = await this.exec(node, `${pullCommand(rt, r.pinnedImage)} 2>&1`, {
          signal,
          timeoutMs: 3_600_000,
          onLine: (l) => {
            // docker: "<layer>: Pulling fs layer" … "Pull complete"; podman: "Copying blob …" … "done".
            if (/Pulling fs layer|Copying blob/.test(l)) layers++;
            if (/Pull complete|Already exists|done$|skipped/.test(l)) done++;
            set('pulling', l, layers ? Math.min(1, done / layers) : null);
          },
        });
        if (pulled.exitCode !== 0) throw new Error(`pull failed: ${lastLine(pulled)}`);
      }
      if (r.pinnedImage.includes('@')) {
        const held = await this.exec(node, repoDigestsCommand(rt, r.pinnedImage), { signal, timeoutMs: 30_000 });
        checkNodeDigest(node, r.pinnedImage, held.stdout.toString('utf8'));
      }
      await stepAudit('pull', 'ok');
      if (!started) {
        if (previous) {
          set('starting', `stopping ${previous.container} (revision ${previous.revision})`, null, { previous });
          const stopped = await this.exec(node, stopCommand(rt, previous.container), { signal });
          if (stopped.exitCode !== 0) throw new Error(`could not stop ${previous.container}: ${lastLine(stopped)}`);
        }
        set('starting', `starting ${target}`);
        const cmd = runCommand({
          runtime: rt,
          spec,
          revision: r.revision,
          specHash: r.specHash,
          image: r.pinnedImage,
          gpuIndices: step.gpuIndices,
          secrets,
        });
        const ran = await this.exec(node, cmd.command, { stdin: cmd.stdin, signal });
        if (ran.exitCode !== 0) throw new Error(`${rt} run failed: ${lastLine(ran)}`);
        await stepAudit('start', 'ok');
      }
      const hostPort = spec.ports.find((p) => p.container === spec.health.port)!.host;
      const h = spec.health;
      set('health', `waiting for ${h.path} on port ${hostPort}`, 0);
      const gate = await this.exec(node, healthGateCommand(hostPort, h.path, h.timeoutS, h.successThreshold, h.intervalS), {
        signal,
        timeoutMs: (h.timeoutS + 30) * 1000,
        onLine: (l) => {
          const m = /^check (\d{3}) (\d+)\/(\d+)$/.exec(l);
          if (m)
            set(
              'health',
              `ready check answered ${m[1] === '000' ? 'nothing' : `HTTP ${m[1]}`} (${m[2]}/${m[3]} in a row)`,
              Number(m[2]) / Number(m[3]),
            );
        },
      });
      if (gate.exitCode !== 0) throw new Error(`not ready within ${h.timeoutS} s (${h.path} on port ${hostPort})`);
      await stepAudit('health', 'ok');
      const soakEnd = Date.now() + spec.strategy.soakS * 1000;
      while (Date.now() < soakEnd) {
        set(
          'soak',
          `soaking: ${Math.ceil((soakEnd - Date.now()) / 1000)} s left, checked every ${Math.max(2, h.intervalS)} s`,
          1 - (soakEnd - Date.now()) / (spec.strategy.soakS * 1000),
        );
        await sleep(Math.min(Math.max(2, h.intervalS) * 1000, Math.max(0, soakEnd - Date.now())), signal);
        if (signal.aborted) return true;
        const check = await this.exec(node, healthGateCommand(hostPort, h.path, 5, 1, 1), { signal, timeoutMs: 20_000 });
        if (check.exitCode !== 0) throw new Error(`failed its ready check during the soak`);
        // The SLO is a gate too: a burn-rate alert on this endpoint during the soak fails the node.
        const breach = this.sloBreach(node, hostPort);
        if (breach) throw new Error(`SLO breached during the soak: ${breach}`);
      }
      set(
        'done',
        `revision ${r.revision} ready${previous ? `; revision ${previous.revision} kept stopped until the rollout ends` : ''}`,
        1,
      );
      await stepAudit('done', 'ok');
      return true;
    } catch (err) {
      if (signal.aborted) {
        set('failed', 'aborted mid-step: check the node');
        return true;
      }
      const reason = err instanceof AppErrorException ? err.appError.message : err instanceof Error ? err.message : String(err);
      const unrecorded = await stepAudit('failed', 'failed', reason);
      const note = unrecorded ? ` (not recorded in the audit log: ${unrecorded})` : '';
      // Put the node back as it was: the new container out, the previous one running again.
      set('rolling-back', `${reason}${note}; putting the previous revision back`);
      const back = await this.putBack(node, rt, target, previous);
      if (!back) set('failed', `${reason}${note}; could not reach the node to put it back: check it, then reconcile`);
      else set(previous ? 'rolled-back' : 'failed', `${reason}${note}${previous ? `; revision ${previous.revision} running again` : ''}`);
      return false;
    }
  }

  /** New container out, previous one started; false when the node could not be reached (drift to reconcile later). */
  private async putBack(node: string, rt: Runtime, target: string, previous: NodeStep['previous']): Promise<boolean> {
    try {
      await this.exec(node, removeCommand(rt, target), { timeoutMs: 60_000 });
      if (previous) await this.exec(node, startCommand(rt, previous.container), { timeoutMs: 60_000 });
      return true;
    } catch {
      return false;
    }
  }

  /** After a failed wave: every node this rollout touched goes back to what it ran before. */
  /** Changes one node's step of the current rollout (saved, and sent to watchers). */
  private patchNode(name: string, node: string, patch: (step: NodeStep) => Partial<NodeStep>): Rollout {
    return this.update(name, (x) => ({ ...x, nodes: { ...x.nodes, [node]: { ...x.nodes[node]!, ...patch(x.nodes[node]!) } } }));
  }

  private async rollbackNodes(name: string, spec: DeploymentSpec): Promise<void> {
    const r = this.store.rollout(name)!;
    const target = containerName(spec.name, r.revision);
    await Promise.all(
      Object.values(r.nodes)
        .filter((s) => s.state === 'done' || s.state === 'health' || s.state === 'soak' || s.state === 'starting')
        .map(async (s) => {
          const back = await this.putBack(s.node, s.runtime ?? 'docker', target, s.previous);
          this.patchNode(name, s.node, () => ({
            state: back ? 'rolled-back' : 'failed',
            detail: !back
              ? 'could not reach the node to roll it back: check it, then reconcile'
              : s.previous
                ? `revision ${s.previous.revision} running again`
                : 'removed (no earlier revision)',
            progress: null,
            updatedAt: Date.now(),
          }));
          // Putting a node back is never held up by the audit log; a record it could not write is said on the node.
          await this.audit
            .append({
              action: 'deploy.step',
              target: { node: s.node },
              params: { specHash: r.specHash, revision: r.revision, step: 'rollback' },
              outcome: 'ok',
              durationMs: 0,
            })
            .catch((err: unknown) =>
              this.patchNode(name, s.node, (step) => ({
                detail: `${step.detail} (not recorded in the audit log: ${(err as Error).message})`,
              })),
            );
        }),
    );
  }

  /** The rollout succeeded: the stopped containers of the replaced revision go. */
  private async cleanupPrevious(name: string): Promise<void> {
    const r = this.store.rollout(name)!;
    await Promise.all(
      Object.values(r.nodes)
        .filter((s) => s.previous)
        .map((s) =>
          this.exec(s.node, removeCommand(s.runtime ?? 'docker', s.previous!.container), { timeoutMs: 60_000 }).catch(() => undefined),
        ),
    );
  }

  private update(name: string, f: (r: Rollout) => Rollout): Rollout {
    const next = { ...f(this.store.rollout(name)!), updatedAt: Date.now() };
    this.save(next);
    return next;
  }

  private save(r: Rollout): Rollout {
    // A rollout this process runs carries its lease; one it only marks (interrupted, halted) does not.
    if (this.active.has(r.deployment) && RUNNING.has(r.status)) r = { ...r, owner: { ...OWNER, renewedAt: Date.now() } };
    else if (r.owner && !RUNNING.has(r.status)) r = { ...r, owner: undefined };
    this.store.saveRollout(r);
    for (const l of this.listeners.get(r.deployment) ?? []) l(r);
    return r;
  }

  /** Waits for every running rollout (for shutdown and tests). */
  async idle(): Promise<void> {
    while (this.active.size) await sleep(100);
  }

  stopAll(): void {
    for (const a of this.active.values()) a.abort.abort();
  }
}

function lastLine(r: ExecResult): string {
  const text = `${r.stderr.toString('utf8')}\n${r.stdout.toString('utf8')}`.trim().split('\n').filter(Boolean);
  return (text.at(-1) ?? `exit ${r.exitCode}`).slice(0, 300);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
