import { setMaxListeners } from 'node:events';
import { AppErrorException } from '../../../shared/errors.js';
import { groupKey, groupLimit, type NodeStep, type Rollout } from '../../../shared/deploy/rollout.js';
import type { DeploymentSpec } from '../../../shared/deploy/spec.js';
import type { ActionOutcome, AuditLog, OpenIntent } from '../audit/audit-log.js';
import type { Intent } from '../audit/intent.js';
import type { Inventory } from '../fleet/inventory.js';
import type { ExecResult } from '../ssh/exec.js';
import type { SshPool } from '../ssh/pool.js';
import { LEASE_MS } from './lease.js';
import { ImageDelivery } from './image-delivery.js';
import type { ConsoleImages } from './registry-fetch.js';
import type { ModelSources } from './model-source.js';
import { execForDeploy, lastLine, sleep, type NodeExecOptions } from './node-exec.js';
import type { RolloutState } from './rollout-state.js';
import { gateNode, readyOfSpec } from './rollout-gate.js';
import type { ChangeGuard } from '../service/change-guard.js';
import {
  containerName,
  healthGateCommand,
  listCommand,
  removeCommand,
  runCommand,
  startCommand,
  stopCommand,
  type PullAccess,
  type Runtime,
} from '../runtime/runtime-commands.js';

const messageOf = (err: unknown) =>
  err instanceof AppErrorException ? err.appError.message : err instanceof Error ? err.message : String(err);

/** What one node's run knows: which rollout, and whether the audit log failed to take a record. */
interface NodeRun {
  name: string;
  node: string;
  rollout: Rollout;
  intent: Intent;
  unrecorded?: string;
}

/**
 * The rollout engine: waves within group limits, each node through pull → start → health gate →
 * soak, automatic rollback. Each step of each node goes through the audit pipeline (its intent
 * before it acts, its outcome after), and the rollout's state is saved at every change.
 */
export interface RolloutEngineDeps {
  pool: SshPool;
  inventory: Inventory;
  audit: AuditLog;
  state: RolloutState;
  secretsOf: (spec: DeploymentSpec) => Record<string, string>;
  /** A firing SLO burn-rate alert for the endpoint on this node and host port, in words. */
  sloBreach: (node: string, hostPort: number) => string | undefined;
  /** Keeps telemetry (and with it the SLO alerts) running for these nodes while the rollout runs. */
  watchNodes: (nodes: string[]) => () => void;
  /** Services' redundancy and maintenance windows: what a node must wait for before it goes. */
  guard?: ChangeGuard;
  /** The CA and login a node's pull of this image needs (Settings → Registries). */
  pullAccess?: (image: string) => { access: PullAccess; stdin?: string };
  /** The console's copies of registry images, for nodes that get them pushed. */
  images: ConsoleImages;
  models: ModelSources;
}

export class RolloutEngine {
  private readonly pool: SshPool;
  private readonly inventory: Inventory;
  private readonly audit: AuditLog;
  private readonly state: RolloutState;
  private readonly secretsOf: RolloutEngineDeps['secretsOf'];
  private readonly sloBreach: RolloutEngineDeps['sloBreach'];
  private readonly delivery: ImageDelivery;
  private readonly watchNodes: RolloutEngineDeps['watchNodes'];
  private readonly guard: ChangeGuard | undefined;

  constructor(deps: RolloutEngineDeps) {
    this.pool = deps.pool;
    this.inventory = deps.inventory;
    this.audit = deps.audit;
    this.state = deps.state;
    this.secretsOf = deps.secretsOf;
    this.sloBreach = deps.sloBreach;
    this.watchNodes = deps.watchNodes;
    this.guard = deps.guard;
    this.delivery = new ImageDelivery(
      (node, command, opts) => this.exec(node, command, opts),
      deps.inventory,
      deps.images,
      deps.models,
      deps.pullAccess ?? (() => ({ access: {} })),
    );
  }

  private get store() {
    return this.state.store;
  }

  exec(node: string, command: string, opts: NodeExecOptions = {}): Promise<ExecResult> {
    return execForDeploy(this.pool, node, command, opts);
  }

  /** Runs the rollout saved for `name` to its end; `intent` is the action it belongs to. */
  async run(name: string, spec: DeploymentSpec, intent: Intent): Promise<Rollout> {
    const active = { abort: new AbortController(), paused: false, wake: undefined, intent };
    // Every node's commands listen to this one signal.
    setMaxListeners(0, active.abort.signal);
    this.state.active.set(name, active);
    const update = (f: (r: Rollout) => Rollout) => this.state.update(name, f, intent);
    // The lease: renewed at every step (save) and at least this often while a soak or a pull waits.
    const renew = setInterval(() => update((r) => r), LEASE_MS / 6);
    renew.unref();
    // The SLO gate reads alerts, and alerts need telemetry: watched for the whole rollout, from
    // whichever process runs it (the CLI starts none otherwise).
    const unwatch = this.watchNodes(Object.keys(this.store.rollout(name)!.nodes));
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
        const inFlight = new Set<string>();
        let failed = false;
        while ((queue.length || running.size) && !failed) {
          const i = queue.findIndex(
            (n) => (groups.get(groupOf(n)) ?? 0) < groupLimit(sizes.get(groupOf(n)) ?? 1, spec.strategy.maxUnavailable),
          );
          if (i >= 0 && !active.abort.signal.aborted) {
            const n = queue[i]!;
            if (!(await this.checkpoint(name, active))) break;
            const gate = this.guard ? await this.gate(name, n, w, inFlight, running, active) : 'go';
            if (gate === 'aborted') break;
            if (gate === 'own') {
              await Promise.race(running);
              continue;
            }
            // A hold said on the rollout is over once its node goes.
            if (this.store.rollout(name)!.message.startsWith(`Wave ${w + 1}: ${n} `)) update((x) => ({ ...x, message: r0.message }));
            queue.splice(i, 1);
            const g = groupOf(n);
            groups.set(g, (groups.get(g) ?? 0) + 1);
            inFlight.add(n);
            const p = this.deployNode(name, n, spec, secrets, active.abort.signal, intent)
              .then((ok) => {
                if (!ok) failed = true;
              })
              .finally(() => {
                groups.set(g, (groups.get(g) ?? 1) - 1);
                inFlight.delete(n);
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
            update((x) => ({ ...x, status: 'rolling-back', message: `Wave ${w + 1} failed (${why}); rolling back every node` }));
            await this.rollbackNodes(name, spec, intent);
            return update((x) => ({ ...x, status: 'rolled-back', message: `Rolled back: ${why}` }));
          }
          return update((x) => ({ ...x, status: 'failed', message: `Stopped at wave ${w + 1}: ${why}` }));
        }
      }
      // The replaced containers are housekeeping once every node serves the new revision: removed
      // in the background, so the rollout is done when the last node is, not when the disk is tidy.
      void this.cleanupPrevious(name);
      const rev = this.store.revision(name, r0.revision);
      if (rev) this.store.saveRevision(name, { ...rev, succeededAt: Date.now() }, intent);
      // Every row says what is true now: the replaced revision is no longer "kept stopped until the rollout ends".
      return update((r) => ({
        ...r,
        status: 'succeeded',
        message: `Revision ${r.revision} runs on ${Object.keys(r.nodes).length} node(s)`,
        nodes: Object.fromEntries(
          Object.entries(r.nodes).map(([n, step]) => [
            n,
            step.state === 'done'
              ? { ...step, detail: `revision ${r.revision} running${step.previous ? `; revision ${step.previous.revision} replaced` : ''}` }
              : step,
          ]),
        ),
      }));
    } finally {
      clearInterval(renew);
      unwatch();
      this.state.active.delete(name);
    }
  }

  /** The node's maintenance window and its services' redundancy, waited for (showing for what). */
  private gate(
    name: string,
    node: string,
    wave: number,
    inFlight: ReadonlySet<string>,
    running: ReadonlySet<Promise<void>>,
    active: { paused: boolean; abort: AbortController; wake: (() => void) | undefined; intent: Intent },
  ) {
    const intent = active.intent;
    const r = this.store.rollout(name)!;
    return gateNode({
      guard: this.guard!,
      deployment: name,
      node,
      inFlight,
      emergency: r.emergency !== undefined,
      signal: active.abort.signal,
      othersRunning: () => running.size > 0,
      hold: (why) => {
        const cur = this.store.rollout(name)!;
        if (cur.nodes[node]?.detail === why && cur.message.endsWith(why)) return;
        this.state.update(
          name,
          (x) => ({
            ...x,
            message: `Wave ${wave + 1}: ${node} ${why}`,
            nodes: { ...x.nodes, [node]: { ...x.nodes[node]!, detail: why, updatedAt: Date.now() } },
          }),
          intent,
        );
      },
      pause: async (why) => {
        await this.audit.perform({ action: 'deploy.pause', target: { deployment: name, node }, params: { held: why } }, (pauseIntent) => {
          active.paused = true;
          return this.state.update(name, (x) => ({ ...x, status: 'paused', message: `Paused: ${why}` }), pauseIntent);
        });
        return this.checkpoint(name, active);
      },
    });
  }

  /** Waits while paused; false when aborted. */
  private async checkpoint(name: string, a: { paused: boolean; abort: AbortController; wake: (() => void) | undefined }): Promise<boolean> {
    while (a.paused && !a.abort.signal.aborted) await new Promise<void>((r) => (a.wake = r));
    a.wake = undefined;
    return !a.abort.signal.aborted && this.store.rollout(name)?.status !== 'aborted';
  }

  /**
   * One step of one node through the pipeline. A step that cannot be recorded stops the node (it is
   * put back); a failure that cannot be recorded is said in the node's detail. Never dropped silently.
   */
  private async step<T>(
    run: NodeRun,
    stepName: string,
    act: () => Promise<T>,
    outcomeOf: (value: T) => ActionOutcome = () => ({ outcome: 'ok' }),
  ): Promise<T> {
    const r = run.rollout;
    const refusal = (err: unknown) => {
      run.unrecorded = messageOf(err);
      return new Error(`the audit log cannot record the ${stepName} step (${run.unrecorded}), so the rollout goes no further here`);
    };
    let open: OpenIntent;
    try {
      open = await this.audit.begin({
        action: 'deploy.step',
        target: { node: run.node, deployment: run.name },
        params: { specHash: r.specHash, revision: r.revision, digest: r.pinnedImage, step: stepName, wave: r.nodes[run.node]!.wave },
      });
    } catch (err) {
      throw refusal(err);
    }
    let value: T;
    try {
      value = await act();
    } catch (err) {
      await open.finish({ outcome: 'failed', error: messageOf(err) }).catch((e: unknown) => (run.unrecorded = messageOf(e)));
      throw err;
    }
    try {
      await open.finish(outcomeOf(value));
    } catch (err) {
      throw refusal(err);
    }
    return value;
  }

  /** One node through pull → start → health gate → soak. False when it failed (and was put back). */
  private async deployNode(
    name: string,
    node: string,
    spec: DeploymentSpec,
    secrets: Record<string, string>,
    signal: AbortSignal,
    intent: Intent,
  ): Promise<boolean> {
    const r = this.store.rollout(name)!;
    const step = r.nodes[node]!;
    const rt = step.runtime ?? 'docker';
    const target = containerName(name, r.revision);
    const run: NodeRun = { name, node, rollout: r, intent };
    const set = (state: NodeStep['state'], detail: string, progress: number | null = null, extra: Partial<NodeStep> = {}) =>
      this.patchNode(name, node, intent, () => ({ ...extra, state, detail, progress, updatedAt: Date.now() }));
    let started = false;
    let previous = step.previous;
    try {
      await this.step(run, 'pull', async () => {
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
        const progress = (line: string, fraction: number | null) => set('pulling', line, fraction);
        await this.delivery.deliver(node, rt, spec, step, r.pinnedImage, signal, progress);
      });
      if (!started) {
        await this.step(run, 'start', async () => {
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
        });
      }
      const hostPort = readyOfSpec(spec)!.port;
      const h = spec.health;
      await this.step(run, 'health', async () => {
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
      });
      const aborted = await this.step(
        run,
        'done',
        async () => {
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
          return false;
        },
        (cut) => (cut ? { outcome: 'partial', error: 'the rollout was stopped during the soak' } : { outcome: 'ok' }),
      );
      if (aborted) return true;
      set(
        'done',
        `revision ${r.revision} ready${previous ? `; revision ${previous.revision} kept stopped until the rollout ends` : ''}`,
        1,
      );
      return true;
    } catch (err) {
      if (signal.aborted) {
        set('failed', 'aborted mid-step: check the node');
        return true;
      }
      const reason = messageOf(err);
      const note = run.unrecorded ? ` (not recorded in the audit log: ${run.unrecorded})` : '';
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

  /** Changes one node's step of the current rollout (saved, and sent to watchers). */
  private patchNode(name: string, node: string, intent: Intent, patch: (step: NodeStep) => Partial<NodeStep>): Rollout {
    return this.state.update(
      name,
      (x) => ({ ...x, nodes: { ...x.nodes, [node]: { ...x.nodes[node]!, ...patch(x.nodes[node]!) } } }),
      intent,
    );
  }

  /** After a failed wave: every node this rollout touched goes back to what it ran before. */
  private async rollbackNodes(name: string, spec: DeploymentSpec, intent: Intent): Promise<void> {
    const r = this.store.rollout(name)!;
    const target = containerName(spec.name, r.revision);
    await Promise.all(
      Object.values(r.nodes)
        .filter((s) => s.state === 'done' || s.state === 'health' || s.state === 'soak' || s.state === 'starting')
        .map(async (s) => {
          // Putting a node back is never held up by the audit log; a record it could not write is said on the node.
          let unrecorded: string | undefined;
          const open = await this.audit
            .begin({
              action: 'deploy.step',
              target: { node: s.node, deployment: name },
              params: { specHash: r.specHash, revision: r.revision, step: 'rollback' },
            })
            .catch((err: unknown) => {
              unrecorded = messageOf(err);
              return undefined;
            });
          const back = await this.putBack(s.node, s.runtime ?? 'docker', target, s.previous);
          await open
            ?.finish(back ? { outcome: 'ok' } : { outcome: 'failed', error: 'could not reach the node' })
            .catch((err: unknown) => (unrecorded = messageOf(err)));
          const detail = !back
            ? 'could not reach the node to roll it back: check it, then reconcile'
            : s.previous
              ? `revision ${s.previous.revision} running again`
              : 'removed (no earlier revision)';
          this.patchNode(name, s.node, intent, () => ({
            state: back ? 'rolled-back' : 'failed',
            detail: unrecorded ? `${detail} (not recorded in the audit log: ${unrecorded})` : detail,
            progress: null,
            updatedAt: Date.now(),
          }));
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
}
