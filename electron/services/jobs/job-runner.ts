import crypto from 'node:crypto';
import os from 'node:os';
import { targetNodes } from '../../../shared/deploy/rollout.js';
import { isDrained } from '../../../shared/fleet.js';
import { AppErrorException, appError } from '../../../shared/errors.js';
import { parseJobSpec, parseProgressLine, type JobSpec } from '../../../shared/jobs/job-spec.js';
import { runSummary, type JobRun, type ShardState } from '../../../shared/jobs/job-run.js';
import type { AuditLog } from '../audit/audit-log.js';
import { sleep, type NodeExec } from '../deploy/node-exec.js';
import type { Inventory } from '../fleet/inventory.js';
import type { Runtime } from '../runtime/runtime-commands.js';
import {
  logsCommand,
  removeContainerCommand,
  removeRunCommand,
  shardContainer,
  shardStatusCommand,
  startShardCommand,
} from './job-commands.js';
import type { JobStore } from './job-store.js';
import type { WindowState } from '../service/change-guard.js';
import { loadAgent } from '../agents/agent-script.js';

export interface JobRunnerOptions {
  /** How often running shards are looked at. */
  pollMs?: number;
  /** A node that did not answer is left alone this long before it gets work again. */
  nodeRestMs?: number;
  /** Whether batch work may start on a node now (its maintenance windows); always, without it. */
  windowOf?: (node: string, at: number) => WindowState;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};
const terminal = (s: ShardState) => s.state === 'done' || s.state === 'failed' || s.state === 'cancelled';

/**
 * Runs batch jobs: shards on the target nodes, `parallelism` at a time per node, each retried
 * with backoff (on another node when its own was lost), the whole run under its deadline. The run
 * is saved at every change, so another process (the app, `jobs ls`) sees it move; each run, retry
 * and cancel is in the audit log before it is reported.
 */
export class JobRunner {
  private readonly active = new Map<string, { stop: AbortController; cancelled: boolean; done: Promise<JobRun> }>();
  private readonly listeners = new Set<(run: JobRun) => void>();
  private readonly runtimes = new Map<string, Runtime>();
  private closing = false;

  constructor(
    private readonly store: JobStore,
    private readonly audit: AuditLog,
    private readonly inventory: Inventory,
    private readonly exec: NodeExec,
    private readonly o: JobRunnerOptions = {},
  ) {
    // A run whose process died is interrupted: its containers may still be on the nodes (cancel removes them).
    for (const run of store.runs(undefined, 200))
      if (run.state === 'running' && run.host === os.hostname() && !alive(run.pid))
        store.saveRun({ ...run, state: 'interrupted', endedAt: Date.now() });
  }

  onChange(listener: (run: JobRun) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Saves the job (audited); the nodes it targets now, as recorded. */
  async apply(yaml: string, by: string): Promise<{ spec: JobSpec; nodes: string[] }> {
    const parsed = parseJobSpec(yaml);
    if (!parsed.spec)
      throw new AppErrorException(
        appError(
          'VALIDATION',
          `The job is not valid: ${parsed.problems.map((p) => `line ${p.line}: ${p.path ? `${p.path}: ` : ''}${p.message}`).join('; ')}`,
          'Fix the named lines.',
        ),
      );
    const spec = parsed.spec;
    const nodes = targetNodes(this.inventory.list(), spec.targets).map((n) => n.name);
    await this.audit.perform(
      {
        action: 'job.apply',
        params: { job: spec.name, image: spec.image, shards: spec.job.shards, maintenanceWindows: spec.job.maintenanceWindows, nodes },
      },
      () => this.store.saveJob(spec.name, yaml, spec, by),
    );
    return { spec, nodes };
  }

  /** Starts a run and returns it as begun (its intent recorded); `settled` waits for its end. */
  async start(name: string, by: string, trigger: JobRun['trigger'] = 'manual'): Promise<JobRun> {
    const job = this.store.job(name);
    if (!job) throw new AppErrorException(appError('NOT_FOUND', `No job ${name}`, 'Apply it first: edgeward jobs apply FILE.'));
    const running = this.store.runs(name, 20).find((r) => r.state === 'running' && (r.host !== os.hostname() || alive(r.pid)));
    if (running)
      throw new AppErrorException(
        appError(
          'CONFLICT',
          `Job ${name} is running already (run ${running.id}, pid ${running.pid} on ${running.host})`,
          `Wait for it, or cancel it: edgeward jobs cancel ${running.id}.`,
        ),
      );
    const spec = job.spec;
    const nodes = targetNodes(this.inventory.list(), spec.targets);
    if (nodes.length === 0)
      throw new AppErrorException(
        appError('VALIDATION', `Job ${name} targets no enabled node`, 'Check its targets against the inventory (edgeward nodes ls).'),
      );
    const now = Date.now();
    this.refuseClosedUntilDeadline(
      spec,
      nodes.map((n) => n.name),
      now,
    );
    const run: JobRun = {
      id: `${name}-${new Date(now).toISOString().replace(/[-:T]/g, '').slice(0, 14)}-${crypto.randomBytes(2).toString('hex')}`,
      job: name,
      state: 'running',
      by,
      trigger,
      startedAt: now,
      deadlineAt: now + spec.job.deadlineS * 1000,
      shards: Array.from({ length: spec.job.shards }, (_, index) => ({ index, state: 'pending' as const, attempt: 0 })),
      retries: 0,
      pid: process.pid,
      host: os.hostname(),
    };
    const open = await this.audit.begin({
      action: 'job.run',
      params: { job: name, run: run.id, trigger, shards: spec.job.shards, nodes: nodes.map((n) => n.name) },
    });
    this.save(run);
    const stop = new AbortController();
    const entry = { stop, cancelled: false, done: Promise.resolve(run) };
    entry.done = this.drive(run, spec, stop.signal, () => entry.cancelled)
      .catch((err: unknown) => {
        run.state = 'failed';
        run.endedAt = Date.now();
        for (const s of run.shards) if (!terminal(s)) Object.assign(s, { state: 'failed', lastError: (err as Error).message });
        this.save(run);
        return run;
      })
      .then(async (r) => {
        this.active.delete(r.id);
        const summary = runSummary(r);
        await open
          .finish({
            outcome: r.state === 'succeeded' ? 'ok' : r.state === 'cancelled' ? 'partial' : 'failed',
            params: { state: r.state, ...summary },
            ...(r.state === 'succeeded' ? {} : { error: this.why(r) }),
          })
          .catch(() => undefined);
        return r;
      });
    this.active.set(run.id, entry);
    return structuredClone(run);
  }

  /** A run that could not start a shard before its deadline, every target's window being closed till then, is refused. */
  private refuseClosedUntilDeadline(spec: JobSpec, nodes: string[], now: number): void {
    const windows = this.windowsFor(spec);
    if (!windows) return;
    const states = nodes.map((n) => windows(n, now));
    if (states.some((w) => w.open)) return;
    const deadlineAt = now + spec.job.deadlineS * 1000;
    const closed = states as Extract<WindowState, { open: false }>[];
    if (closed.some((w) => w.opensAt !== undefined && w.opensAt < deadlineAt)) return;
    // Not CONFLICT: the scheduler takes that for "running already" and would say nothing.
    throw new AppErrorException(
      appError(
        'UNAVAILABLE',
        `Job ${spec.name} cannot start a shard before its deadline (${spec.job.deadlineS} s): ${nodes
          .slice(0, 3)
          .map((n, i) => `${n} ${closed[i]!.reason}`)
          .join('; ')}${nodes.length > 3 ? `; and ${nodes.length - 3} more` : ''}`,
        'Run it when the window opens, give it a longer deadline, or set job.maintenanceWindows: ignore (an audited apply).',
      ),
    );
  }

  /** The maintenance windows a job keeps to, or undefined when it keeps to none. */
  private windowsFor(spec: JobSpec): ((node: string, at: number) => WindowState) | undefined {
    return spec.job.maintenanceWindows === 'keep' ? this.o.windowOf : undefined;
  }

  /** The run as it stands now (saved at every change, so also one another process runs). */
  current(runId: string): JobRun | undefined {
    return this.store.run(runId);
  }

  /** The run when it has ended (at once for one that is not running here). */
  async settled(runId: string): Promise<JobRun> {
    const a = this.active.get(runId);
    if (a) return a.done;
    const run = this.store.run(runId);
    if (!run) throw new AppErrorException(appError('NOT_FOUND', `No job run ${runId}`, 'List runs: edgeward jobs ls.'));
    return run;
  }

  /** Stops a run: every container of it removed from every target node; audited. */
  async cancel(runId: string): Promise<JobRun> {
    const run = this.store.run(runId);
    if (!run) throw new AppErrorException(appError('NOT_FOUND', `No job run ${runId}`, 'List runs: edgeward jobs ls.'));
    const spec = this.store.job(run.job)?.spec;
    return this.audit.perform(
      { action: 'job.cancel', params: { job: run.job, run: runId } },
      async () => {
        const a = this.active.get(runId);
        if (a) {
          a.cancelled = true;
          a.stop.abort();
          return a.done;
        }
        // Another process's run, or one a killed process left: remove what is left of it on the nodes.
        await this.removeEverywhere(run, spec);
        const latest = this.store.run(runId)!;
        if (latest.state === 'running' || latest.state === 'interrupted') {
          for (const s of latest.shards) if (!terminal(s)) s.state = 'cancelled';
          this.save({ ...latest, state: 'cancelled', endedAt: Date.now() });
        }
        return this.store.run(runId)!;
      },
      (r) => ({ outcome: 'ok', params: { state: r.state } }),
    );
  }

  /** The last lines of a shard's container, live from its node: shown, never stored. */
  async logs(runId: string, shard: number, tail = 200): Promise<string> {
    const run = this.store.run(runId);
    const s = run?.shards[shard];
    if (!run || !s?.node)
      throw new AppErrorException(
        appError('NOT_FOUND', `Run ${runId} has no shard ${shard} that ran`, 'See its shards: edgeward jobs ls --json.'),
      );
    const rt = await this.runtime(s.node);
    const r = await this.exec(s.node, logsCommand(rt, shardContainer(run.id, shard, s.attempt), tail), { timeoutMs: 30_000 });
    return r.stdout.toString('utf8');
  }

  private why(r: JobRun): string {
    if (r.state === 'deadline')
      return `the deadline passed with ${r.shards.filter((s) => s.state === 'cancelled').length} shard(s) unfinished${r.waiting ? ` (${r.waiting})` : ''}`;
    if (r.state === 'cancelled') return 'cancelled';
    const failed = r.shards.filter((s) => s.state === 'failed');
    return `${failed.length} shard(s) failed after their retries: ${failed
      .slice(0, 3)
      .map((s) => `shard ${s.index} (${s.lastError ?? 'failed'})`)
      .join('; ')}`;
  }

  private save(run: JobRun): void {
    this.store.saveRun(run);
    for (const l of this.listeners) l(structuredClone(run));
  }

  private async runtime(node: string): Promise<Runtime> {
    const known = this.runtimes.get(node);
    if (known) return known;
    const out = (await this.exec(node, 'sh -s', { stdin: loadAgent('job-runtime.sh').text, timeoutMs: 30_000 })).stdout.toString('utf8');
    const rt = /runtime=(docker|podman)/.exec(out)?.[1] as Runtime | undefined;
    if (!rt) throw new Error(`${node} has no container runtime (docker or podman)`);
    this.runtimes.set(node, rt);
    return rt;
  }

  private async drive(run: JobRun, spec: JobSpec, signal: AbortSignal, cancelled: () => boolean): Promise<JobRun> {
    const pollMs = this.o.pollMs ?? 1000;
    const restMs = this.o.nodeRestMs ?? 10_000;
    const resting = new Map<string, number>();
    /** Containers left on a node that was lost: removed once it answers again. */
    const leftovers: { node: string; name: string }[] = [];
    // A drained node gets no new shard (its running ones finish); a disabled one is not a target at all.
    /** A node that did not answer gets no work for a while; its runtime is asked again after. */
    const rest = (node: string) => {
      resting.set(node, Date.now() + restMs);
      this.runtimes.delete(node);
    };
    /** A lost node's stale container, removed if the node answers now; false if it still does not. */
    const removeLeftover = async (l: { node: string; name: string }) => {
      try {
        await this.exec(l.node, removeContainerCommand(await this.runtime(l.node), l.name), { timeoutMs: 15_000 });
        return true;
      } catch {
        return false;
      }
    };
    const windows = this.windowsFor(spec);
    /** Nodes that may take a new shard now, and why none may when every one's window is closed. */
    const nodesNow = (at: number): { open: string[]; waiting?: string } => {
      const open: string[] = [];
      let soonest: { node: string; w: Extract<WindowState, { open: false }> } | undefined;
      for (const n of targetNodes(this.inventory.list(), spec.targets)) {
        if (isDrained(n)) continue;
        const w = windows?.(n.name, at) ?? { open: true };
        if (w.open) open.push(n.name);
        else if (!soonest || (w.opensAt ?? Infinity) < (soonest.w.opensAt ?? Infinity)) soonest = { node: n.name, w };
      }
      return open.length || !soonest
        ? { open }
        : { open, waiting: `every target is outside its maintenance window; ${soonest.node} ${soonest.w.reason}` };
    };

    const fail = async (s: ShardState, reason: string, lostNode: boolean) => {
      s.lastError = reason;
      s.endedAt = Date.now();
      if (s.attempt >= spec.job.retries) {
        s.state = 'failed';
        return;
      }
      const delay = spec.job.backoffS * 1000 * 2 ** s.attempt;
      await this.audit.perform(
        {
          action: 'job.retry',
          target: { node: s.node! },
          params: { job: spec.name, run: run.id, shard: s.index, attempt: s.attempt + 1, reason, inS: delay / 1000 },
        },
        () => {
          if (lostNode) leftovers.push({ node: s.node!, name: shardContainer(run.id, s.index, s.attempt) });
          Object.assign(s, { state: 'pending', attempt: s.attempt + 1, notBefore: Date.now() + delay, slot: undefined });
          run.retries++;
        },
      );
    };

    while (!signal.aborted && run.shards.some((s) => !terminal(s))) {
      if (Date.now() >= run.deadlineAt) break;
      let changed = false;
      // 1. Look at each running shard.
      for (const s of run.shards.filter((x) => x.state === 'running')) {
        if (signal.aborted) break;
        const node = s.node!;
        try {
          const rt = await this.runtime(node);
          const out = (
            await this.exec(node, shardStatusCommand(rt, shardContainer(run.id, s.index, s.attempt)), { timeoutMs: 20_000, signal })
          ).stdout.toString('utf8');
          const progress = out.split('\n').map(parseProgressLine).filter(Boolean).at(-1);
          if (progress && (progress.done !== s.done || progress.total !== s.total)) {
            Object.assign(s, progress);
            changed = true;
          }
          const [status, exit] = (/^state=(\w+)\|?(-?\d+)?/m.exec(out)?.slice(1) ?? ['missing']) as [string, string | undefined];
          if (status === 'exited' || status === 'missing') {
            const code = exit === undefined ? undefined : Number(exit);
            if (code !== undefined) s.exitCode = code;
            await this.exec(node, removeContainerCommand(rt, shardContainer(run.id, s.index, s.attempt)), { timeoutMs: 30_000 }).catch(
              () => undefined,
            );
            if (code === 0) Object.assign(s, { state: 'done', endedAt: Date.now(), slot: undefined });
            else await fail(s, status === 'missing' ? 'its container is gone from the node' : `exit code ${code}`, false);
            changed = true;
          }
        } catch (err) {
          if (signal.aborted) break;
          // The node stopped answering: the shard goes to another node; this one rests.
          rest(node);
          await fail(s, `lost ${node}: ${(err as Error).message.slice(0, 200)}`, true);
          changed = true;
        }
      }
      // 2. Give waiting shards to free slots, spreading over nodes, a retried shard away from where it failed.
      const now = Date.now();
      const waiting = run.shards.filter((s) => s.state === 'pending' && (s.notBefore ?? 0) <= now);
      const targets = waiting.length ? nodesNow(now) : { open: [] };
      const why = waiting.length ? targets.waiting : undefined;
      if (why !== run.waiting) {
        if (why) run.waiting = why;
        else delete run.waiting;
        changed = true;
      }
      for (const s of waiting) {
        if (signal.aborted) break;
        const used = (n: string) => run.shards.filter((x) => x.state === 'running' && x.node === n).map((x) => x.slot!);
        const candidates = targets.open
          .filter((n) => (resting.get(n) ?? 0) <= now && used(n).length < spec.job.parallelism)
          .sort((a, b) => used(a).length - used(b).length || Number(a === s.node) - Number(b === s.node));
        const node = candidates[0];
        if (!node) break;
        const slot = [...Array(spec.job.parallelism).keys()].find((k) => !used(node).includes(k))!;
        try {
          const rt = await this.runtime(node);
          const r = await this.exec(node, startShardCommand(rt, spec, run.id, s.index, s.attempt, slot), { timeoutMs: 300_000, signal });
          if (r.exitCode !== 0) {
            Object.assign(s, { node });
            await fail(
              s,
              `could not start on ${node}: ${r.stderr.toString('utf8').trim().split('\n').at(-1)?.slice(0, 200) ?? `exit ${r.exitCode}`}`,
              false,
            );
          } else Object.assign(s, { state: 'running', node, slot, startedAt: Date.now(), exitCode: undefined, done: 0 });
        } catch (err) {
          if (signal.aborted) break;
          rest(node);
          s.lastError = `${node} did not answer: ${(err as Error).message.slice(0, 200)}`;
        }
        changed = true;
      }
      // 3. Containers of a lost node, removed when it answers again (a cut node keeps running them).
      for (const l of leftovers.splice(0)) {
        if ((resting.get(l.node) ?? 0) > Date.now()) {
          leftovers.push(l);
          continue;
        }
        if (!(await removeLeftover(l))) {
          rest(l.node);
          leftovers.push(l);
        }
      }
      if (changed) this.save(run);
      await sleep(pollMs, signal);
    }

    // A lost node that answers again now has its stale containers removed; one still away keeps them
    // (before, its runtime lookup threw here and failed a run whose shards had all finished).
    for (const l of leftovers) await removeLeftover(l);
    const stopped = signal.aborted || Date.now() >= run.deadlineAt;
    if (stopped) {
      await this.removeEverywhere(run, spec);
      for (const s of run.shards) if (!terminal(s)) Object.assign(s, { state: 'cancelled', endedAt: Date.now() });
    }
    run.state = cancelled()
      ? 'cancelled'
      : this.closing
        ? 'interrupted'
        : stopped
          ? 'deadline'
          : run.shards.every((s) => s.state === 'done')
            ? 'succeeded'
            : 'failed';
    run.endedAt = Date.now();
    this.save(run);
    return structuredClone(run);
  }

  /** Every container of the run removed from every target node that answers. */
  private async removeEverywhere(run: JobRun, spec: JobSpec | undefined): Promise<void> {
    const nodes = new Set([
      ...(spec ? targetNodes(this.inventory.list(), spec.targets).map((n) => n.name) : []),
      ...run.shards.map((s) => s.node).filter((n): n is string => !!n),
    ]);
    await Promise.all(
      [...nodes].map(async (n) => {
        try {
          await this.exec(n, removeRunCommand(await this.runtime(n), run.id), { timeoutMs: 60_000 });
        } catch {
          // A node that does not answer keeps its containers until it does: named in the run's shards.
        }
      }),
    );
  }

  /** Stops every run of this process (their containers removed): a run does not outlive its console unwatched. */
  async close(): Promise<void> {
    this.closing = true;
    for (const a of this.active.values()) a.stop.abort();
    await Promise.all([...this.active.values()].map((a) => a.done));
  }
}
