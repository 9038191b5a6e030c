import os from 'node:os';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  agentArgs,
  evaluateSection,
  parseCommissionFacts,
  sectionsFor,
  sectionTimeoutMs,
  type SectionId,
} from '../../../shared/commission/checks.js';
import { parseProfile, type HardwareProfile } from '../../../shared/commission/profile.js';
import {
  type CommissionSession,
  type Signer,
  newSectionState,
  sectionsToRun,
  sessionResults,
  sessionVerdict,
} from '../../../shared/commission/session.js';
import { AppErrorException, appError } from '../../../shared/errors.js';
import { sanitizeBytes } from '../../../shared/sanitize.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { AuditIndex } from '../audit/audit-index.js';
import type { Inventory } from '../fleet/inventory.js';
import { execOnNode } from '../ssh/exec.js';
import type { SshPool } from '../ssh/pool.js';
import { shellCommand } from '../ssh/shell-quote.js';
import { loadAgent } from '../agents/agent-script.js';
import { writeAtomic } from '../common/write-atomic.js';
import { signedReports, verifyReport, type ReportEntry, type ReportVerdict } from './reports.js';
import { buildReport, readReport, savePdf } from './report-files.js';
import type { TimeZoneSetting } from '../../../shared/time-format.js';

export type { ReportEntry } from './reports.js';
import { commissionDir, readSession, sessionFileNames, type StoredSession } from './session-files.js';
import { Claims, type ClaimHolder } from '../store/claims.js';
import { stateDbFile } from '../store/state-db.js';
import { requireRoom } from '../common/disk-room.js';
import type { Intent } from '../audit/intent.js';
import type { OpenIntent } from '../audit/audit-log.js';

/** What is kept per commissioning on disk: the state the UI shows, and each section's raw agent output (the evidence). */

const fail = (code: 'VALIDATION' | 'NOT_FOUND' | 'CONFLICT', message: string, action: string) =>
  new AppErrorException(appError(code, message, action));

/**
 * Commissioning: a node's facts (agents/commission.sh, one run per section) judged against a
 * hardware profile. The state is written to disk after every section, so a commissioning cut
 * short by a lost link or a closed console resumes where it stopped; the sign-off writes the HTML
 * acceptance report whose SHA-256 goes into the audit log, so anyone can later prove a report is
 * the one the console produced.
 */
/** The claim a node's commissioning run holds. */
const claimOf = (node: string) => `commission:${node}`;

export class CommissionService {
  private readonly agent = loadAgent('commission.sh');
  private readonly running = new Map<string, AbortController>();
  private readonly inFlight = new Set<Promise<CommissionSession>>();
  private readonly inFlightByNode = new Map<string, Promise<CommissionSession>>();
  private readonly listeners = new Map<string, Set<(s: CommissionSession) => void>>();

  constructor(
    private readonly pool: SshPool,
    private readonly inventory: Inventory,
    private readonly audit: AuditLog,
    private readonly index: AuditIndex,
    private readonly dataDir: string,
    private readonly technician: () => string,
    /** One process at a time runs a node's checks (the state store's claims). */
    private readonly claims: Claims = Claims.open(stateDbFile(dataDir)),
    /** The clock the report's times are written in (the settings' choice). */
    private readonly timeZone: () => TimeZoneSetting = () => 'utc',
  ) {}

  /** A new commissioning of NODE against the profile; resolves once every section has run (or the run was stopped). */
  async start(node: string, profileText: string, opts: { signal?: AbortSignal } = {}): Promise<CommissionSession> {
    return (await this.begin(node, profileText, opts)).done;
  }

  /** Runs again the sections not done yet ('remaining': resume), or those with a failing check too ('failed'). */
  async rerun(node: string, which: 'remaining' | 'failed', opts: { signal?: AbortSignal } = {}): Promise<CommissionSession> {
    return (await this.beginRerun(node, which, opts)).done;
  }

  /**
   * Starts a commissioning and returns at once with its state (the UI follows it on the topic);
   * a bad profile, an unknown node or checks already running throw here, before anything runs.
   */
  begin(
    node: string,
    profileText: string,
    opts: { signal?: AbortSignal } = {},
  ): Promise<{ session: CommissionSession; done: Promise<CommissionSession> }> {
    const profile = this.parse(profileText);
    this.requireNode(node);
    this.requireIdle(node);
    const now = Date.now();
    const ids = sectionsFor(profile);
    const stored: StoredSession = {
      session: {
        id: `${new Date(now).toISOString().replace(/[:.]/g, '-')}-${crypto.randomBytes(3).toString('hex')}`,
        node,
        profileName: profile.name,
        profileText,
        startedAt: now,
        updatedAt: now,
        sections: ids.map(newSectionState),
        overrides: [],
        signoff: null,
      },
      outputs: {},
      timings: {},
      hostKey: '',
    };
    return this.launch(stored, profile, ids, opts.signal);
  }

  beginRerun(
    node: string,
    which: 'remaining' | 'failed',
    opts: { signal?: AbortSignal } = {},
  ): Promise<{ session: CommissionSession; done: Promise<CommissionSession> }> {
    this.requireIdle(node);
    const stored = this.requireOpen(node);
    const profile = this.parse(stored.session.profileText);
    const ids = sectionsToRun(stored.session, which);
    if (ids.length === 0) throw fail('CONFLICT', 'Every check has run and none failed', 'Sign off, or start a new commissioning.');
    return this.launch(stored, profile, ids, opts.signal);
  }

  /**
   * Marks the node busy at once (so a second start is refused), writes the run's intent, and runs
   * the sections in the background; the outcome is written when they end.
   */
  private async launch(
    stored: StoredSession,
    profile: HardwareProfile,
    ids: SectionId[],
    outer?: AbortSignal,
  ): Promise<{ session: CommissionSession; done: Promise<CommissionSession> }> {
    const controller = new AbortController();
    const node = stored.session.node;
    // Room for the run's record first, then the claim: a run refused here leaves no trace.
    requireRoom(path.dirname(stateDbFile(this.dataDir)));
    requireRoom(this.nodeDirRoot());
    this.claim(node);
    this.running.set(node, controller);
    let open: OpenIntent;
    try {
      const site = this.inventory.get(node)?.site;
      open = await this.audit.begin({
        action: 'commission.run',
        target: { ...(site ? { site } : {}), node },
        params: { profile: stored.session.profileName, commissioning: stored.session.id, sections: ids },
        scriptHash: this.agent.sha256,
      });
    } catch (err) {
      this.running.delete(node);
      this.claims.release(claimOf(node));
      throw err;
    }
    try {
      this.save(stored, open.intent);
    } catch (err) {
      // Nothing ran on the node yet: the run is refused, and its intent says so.
      this.running.delete(node);
      this.claims.release(claimOf(node));
      const why = err instanceof AppErrorException ? err.appError.message : (err as Error).message;
      await open.finish({ outcome: 'failed', error: `${why} (no check ran)` }).catch(() => undefined);
      throw err;
    }
    const done = this.runSections(stored, profile, ids, controller, open, outer);
    this.inFlight.add(done);
    this.inFlightByNode.set(node, done);
    void done
      .catch(() => undefined)
      .finally(() => {
        this.inFlight.delete(done);
        if (this.inFlightByNode.get(node) === done) this.inFlightByNode.delete(node);
      });
    return { session: structuredClone(stored.session), done };
  }

  /** Stops the checks running on NODE; the section in progress is marked cancelled and can be resumed. */
  cancel(node: string): boolean {
    const c = this.running.get(node);
    c?.abort();
    return c !== undefined;
  }

  /** Stops every run of this process and waits (5 s at most) until each has recorded how far it got. */
  close(): void {
    this.claims.close();
  }

  async stopAll(): Promise<void> {
    for (const c of this.running.values()) c.abort();
    const pending = [...this.inFlight];
    if (pending.length === 0) return;
    await Promise.race([Promise.allSettled(pending), new Promise((r) => setTimeout(r, 5000).unref())]);
  }

  /** Resolves with the node's commissioning once the run this process started has ended and its outcome is on record. */
  async settled(node: string): Promise<CommissionSession | undefined> {
    await this.inFlightByNode.get(node)?.catch(() => undefined);
    return this.current(node);
  }

  /** Checks run on NODE now, from this process or another (the app and the CLI share the data directory). */
  isRunning(node: string): boolean {
    return this.running.has(node) || this.claims.heldElsewhere(claimOf(node)) !== undefined;
  }

  /** Accepts a failed check with a reason (audited); the verdict counts it as a warning. */
  async override(node: string, check: string, reason: string): Promise<CommissionSession> {
    const stored = this.requireOpen(node);
    const s = stored.session;
    if (reason.trim().length < 10)
      throw fail('VALIDATION', `Override of ${check} needs a reason (10 characters or more)`, 'Say why the failure is acceptable.');
    const result = sessionResults(s).find((r) => r.id === check);
    if (!result) throw fail('NOT_FOUND', `No check ${check} in this commissioning`, 'Choose one of the checks that ran.');
    if (result.verdict !== 'fail') throw fail('VALIDATION', `${result.title} did not fail`, 'Only a failed check can be overridden.');
    const by = this.technician();
    return this.audit.perform(
      {
        action: 'commission.override',
        target: { node },
        params: { check, profile: s.profileName, commissioning: s.id, evidence: result.evidence },
        reason: reason.trim(),
      },
      (intent) => {
        s.overrides = [...s.overrides.filter((o) => o.id !== check), { id: check, reason: reason.trim(), by, at: Date.now() }];
        this.save(stored, intent);
        return s;
      },
    );
  }

  /**
   * The technician's sign-off: every section must have run. Writes the acceptance report and records
   * its SHA-256 in the audit log; the commissioning is then closed (reviewable, no longer changed).
   */
  async signoff(node: string, signer: Signer): Promise<CommissionSession> {
    this.requireIdle(node);
    const stored = this.requireOpen(node);
    const s = stored.session;
    const verdict = sessionVerdict(s);
    if (verdict === 'incomplete') {
      const open = s.sections.filter((x) => x.status !== 'done').map((x) => x.title);
      throw fail('CONFLICT', `Not every check has run: ${open.join(', ')}`, 'Resume the commissioning, then sign off.');
    }
    const profile = this.parse(s.profileText);
    const n = this.requireNode(node);
    const by = signer.name.trim();
    const role = signer.role.trim();
    const at = Date.now();
    const { html, reportSha256 } = buildReport(stored, profile, verdict, {
      address: `${n.user}@${n.host}:${n.port}`,
      signer: { name: by, role },
      at,
      zone: this.timeZone(),
    });
    const reportFile = path.join(this.nodeDir(node), `${s.id}.html`);
    return this.audit.perform(
      {
        action: 'commission.signoff',
        target: { site: n.site, node },
        params: {
          profile: s.profileName,
          commissioning: s.id,
          verdict,
          reportSha256,
          report: path.basename(reportFile),
          overrides: s.overrides.map((o) => o.id),
          signer: by,
          role,
        },
        hostKey: stored.hostKey,
      },
      (intent) => {
        writeAtomic(reportFile, html);
        s.signoff = { by, role, at, verdict, reportFile, reportSha256 };
        this.save(stored, intent);
        return s;
      },
      () => (verdict === 'fail' ? { outcome: 'failed', error: 'the node failed its acceptance checks' } : { outcome: 'ok' }),
    );
  }

  /** The node's latest commissioning (open or signed), for the view and for offline review. */
  current(node: string): CommissionSession | undefined {
    const files = this.sessionFiles(node);
    const last = files[files.length - 1];
    return last ? this.load(node, last).session : undefined;
  }

  /** Signed-off commissionings of the node, newest first. */
  reports(node: string): ReportEntry[] {
    return signedReports(this.sessionFiles(node).map((f) => this.load(node, f).session));
  }

  session(node: string, id: string): CommissionSession | undefined {
    return this.stored(node, id)?.session;
  }

  private stored(node: string, id: string): StoredSession | undefined {
    return this.sessionFiles(node).includes(`${id}.json`) ? this.load(node, `${id}.json`) : undefined;
  }

  /** A signed report, to open it; `intact` says whether it still has its recorded hash. */
  reportHtml(node: string, id: string): { html: string; file: string; intact: boolean } {
    return readReport(this.stored(node, id));
  }

  /** Keeps a PDF printed from a signed report (the desktop app) and records its hash. */
  savePdf(node: string, id: string, pdf: Buffer): Promise<{ file: string; sha256: string }> {
    const stored = this.stored(node, id);
    if (!stored?.session.signoff) return Promise.reject(fail('NOT_FOUND', 'That commissioning has no signed report', 'Sign it off first.'));
    return savePdf({ audit: this.audit, save: (s, intent) => this.save(s, intent) }, stored, pdf);
  }

  watch(node: string, emit: (s: CommissionSession) => void): () => void {
    const set = this.listeners.get(node) ?? new Set();
    set.add(emit);
    this.listeners.set(node, set);
    const s = this.current(node);
    if (s) emit(s);
    return () => set.delete(emit);
  }

  /** A report file against the audit log: its hash must be the one recorded when it was signed off. */
  verify(file: string): ReportVerdict {
    return verifyReport(this.index, file);
  }

  private async runSections(
    stored: StoredSession,
    profile: HardwareProfile,
    ids: SectionId[],
    controller: AbortController,
    open: OpenIntent,
    outer?: AbortSignal,
  ): Promise<CommissionSession> {
    const s = stored.session;
    const node = s.node;
    const onOuter = () => controller.abort();
    outer?.addEventListener('abort', onOuter);
    if (outer?.aborted) controller.abort();
    const ran: string[] = [];
    try {
      for (const id of ids) {
        const section = s.sections.find((x) => x.id === id)!;
        if (controller.signal.aborted) break;
        Object.assign(section, { status: 'running', startedAt: Date.now(), finishedAt: null, error: undefined });
        this.save(stored, open.intent);
        ran.push(id);
        await this.runSection(stored, profile, id, controller.signal);
        this.save(stored, open.intent);
        // A lost node fails every later section the same way: stop and let the technician resume.
        if (section.status === 'failed') break;
      }
    } finally {
      this.running.delete(node);
      this.claims.release(claimOf(node));
      outer?.removeEventListener('abort', onOuter);
    }
    const results = s.sections.filter((x) => ran.includes(x.id));
    await open.finish({
      params: {
        sections: results.map((x) => `${x.id}:${x.status}`),
        checks: results.flatMap((x) => x.results.map((r) => `${r.id}:${r.verdict}`)),
      },
      outcome: results.every((x) => x.status === 'done') ? 'ok' : 'partial',
      error: results.find((x) => x.error)?.error,
      hostKey: stored.hostKey || undefined,
    });
    return s;
  }

  private async runSection(stored: StoredSession, profile: HardwareProfile, id: SectionId, signal: AbortSignal): Promise<void> {
    const section = stored.session.sections.find((x) => x.id === id)!;
    const finish = (status: 'done' | 'failed' | 'cancelled', error?: string) =>
      Object.assign(section, { status, finishedAt: Date.now(), ...(error ? { error } : {}) });
    const sentAt = Date.now();
    try {
      const r = await execOnNode(this.pool, stored.session.node, shellCommand(['sh', '-s', '--', ...agentArgs(id, profile)]), {
        stdin: this.agent.text,
        timeoutMs: sectionTimeoutMs(id, profile),
        maxOutputBytes: 512 * 1024,
        signal,
      });
      const receivedAt = Date.now();
      stored.hostKey = r.fingerprint;
      if (r.cancelled) {
        if (id === 'load') await this.removeLoadContainer(stored.session.node);
        finish('cancelled', 'stopped by the technician');
      } else if (r.lostConnection) finish('failed', `lost the node during this check: ${r.lostConnection}. Check the link, then resume.`);
      else if (r.timedOut) {
        if (id === 'load') await this.removeLoadContainer(stored.session.node);
        finish('failed', `no answer within ${Math.round(sectionTimeoutMs(id, profile) / 1000)} s. Check the node, then resume.`);
      } else {
        // Hostile until shown otherwise: escapes removed, invalid UTF-8 replaced (the FHIR body line is the longest, ≤ 88 KiB).
        const output = sanitizeBytes(r.stdout, 100_000);
        stored.outputs[id] = output;
        stored.timings[id] = { sentAt, receivedAt };
        section.results = evaluateSection(id, profile, parseCommissionFacts(output), { sentAt, receivedAt });
        // A re-run replaces the results; an override of a check that now passes no longer applies.
        stored.session.overrides = stored.session.overrides.filter(
          (o) => !section.results.some((x) => x.id === o.id && x.verdict !== 'fail'),
        );
        finish('done');
      }
    } catch (err) {
      const e = err instanceof AppErrorException ? err.appError : undefined;
      if (signal.aborted) finish('cancelled', 'stopped by the technician');
      else finish('failed', e ? `${e.message}. ${e.action ?? ''}`.trim() : err instanceof Error ? err.message : String(err));
    }
  }

  /** The load container of a stopped load section would keep the GPUs busy: remove it (best effort). */
  private async removeLoadContainer(node: string): Promise<void> {
    // Killed, not stopped: a load program need not handle SIGTERM, and a stop waits 10 s for it.
    const cmd =
      'for rt in docker podman; do command -v $rt >/dev/null 2>&1 && { $rt kill edgeward-commission-load; $rt rm -f edgeward-commission-load; } >/dev/null 2>&1; done; true';
    await execOnNode(this.pool, node, cmd, { timeoutMs: 30_000 }).catch(() => undefined);
  }

  private parse(profileText: string): HardwareProfile {
    const parsed = parseProfile(profileText);
    if (!parsed.profile)
      throw fail('VALIDATION', `The hardware profile is invalid: ${parsed.problems.join('; ')}`, 'Fix the profile and run again.');
    return parsed.profile;
  }

  private requireNode(node: string) {
    const n = this.inventory.get(node);
    if (!n) throw fail('NOT_FOUND', `No node ${node}`, 'Add it in the Fleet view (or edgeward nodes add) first.');
    return n;
  }

  private requireIdle(node: string): void {
    if (this.running.has(node)) throw fail('CONFLICT', `Checks are already running on ${node}`, 'Wait for them to finish, or stop them.');
    this.refuseHeld(node, this.claims.heldElsewhere(claimOf(node)));
  }

  private refuseHeld(node: string, holder: ClaimHolder | undefined): void {
    if (!holder) return;
    throw fail(
      'CONFLICT',
      `Checks are already running on ${node} from another Edgeward process (pid ${holder.pid}${holder.host === os.hostname() ? '' : ` on ${holder.host}`})`,
      'Wait for it to finish, or stop it there (Ctrl-C in the CLI).',
    );
  }

  /** Taken in one transaction: of two processes starting the same node's checks, one gets it. */
  private claim(node: string): void {
    this.refuseHeld(node, this.claims.take(claimOf(node)));
  }

  private requireOpen(node: string): StoredSession {
    const files = this.sessionFiles(node);
    const last = files[files.length - 1];
    const stored = last ? this.load(node, last) : undefined;
    if (!stored || stored.session.signoff) {
      throw fail('NOT_FOUND', `No open commissioning for ${node}`, 'Start one: choose the profile and run the checks.');
    }
    return stored;
  }

  private nodeDirRoot(): string {
    const root = commissionDir(this.dataDir);
    fs.mkdirSync(root, { recursive: true, mode: 0o700 });
    return root;
  }

  private nodeDir(node: string): string {
    return commissionDir(this.dataDir, node);
  }

  private sessionFiles(node: string): string[] {
    return sessionFileNames(this.dataDir, node);
  }

  private load(node: string, file: string): StoredSession {
    return readSession(this.dataDir, node, file, this.isRunning(node));
  }

  private save(stored: StoredSession, _intent: Intent): void {
    stored.session.updatedAt = Date.now();
    fs.mkdirSync(this.nodeDir(stored.session.node), { recursive: true, mode: 0o700 });
    writeAtomic(path.join(this.nodeDir(stored.session.node), `${stored.session.id}.json`), JSON.stringify(stored));
    for (const l of this.listeners.get(stored.session.node) ?? []) l(structuredClone(stored.session));
  }
}

/** Whole or not at all, also when the console is killed mid-write: temp file, fsync, rename. */
