import crypto from 'node:crypto';
import path from 'node:path';
import { AppErrorException, appError } from '../../../shared/errors.js';
import type { NodeStep, Rollout } from '../../../shared/deploy/rollout.js';
import { parseSpec, type DeploymentSpec, type SpecProblem } from '../../../shared/deploy/spec.js';
import type { AuditLog, OpenIntent } from '../audit/audit-log.js';
import { execOnNode } from '../ssh/exec.js';
import type { SshPool } from '../ssh/pool.js';
import type { DeployDeps } from './deps.js';
import { DeployStore, type Revision } from './deploy-store.js';
import { stateDbFile } from '../store/state-db.js';
import { DriftService, type DriftRow } from './drift.js';
import { pinForDelivery } from './image-pin.js';
import { RUNNING, refuseIfRunningElsewhere, runningElsewhere } from './lease.js';
import { sleep } from './node-exec.js';
import { requireRoom } from '../common/disk-room.js';
import { DeployPlanner, type PlanResult, type WavePreview } from './planning.js';
import { RolloutEngine } from './rollout-engine.js';
import { RolloutState } from './rollout-state.js';
import { containerName, logsCommand } from '../runtime/runtime-commands.js';
import { RegistryAccess } from './registry-access.js';
import { ConsoleImages } from './registry-fetch.js';
import { ModelSources } from './model-source.js';

export { secretKey, type PlanResult } from './planning.js';
import { noRollout, outcomeOf } from './rollout-outcome.js';

/**
 * Deployments: planning (planning.ts), the rollout engine (rollout-engine.ts), drift (drift.ts) and
 * the actions a user takes on a rollout, each through the audit pipeline. A rollout's intent is
 * written before anything happens on a node and its outcome when the rollout ends.
 */
export class DeployService {
  readonly store: DeployStore;
  private readonly state: RolloutState;
  private readonly planner: DeployPlanner;
  private readonly engine: RolloutEngine;
  private readonly driftService: DriftService;
  private readonly runs = new Map<string, Promise<Rollout>>();
  private readonly pool: SshPool;
  private readonly audit: AuditLog;
  private readonly who: () => string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly stateDir: string;
  /** How the console and the nodes reach registries (CA, login, plain HTTP). */
  readonly registry: RegistryAccess;

  constructor(deps: DeployDeps) {
    this.pool = deps.pool;
    this.audit = deps.audit;
    this.who = deps.who ?? (() => 'operator');
    this.env = deps.env ?? process.env;
    this.stateDir = path.dirname(stateDbFile(deps.dataDir));
    this.store = DeployStore.open(stateDbFile(deps.dataDir), path.join(deps.dataDir, 'deployments'), deps.sqliteBinding);
    this.state = new RolloutState(this.store);
    this.registry = new RegistryAccess(deps.registries ?? (() => []), deps.secrets, this.env);
    const models = new ModelSources(path.join(deps.dataDir, 'models'), () => this.registry.options());
    this.planner = new DeployPlanner({
      pool: deps.pool,
      inventory: deps.inventory,
      store: this.store,
      secrets: deps.secrets,
      env: this.env,
      unfitNodes: deps.unfitNodes,
      guard: deps.guard,
      registryProbeUrl: (image) => this.registry.probeUrl(image),
      models,
    });
    const secretsOf = (spec: DeploymentSpec) => this.planner.secretsOf(spec);
    this.engine = new RolloutEngine({
      pool: deps.pool,
      inventory: deps.inventory,
      audit: deps.audit,
      state: this.state,
      secretsOf,
      sloBreach: deps.sloBreach ?? (() => undefined),
      watchNodes: deps.watchNodes ?? (() => () => undefined),
      ...(deps.guard ? { guard: deps.guard } : {}),
      pullAccess: (image) => this.registry.pullAccess(image),
      images: new ConsoleImages(path.join(deps.dataDir, 'images'), () => this.registry.options()),
      models,
    });
    this.driftService = new DriftService(deps.pool, deps.audit, this.store, secretsOf, deps.guard);
  }

  /**
   * A rollout in flight when its process stopped is not resumed behind anyone's back: it is taken
   * over as interrupted (an audited action); one another live process runs is left to it.
   */
  async recoverInterrupted(): Promise<void> {
    for (const name of this.store.names()) {
      let r: Rollout | undefined;
      try {
        r = this.store.rollout(name);
      } catch {
        continue; // damaged: left as it is on disk, listed with the reason, never acted on
      }
      if (!r || !RUNNING.has(r.status) || runningElsewhere(r)) continue;
      const was = r;
      await this.audit
        .perform(
          {
            action: 'deploy.takeover',
            target: { deployment: name },
            params: {
              revision: was.revision,
              status: was.status,
              owner: was.owner ? `pid ${was.owner.pid} on ${was.owner.host}` : 'none recorded',
            },
          },
          (intent) =>
            this.state.save(
              {
                ...was,
                status: 'interrupted',
                message: `Edgeward stopped during this rollout (${was.status}). Resume it to finish, or halt it to leave the nodes as they are.`,
              },
              intent,
            ),
        )
        .catch((err: unknown) =>
          process.stderr.write(
            `edgeward: the rollout of ${name} looks stopped but could not be marked interrupted: ${(err as Error).message}\n`,
          ),
        );
    }
  }

  validate(text: string): SpecProblem[] {
    return this.planner.validate(text);
  }

  /** Where it would go, in which waves, and what each wave would wait for (a maintenance window, a redundancy minimum). */
  async plan(text: string, signal?: AbortSignal): Promise<PlanResult & { waves: WavePreview[] }> {
    const plan = await this.planner.plan(text, signal);
    await this.planner.refuseShortages(plan, signal);
    return { ...plan, waves: this.planner.previewWaves(plan) };
  }

  list() {
    return this.store.names().map((name) => {
      try {
        const rev = this.store.revisions(name).at(-1);
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
    return this.state.watch(name, listener);
  }

  private refuseIfBusy(name: string, what: string): void {
    refuseIfRunningElsewhere(name, this.store.rollout(name));
    if (this.state.active.has(name)) throw new AppErrorException(appError('CONFLICT', `A rollout of ${name} is already running`, what));
  }

  /**
   * Starts a rollout of the spec; returns at once with its initial state (follow it with watch).
   * `emergency` (a reason) lets it run outside maintenance windows, and is audited as such.
   */
  async apply(text: string, opts: { emergency?: string } = {}): Promise<{ rollout: Rollout; done: Promise<Rollout> }> {
    requireRoom(this.stateDir);
    const named = parseSpec(text).spec?.name;
    if (named) refuseIfRunningElsewhere(named, this.store.rollout(named));
    const plan = await this.planner.plan(text);
    await this.planner.refuseShortages(plan);
    const { spec, specHash } = plan;
    this.refuseIfBusy(spec.name, 'Pause, abort or wait for it first.');
    const noNode = () =>
      new AppErrorException(
        appError(
          'VALIDATION',
          `No target node can run ${spec.name}: ${plan.refused.map((r) => `${r.node}: ${r.reason}`).join('; ')}`,
          'Fix the nodes or the spec (GPU request, image) and apply again.',
        ),
      );
    if (plan.accepted.length === 0) throw noNode();
    const pin = await pinForDelivery(spec, plan.accepted, this.registry.options());
    plan.accepted = plan.accepted.filter((a) => !pin.refused.some((r) => r.node === a.node));
    plan.refused.push(...pin.refused);
    if (plan.accepted.length === 0) throw noNode();
    const last = this.store.revisions(spec.name).at(-1);
    const revision = last && last.specHash === specHash ? last.revision : (last?.revision ?? 0) + 1;
    const emergency = this.emergencyOf(opts.emergency);
    const open = await this.beginRollout('deploy.apply', spec, specHash, revision, pin.pinnedImage, plan, emergency?.reason);
    return this.orFail(open, () => {
      if (!last || last.specHash !== specHash) {
        this.store.saveRevision(spec.name, { revision, spec, specHash, pinnedImage: pin.pinnedImage, createdAt: Date.now() }, open.intent);
      }
      const previousRevision = last && last.revision !== revision ? last.revision : (this.previousOf(spec.name, revision) ?? null);
      return this.start(spec, specHash, revision, previousRevision, pin.pinnedImage, plan, 'apply', open, emergency);
    });
  }

  /** An emergency change: its reason, and who said so. */
  private emergencyOf(reason: string | undefined): { reason: string; by: string } | undefined {
    return reason?.trim() ? { reason: reason.trim().slice(0, 500), by: this.who() } : undefined;
  }

  /** What follows an intent and fails before any node acts (a full disk under the store) closes it as failed. */
  private async orFail<T>(open: OpenIntent, f: () => T): Promise<T> {
    try {
      return f();
    } catch (err) {
      const why = err instanceof AppErrorException ? err.appError.message : (err as Error).message;
      await open.finish({ outcome: 'failed', error: `${why} (no node was touched)` }).catch(() => undefined);
      throw err;
    }
  }

  private beginRollout(
    action: 'deploy.apply' | 'deploy.rollback',
    spec: DeploymentSpec,
    specHash: string,
    revision: number,
    pinnedImage: string,
    plan: PlanResult,
    emergency?: string,
  ): Promise<OpenIntent> {
    return this.audit.begin({
      action,
      target: { deployment: spec.name },
      params: {
        ...(emergency ? { emergency } : {}),
        specHash,
        revision,
        image: spec.image,
        digest: pinnedImage,
        ...(spec.model?.digest ? { model: spec.model.digest } : {}),
        nodes: plan.accepted.map((a) => a.node),
        refused: plan.refused,
      },
    });
  }

  private previousOf(name: string, revision: number): number | undefined {
    return this.store
      .revisions(name)
      .filter((r) => r.revision < revision)
      .at(-1)?.revision;
  }

  /**
   * Rolls back to an earlier revision that once ran everywhere (its spec and pinned image), as a new
   * rollout: `toRevision`, or the newest such by default (one that never ran everywhere is no way back).
   */
  async rollback(
    name: string,
    toRevision?: number,
    opts: { emergency?: string } = {},
  ): Promise<{ rollout: Rollout; done: Promise<Rollout> }> {
    requireRoom(this.stateDir);
    this.refuseIfBusy(name, 'Abort it first, then roll back.');
    const current = this.store.rollout(name);
    const ways = current ? this.store.revisions(name).filter((r) => r.revision !== current.revision && r.succeededAt) : [];
    const target =
      toRevision === undefined
        ? ways.filter((r) => r.revision < (current?.revision ?? 0)).at(-1)
        : ways.find((r) => r.revision === toRevision);
    if (!current || !target) {
      throw new AppErrorException(
        appError(
          'NOT_FOUND',
          toRevision === undefined
            ? `${name} has no earlier revision that ran successfully`
            : `Revision ${toRevision} of ${name} is not one to go back to: ${ways.length ? `revisions that ran everywhere are ${ways.map((r) => r.revision).join(', ')}` : 'no other revision ran everywhere'}`,
          'Apply the spec you want instead.',
        ),
      );
    }
    const plan = await this.planner.plan(JSON.stringify(target.spec), undefined, false);
    const pinned = target.pinnedImage ?? target.spec.image;
    const emergency = this.emergencyOf(opts.emergency);
    const open = await this.beginRollout('deploy.rollback', target.spec, target.specHash, target.revision, pinned, plan, emergency?.reason);
    return this.orFail(open, () =>
      this.start(target.spec, target.specHash, target.revision, current.revision, pinned, plan, 'rollback', open, emergency),
    );
  }

  private start(
    spec: DeploymentSpec,
    specHash: string,
    revision: number,
    previousRevision: number | null,
    pinnedImage: string,
    plan: PlanResult,
    kind: 'apply' | 'rollback',
    open: OpenIntent,
    emergency?: { reason: string; by: string },
  ): { rollout: Rollout; done: Promise<Rollout> } {
    const waves = this.planner.waves(plan);
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
          delivery: a.delivery,
          ...(/^[a-z0-9]{1,32}$/.test(a.facts.arch) ? { arch: a.facts.arch } : {}),
        };
      }
    });
    const rollout = this.state.save(
      {
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
        ...(emergency ? { emergency } : {}),
      },
      open.intent,
    );
    return { rollout, done: this.runToEnd(spec, open) };
  }

  /** Runs the rollout and writes the outcome of the action that started it. */
  private runToEnd(spec: DeploymentSpec, open: OpenIntent): Promise<Rollout> {
    const name = spec.name;
    const done = this.engine.run(name, spec, open.intent).then(
      async (final) => {
        try {
          await open.finish(outcomeOf(final));
          return final;
        } catch (err) {
          const note = ` (its outcome is not recorded in the audit log yet: ${(err as Error).message})`;
          return this.state.update(name, (r) => ({ ...r, message: r.message + note }), open.intent);
        }
      },
      async (err: unknown) => {
        await open.finish({ outcome: 'failed', error: (err as Error).message }).catch(() => undefined);
        throw err;
      },
    );
    this.runs.set(name, done);
    void done.finally(() => this.runs.get(name) === done && this.runs.delete(name)).catch(() => undefined);
    return done;
  }

  pause(name: string): Promise<Rollout> {
    const a = this.state.active.get(name);
    if (!a) throw noRollout(name);
    return this.audit.perform({ action: 'deploy.pause', target: { deployment: name }, params: {} }, (intent) => {
      a.paused = true;
      return this.state.update(
        name,
        (r) => ({ ...r, status: 'paused', message: 'Paused: running steps finish, no new node starts' }),
        intent,
      );
    });
  }

  async resume(name: string): Promise<{ rollout: Rollout; done?: Promise<Rollout> }> {
    const a = this.state.active.get(name);
    if (a) {
      const rollout = await this.audit.perform({ action: 'deploy.resume', target: { deployment: name }, params: {} }, (intent) => {
        a.paused = false;
        a.wake?.();
        return this.state.update(name, (r) => ({ ...r, status: 'running', message: 'Resumed' }), intent);
      });
      return { rollout };
    }
    requireRoom(this.stateDir);
    refuseIfRunningElsewhere(name, this.store.rollout(name));
    const r = this.store.rollout(name);
    if (!r || (r.status !== 'interrupted' && r.status !== 'halted')) {
      throw new AppErrorException(appError('CONFLICT', `Nothing to resume for ${name}`, 'Apply a spec to start a rollout.'));
    }
    const rev = this.store.revision(name, r.revision);
    if (!rev) throw new AppErrorException(appError('NOT_FOUND', `Revision ${r.revision} of ${name} is missing`, 'Apply the spec again.'));
    const open = await this.audit.begin({
      action: 'deploy.resume',
      target: { deployment: name },
      params: { revision: r.revision, specHash: r.specHash },
    });
    return this.orFail(open, () => {
      const rollout = this.state.save(
        { ...r, status: 'running', message: 'Resumed after an interruption: each node is checked before it continues' },
        open.intent,
      );
      return { rollout, done: this.runToEnd(rev.spec, open) };
    });
  }

  /** Leaves an interrupted rollout as it is (nodes keep what runs on them now). */
  async halt(name: string): Promise<Rollout> {
    refuseIfRunningElsewhere(name, this.store.rollout(name));
    const r = this.store.rollout(name);
    if (!r || r.status !== 'interrupted')
      throw new AppErrorException(appError('CONFLICT', `${name} has no interrupted rollout`, 'Nothing to halt.'));
    return this.audit.perform(
      { action: 'deploy.abort', target: { deployment: name }, params: { revision: r.revision, step: 'halt' } },
      (intent) => this.state.update(name, (x) => ({ ...x, status: 'halted', message: 'Halted by the user after an interruption' }), intent),
    );
  }

  async abort(name: string): Promise<Rollout> {
    const a = this.state.active.get(name);
    if (!a) throw noRollout(name);
    return this.audit.perform({ action: 'deploy.abort', target: { deployment: name }, params: {} }, (intent) => {
      a.abort.abort();
      a.wake?.();
      return this.state.update(
        name,
        (r) => ({ ...r, status: 'aborted', message: 'Aborted: no new node starts; nodes keep what runs on them now' }),
        intent,
      );
    });
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

  drift(name: string): Promise<DriftRow[]> {
    return this.driftService.drift(name);
  }

  reconcile(name: string): Promise<{ node: string; ok: boolean; detail: string }[]> {
    return this.driftService.reconcile(name, this.state.active.has(name));
  }

  /** Resolves once the rollout of `name` this process runs (if any) has ended and its outcome is on record. */
  async settled(name: string): Promise<void> {
    await this.runs.get(name)?.catch(() => undefined);
  }

  /** Waits for every running rollout (for shutdown and tests). */
  async idle(): Promise<void> {
    while (this.state.active.size) await sleep(100);
  }

  /** Stops every rollout this process runs and waits until each has written its outcome. */
  async stopAll(): Promise<void> {
    for (const a of this.state.active.values()) a.abort.abort();
    await Promise.allSettled([...this.runs.values()]);
  }

  close(): void {
    this.store.close();
  }
}
