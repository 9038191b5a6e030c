import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppErrorException, appError } from '../../../shared/errors.js';
import { judgeDrill, probeStats, type DrillFrame, type DrillResult, type Sample } from '../../../shared/service/drill.js';
import { renderDrillReport } from '../../../shared/service/drill-report.js';
import { describeSlo, type SloSettings } from '../../../shared/slo.js';
import { isoInstant, type TimeZoneSetting } from '../../../shared/time-format.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { AuditIndex } from '../audit/audit-index.js';
import { writeAtomic } from '../common/write-atomic.js';
import { sha256Hex } from '../audit/canonical.js';
import type { DeployStore } from '../deploy/deploy-store.js';
import { execForDeploy, sleep } from '../deploy/node-exec.js';
import { healthGateCommand, listCommand, startCommand, stopCommand, type Runtime } from '../runtime/runtime-commands.js';
import type { SshPool } from '../ssh/pool.js';
import { describeShortage, type ChangeGuard } from './change-guard.js';
import { probeFrontDoor } from './front-door.js';
import type { ServiceCatalog } from './service-catalog.js';
import { sloOf } from './service-view.js';

export interface DrillDeps {
  catalog: ServiceCatalog;
  guard: ChangeGuard;
  pool: SshPool;
  deployStore: () => DeployStore;
  audit: AuditLog;
  index: AuditIndex;
  dataDir: string;
  who: () => string;
  slo: () => SloSettings;
  zone: () => TimeZoneSetting;
}

export interface DrillOptions {
  service: string;
  member?: string | undefined;
  seconds?: number | undefined;
  /** Also write the report here (a change ticket's attachment). */
  reportFile?: string | undefined;
  /** Why it may run outside the maintenance window (a drill takes a member out: a change). */
  outsideWindow?: string | undefined;
}

const FRONT_DOOR_EVERY_MS = 250;
const MEMBER_EVERY_MS = 1000;

/**
 * Failover drills: take one member out, probe what clients reach, put the member back, report.
 * The member is put back whatever happens (cancel, a failed probe, a lost link); the whole drill is
 * one audited action whose outcome carries the verdict and the report's SHA-256.
 */
export class DrillService {
  /** This session's finished drills, to open their reports again. */
  private readonly finished = new Map<string, DrillResult>();
  private readonly running = new Map<string, { abort: AbortController; frame: DrillFrame; listeners: Set<(f: DrillFrame) => void> }>();

  constructor(private readonly d: DrillDeps) {}

  /** Checks it may run, then starts it; follow with `follow(id)`. */
  async start(o: DrillOptions): Promise<{ id: string; done: Promise<DrillResult> }> {
    const spec = this.d.catalog.get(o.service).spec;
    const seconds = Math.max(5, Math.min(600, Math.round(o.seconds ?? 30)));
    const ready = this.d.guard.readyOf(spec);
    if (!ready)
      throw new AppErrorException(
        appError(
          'VALIDATION',
          `${spec.name} has no readiness check to probe`,
          'Give the service a ready: port, or apply its deployment first.',
        ),
      );
    const member =
      o.member ??
      (await Promise.all(spec.members.map((m) => this.d.guard.probe(m, ready)))).find((s) => s.healthy)?.node ??
      spec.members[0]!;
    if (!spec.members.includes(member))
      throw new AppErrorException(
        appError('VALIDATION', `${member} is not a member of ${spec.name}`, `Pick one of ${spec.members.join(', ')}.`),
      );
    // Taking a member out is a change to the service: inside its window, or with a reason (audited).
    const window = this.d.guard.window(spec.deployment, member);
    const outsideWindow = o.outsideWindow?.trim();
    if (!window.open && !outsideWindow)
      throw new AppErrorException(
        appError(
          'CONFLICT',
          `A drill takes a member of ${spec.name} out, and ${member} ${window.reason}`,
          'Run it in the window, or give the reason it must run now (--outside-window REASON).',
        ),
      );
    if ([...this.running.values()].some((r) => r.frame.service === spec.name))
      throw new AppErrorException(appError('CONFLICT', `A drill of ${spec.name} is already running`, 'Wait for it, or cancel it.'));
    const state = await this.d.guard.probe(member, ready);
    if (!state.healthy)
      throw new AppErrorException(
        appError(
          'CONFLICT',
          `${member} is not serving (${state.state}): a drill takes out a serving member`,
          'Pick a member that is ready, or bring this one back first.',
        ),
      );
    const short = await this.d.guard.shortagesOfNode(member);
    if (short.length)
      throw new AppErrorException(
        appError(
          'CONFLICT',
          `A drill now would break redundancy: ${short.map((s) => describeShortage(s, member)).join('; ')}`,
          'Bring the other members back first.',
        ),
      );
    const { runtime, container } = await this.containerOf(spec.deployment, member);
    const id = crypto.randomUUID();
    const abort = new AbortController();
    const frame: DrillFrame = {
      id,
      service: spec.name,
      member,
      phase: 'checking',
      detail: 'checked: it may run',
      progress: 0,
      probes: 0,
      failures: 0,
    };
    this.running.set(id, { abort, frame, listeners: new Set() });
    const open = await this.d.audit
      .begin({
        action: 'drill.run',
        target: { service: spec.name, node: member, deployment: spec.deployment },
        params: { member, mode: 'stop', seconds, ...(!window.open && outsideWindow ? { outsideWindow } : {}) },
      })
      .catch((err: unknown) => {
        this.running.delete(id);
        throw err;
      });
    const done = this.run(id, spec.name, member, seconds, runtime, container, o.reportFile).then(
      async (result) => {
        await open.finish({
          outcome: result.verdict === 'pass' ? 'ok' : 'failed',
          ...(result.verdict === 'fail' ? { error: result.reasons.join('; ') } : {}),
          params: {
            verdict: result.verdict,
            report: result.report,
            sha256: result.sha256,
            restored: result.restored,
            probes: (result.frontDoor ? [result.frontDoor] : result.members).reduce((n, s) => n + s.probes, 0),
            failures: (result.frontDoor ? [result.frontDoor] : result.members).reduce((n, s) => n + s.failures, 0),
            p50Ms: (result.frontDoor ?? result.members[0])?.p50Ms ?? null,
            p99Ms: (result.frontDoor ?? result.members[0])?.p99Ms ?? null,
          },
        });
        return result;
      },
      async (err: unknown) => {
        await open.finish({ outcome: 'failed', error: (err as Error).message }).catch(() => undefined);
        throw err;
      },
    );
    void done.catch(() => undefined).finally(() => this.running.delete(id));
    return { id, done };
  }

  follow(id: string, emit: (f: DrillFrame) => void): () => void {
    const r = this.running.get(id);
    if (!r) throw new AppErrorException(appError('NOT_FOUND', 'That drill is over or unknown', 'Open its report from the Service view.'));
    r.listeners.add(emit);
    emit(r.frame);
    return () => r.listeners.delete(emit);
  }

  cancel(id: string): boolean {
    const r = this.running.get(id);
    r?.abort.abort();
    return r !== undefined;
  }

  async stopAll(): Promise<void> {
    for (const r of this.running.values()) r.abort.abort();
    while (this.running.size) await sleep(50);
  }

  /** A finished drill's report as written, and whether it still has the hash in the audit log. */
  report(id: string): { html: string; file: string; intact: boolean } {
    const r = this.finished.get(id);
    if (!r)
      throw new AppErrorException(
        appError(
          'NOT_FOUND',
          'That drill is unknown to this session',
          'Open the report file from the drills folder of the data directory.',
        ),
      );
    let html: string;
    try {
      html = fs.readFileSync(r.report, 'utf8');
    } catch (err) {
      throw new AppErrorException(
        appError(
          'NOT_FOUND',
          `The report ${r.report} cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
          'Its SHA-256 is in the audit log to check a copy.',
        ),
      );
    }
    return { html, file: r.report, intact: sha256Hex(html) === r.sha256 };
  }

  /** Whether a report file is one a drill wrote: its SHA-256 against the drill records of the audit log. */
  verify(file: string): { intact: boolean; sha256: string; seq?: number; service?: string; verdict?: string; at?: string } {
    const hash = sha256Hex(fs.readFileSync(file, 'utf8'));
    const rec = this.d.index.query({ action: 'drill.run', text: hash }, 0, 5).records.find((r) => r.params?.sha256 === hash);
    return rec
      ? { intact: true, sha256: hash, seq: rec.seq, service: rec.target.service ?? '', verdict: String(rec.params?.verdict), at: rec.ts }
      : { intact: false, sha256: hash };
  }

  private emit(id: string, patch: Partial<DrillFrame>): void {
    const r = this.running.get(id);
    if (!r) return;
    r.frame = { ...r.frame, ...patch };
    for (const l of r.listeners) l(r.frame);
  }

  private async containerOf(deployment: string, member: string): Promise<{ runtime: Runtime; container: string }> {
    let runtime: Runtime = 'docker';
    try {
      runtime = this.d.deployStore().rollout(deployment)?.nodes[member]?.runtime ?? 'docker';
    } catch {
      // a damaged rollout row: docker, the default runtime, and the listing below tells
    }
    const listed = await execForDeploy(this.d.pool, member, listCommand(runtime, deployment), { timeoutMs: 30_000 });
    const line = listed.stdout
      .toString('utf8')
      .split('\n')
      .map((l) => l.split('|'))
      .find(([name, state]) => name && state === 'running');
    if (!line) throw new AppErrorException(appError('NOT_FOUND', `${member} runs no container of ${deployment}`, 'Deploy it there first.'));
    return { runtime, container: line[0]! };
  }

  private async run(
    id: string,
    service: string,
    member: string,
    seconds: number,
    rt: Runtime,
    container: string,
    reportFile?: string,
  ): Promise<DrillResult> {
    const r = this.running.get(id)!;
    const signal = r.abort.signal;
    const spec = this.d.catalog.get(service).spec;
    const ready = this.d.guard.readyOf(spec)!;
    const others = spec.members.filter((m) => m !== member);
    const startedAt = Date.now();
    const door: Sample[] = [];
    const perMember = new Map<string, Sample[]>(others.map((m) => [m, []]));
    let outAt: number | null = null;
    let backAt: number | null = null;
    let restored = false;
    let restoredDetail = 'not taken out';
    try {
      this.emit(id, { phase: 'taking-out', detail: `stopping ${container} on ${member}` });
      const stopped = await execForDeploy(this.d.pool, member, stopCommand(rt, container), { timeoutMs: 60_000 });
      if (stopped.exitCode !== 0)
        throw new Error(`could not stop ${container} on ${member}: ${stopped.stderr.toString('utf8').trim().slice(0, 200)}`);
      outAt = Date.now();
      const end = outAt + seconds * 1000;
      const probeDoor = async () => {
        while (spec.frontDoor && Date.now() < end && !signal.aborted) {
          const at = Date.now();
          const s = await probeFrontDoor(spec.frontDoor, signal);
          if (signal.aborted) break;
          door.push({ at, ok: s.ok, ...(s.latencyMs !== undefined ? { latencyMs: s.latencyMs } : {}), detail: s.detail });
          await sleep(Math.max(0, FRONT_DOOR_EVERY_MS - (Date.now() - at)), signal);
        }
      };
      const probeMember = async (m: string) => {
        while (Date.now() < end && !signal.aborted) {
          const at = Date.now();
          const s = await this.d.guard.probe(m, ready, new Set(), signal);
          if (signal.aborted) break;
          perMember.get(m)!.push({ at, ok: s.healthy, ...(s.latencyMs !== undefined ? { latencyMs: s.latencyMs } : {}), detail: s.state });
          await sleep(Math.max(0, MEMBER_EVERY_MS - (Date.now() - at)), signal);
        }
      };
      const ticker = setInterval(() => {
        const all = [...door, ...[...perMember.values()].flat()];
        this.emit(id, {
          phase: 'probing',
          detail: `${member} is out; probing ${spec.frontDoor ? 'the front door and ' : ''}${others.join(', ')}: ${Math.max(0, Math.ceil((end - Date.now()) / 1000))} s left`,
          progress: Math.min(1, (Date.now() - outAt!) / (seconds * 1000)),
          probes: all.length,
          failures: all.filter((s) => !s.ok).length,
        });
      }, 500);
      try {
        await Promise.all([probeDoor(), ...others.map(probeMember)]);
      } finally {
        clearInterval(ticker);
      }
    } finally {
      // Always put the member back, even after a cancel, a failed stop or a lost link.
      {
        this.emit(id, { phase: 'restoring', detail: `starting ${container} on ${member} again` });
        try {
          await execForDeploy(this.d.pool, member, startCommand(rt, container), { timeoutMs: 60_000 });
          const gate = await execForDeploy(this.d.pool, member, healthGateCommand(ready.port, ready.path, 120, 2, 0.5), {
            timeoutMs: 150_000,
          });
          restored = gate.exitCode === 0;
          backAt = restored ? Date.now() : null;
          restoredDetail = restored ? `ready again on port ${ready.port}` : `not ready within 120 s on port ${ready.port}: check it`;
        } catch (err) {
          restoredDetail = `could not put it back: ${(err as Error).message}; start ${container} on ${member} by hand`;
        }
      }
    }
    return this.finish(id, {
      service,
      member,
      others,
      startedAt,
      outAt,
      backAt,
      seconds,
      restored,
      restoredDetail,
      cancelled: signal.aborted,
      door,
      perMember,
      reportFile,
    });
  }

  private finish(
    id: string,
    x: {
      service: string;
      member: string;
      others: string[];
      startedAt: number;
      outAt: number | null;
      backAt: number | null;
      seconds: number;
      restored: boolean;
      restoredDetail: string;
      cancelled: boolean;
      door: Sample[];
      perMember: Map<string, Sample[]>;
      reportFile?: string | undefined;
    },
  ): DrillResult {
    const spec = this.d.catalog.get(x.service).spec;
    const slo = sloOf(spec, this.d.slo());
    const frontDoor = spec.frontDoor ? probeStats(`front door ${spec.frontDoor.url}`, x.door) : null;
    const members = [...x.perMember].map(([m, s]) => probeStats(m, s));
    const { verdict, reasons } = judgeDrill(
      { frontDoor, members, restored: x.restored, restoredDetail: x.restoredDetail, cancelled: x.cancelled },
      slo,
    );
    const base = {
      id,
      service: x.service,
      member: x.member,
      others: x.others,
      operator: this.d.who(),
      objective: slo ? describeSlo(slo) : null,
      seconds: x.seconds,
      startedAt: x.startedAt,
      outAt: x.outAt,
      backAt: x.backAt,
      endedAt: Date.now(),
      frontDoor,
      members,
      restored: x.restored,
      restoredDetail: x.restoredDetail,
      cancelled: x.cancelled,
      verdict,
      reasons,
    };
    const zone = this.d.zone();
    const html = renderDrillReport(base, (ms) => isoInstant(ms, zone));
    const dir = path.join(this.d.dataDir, 'drills');
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const report = path.join(dir, `${x.service}-${new Date(x.startedAt).toISOString().replace(/[:.]/g, '-')}.html`);
    writeAtomic(report, html);
    if (x.reportFile) writeAtomic(x.reportFile, html);
    const result: DrillResult = { ...base, report: x.reportFile ?? report, sha256: sha256Hex(html) };
    this.finished.set(id, result);
    this.emit(id, { phase: verdict === 'pass' ? 'done' : 'failed', detail: reasons.join('; ') || 'passed', progress: 1, result });
    return result;
  }
}
