import { AppErrorException, appError } from '../../../shared/errors.js';
import type { NodeStep, Rollout } from '../../../shared/deploy/rollout.js';
import type { DeploymentSpec } from '../../../shared/deploy/spec.js';
import type { AuditLog } from '../audit/audit-log.js';
import { describeShortage, type ChangeGuard } from '../service/change-guard.js';
import { readyOfSpec } from './rollout-gate.js';
import type { SshPool } from '../ssh/pool.js';
import type { DeployStore } from './deploy-store.js';
import { execForDeploy, lastLine } from './node-exec.js';
import { containerName, healthGateCommand, listCommand, removeCommand, runCommand, startCommand } from '../runtime/runtime-commands.js';

export interface DriftRow {
  node: string;
  expected: number | null;
  running: number[];
  ok: boolean;
  error?: string;
}

/** Which revision a node of the last rollout should run now (null: none). */
export function expectedRevision(r: Rollout, s: NodeStep): number | null {
  if (r.status === 'succeeded') return r.revision;
  // Never reached by this rollout: it should still run what it ran before it.
  if (s.state === 'pending' || s.state === 'skipped') return r.previousRevision;
  if (r.status === 'rolled-back') return s.previous?.revision ?? null;
  return s.state === 'done' ? r.revision : (s.previous?.revision ?? null);
}

/** What runs on the nodes against what should (the drift a cut link or a hand leaves behind), and putting it right. */
export class DriftService {
  constructor(
    private readonly pool: SshPool,
    private readonly audit: AuditLog,
    private readonly store: DeployStore,
    private readonly secretsOf: (spec: DeploymentSpec) => Record<string, string>,
    private readonly guard?: ChangeGuard,
  ) {}

  private lastRollout(name: string): Rollout {
    const r = this.store.rollout(name);
    if (!r) throw new AppErrorException(appError('NOT_FOUND', `No rollout of ${name} yet`, 'Apply a spec first.'));
    return r;
  }

  async drift(name: string): Promise<DriftRow[]> {
    const r = this.lastRollout(name);
    return Promise.all(
      Object.values(r.nodes).map(async (s) => {
        const expected = expectedRevision(r, s);
        try {
          const listed = await execForDeploy(this.pool, s.node, listCommand(s.runtime ?? 'docker', name), { timeoutMs: 30_000 });
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
  async reconcile(name: string, isRunning: boolean): Promise<{ node: string; ok: boolean; detail: string }[]> {
    const r = this.lastRollout(name);
    if (isRunning) throw new AppErrorException(appError('CONFLICT', `A rollout of ${name} is running`, 'Wait for it or abort it first.'));
    const drift = (await this.drift(name)).filter((d) => !d.ok);
    const one = async (d: DriftRow) => {
      // Replacing what serves on a member (a wrong revision) takes it out: only if its group keeps its
      // minimum meanwhile. Removing extras beside the right revision, or starting it, takes nothing out.
      const takesOut = d.expected !== null && !d.running.includes(d.expected) && d.running.length > 0;
      const short = this.guard && takesOut ? await this.guard.shortages(name, d.node, new Set()) : [];
      if (short.length)
        return { node: d.node, ok: false, detail: `not repaired now: ${short.map((s) => describeShortage(s, d.node)).join('; ')}` };
      try {
        const detail = await this.audit.perform(
          {
            action: 'deploy.step',
            target: { node: d.node, deployment: name },
            params: { revision: d.expected ?? 0, step: 'reconcile' },
          },
          () => this.reconcileNode(name, r.nodes[d.node]!, d),
        );
        return { node: d.node, ok: true, detail };
      } catch (err) {
        const detail = err instanceof AppErrorException ? err.appError.message : err instanceof Error ? err.message : String(err);
        return { node: d.node, ok: false, detail };
      }
    };
    // With services in play, one node after the other: each repair sees the one before it back.
    if (!this.guard) return Promise.all(drift.map(one));
    const out: { node: string; ok: boolean; detail: string }[] = [];
    for (const d of drift) out.push(await one(d));
    return out;
  }

  private async reconcileNode(name: string, s: NodeStep, d: DriftRow): Promise<string> {
    const rt = s.runtime ?? 'docker';
    const exec = (command: string, opts: { stdin?: string; timeoutMs?: number } = {}) => execForDeploy(this.pool, d.node, command, opts);
    for (const rev of d.running) if (rev !== d.expected) await exec(removeCommand(rt, containerName(name, rev)));
    if (d.expected !== null && !d.running.includes(d.expected)) {
      const rev = this.store.revision(name, d.expected);
      if (!rev) throw new Error(`revision ${d.expected} is not on record`);
      const started = await exec(startCommand(rt, containerName(name, d.expected)));
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
        const ran = await exec(cmd.command, { stdin: cmd.stdin });
        if (ran.exitCode !== 0) throw new Error(`run failed: ${lastLine(ran)}`);
      }
      const port = readyOfSpec(rev.spec)!.port;
      const h = rev.spec.health;
      const gate = await exec(healthGateCommand(port, h.path, h.timeoutS, h.successThreshold, h.intervalS), {
        timeoutMs: (h.timeoutS + 30) * 1000,
      });
      if (gate.exitCode !== 0) throw new Error(`revision ${d.expected} not ready within ${h.timeoutS} s`);
    }
    return d.expected === null ? 'nothing of it runs now' : `revision ${d.expected} running and ready`;
  }
}
