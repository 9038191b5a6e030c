import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { evaluate, overall, parseCommissionFacts, type CheckResult, type Verdict } from '../../../shared/commission/checks.js';
import { parseProfile } from '../../../shared/commission/profile.js';
import { renderReport } from '../../../shared/commission/report.js';
import { AppErrorException, appError } from '../../../shared/errors.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { AuditIndex } from '../audit/audit-index.js';
import type { Inventory } from '../fleet/inventory.js';
import { execOnNode } from '../ssh/exec.js';
import type { SshPool } from '../ssh/pool.js';
import { shellCommand } from '../ssh/shell-quote.js';
import { loadAgent } from '../telemetry/agent-script.js';

export interface CommissionResult {
  node: string;
  verdict: Verdict;
  results: CheckResult[];
  reportFile: string;
  reportSha256: string;
}

/**
 * Commissioning: the node's facts (agents/commission.sh) judged against a hardware profile, an
 * HTML acceptance report written under the data directory, and its SHA-256 in the audit log so
 * anyone can later prove a report is the one the console produced.
 */
export class CommissionService {
  private readonly agent = loadAgent('commission.sh');

  constructor(
    private readonly pool: SshPool,
    private readonly inventory: Inventory,
    private readonly audit: AuditLog,
    private readonly index: AuditIndex,
    private readonly dataDir: string,
    private readonly technician: () => string,
  ) {}

  async run(
    node: string,
    profileText: string,
    opts: { overrides?: { id: string; reason: string }[]; signal?: AbortSignal } = {},
  ): Promise<CommissionResult> {
    const parsed = parseProfile(profileText);
    if (!parsed.profile) {
      throw new AppErrorException(
        appError('VALIDATION', `The hardware profile is invalid: ${parsed.problems.join('; ')}`, 'Fix the profile file and run again.'),
      );
    }
    const profile = parsed.profile;
    const n = this.inventory.get(node);
    if (!n)
      throw new AppErrorException(appError('NOT_FOUND', `No node ${node}`, 'Add it in the Fleet view (or edgeward nodes add) first.'));
    for (const o of opts.overrides ?? []) {
      if (o.reason.trim().length < 10) {
        throw new AppErrorException(
          appError('VALIDATION', `Override of ${o.id} needs a reason (10 characters or more)`, 'Say why the failure is acceptable.'),
        );
      }
    }
    const args = ['sh', '-s', '--', profile.modelVolume?.path ?? '/'];
    if (profile.containerRuntime && profile.testImage) args.push(profile.testImage, ...profile.testCommand);
    const sentAt = Date.now();
    const r = await execOnNode(this.pool, node, shellCommand(args), {
      stdin: this.agent.text,
      timeoutMs: 120_000,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    const receivedAt = Date.now();
    if (r.lostConnection)
      throw new AppErrorException(
        appError('UNREACHABLE', `Lost ${node} during the checks: ${r.lostConnection}`, 'Check the link and run the checks again.'),
      );
    const facts = parseCommissionFacts(r.stdout.toString('utf8'));
    const results = evaluate(profile, facts, sentAt, receivedAt);
    const overrides = (opts.overrides ?? []).filter((o) => results.some((x) => x.id === o.id && x.verdict === 'fail'));
    const verdict = overall(results, new Set(overrides.map((o) => o.id)));
    const at = new Date().toISOString();
    const html = renderReport({
      node,
      address: `${n.user}@${n.host}:${n.port}`,
      hostKey: r.fingerprint,
      technician: this.technician(),
      at,
      profile,
      facts,
      results,
      overrides,
      verdict,
    });
    const reportSha256 = crypto.createHash('sha256').update(html).digest('hex');
    const dir = path.join(this.dataDir, 'commissioning', node);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const reportFile = path.join(dir, `${at.replace(/[:.]/g, '-')}.html`);
    fs.writeFileSync(reportFile, html, { mode: 0o600 });
    for (const o of overrides) {
      await this.audit.append({
        action: 'commission.override',
        target: { node },
        params: { check: o.id, profile: profile.name },
        reason: o.reason,
        outcome: 'ok',
        durationMs: 0,
      });
    }
    await this.audit.append({
      action: 'commission.run',
      target: { site: n.site, node },
      params: {
        profile: profile.name,
        verdict,
        reportSha256,
        report: path.basename(reportFile),
        checks: results.map((c) => `${c.id}:${c.verdict}`),
      },
      outcome: verdict === 'fail' ? 'failed' : 'ok',
      durationMs: receivedAt - sentAt,
      hostKey: r.fingerprint,
      scriptHash: this.agent.sha256,
    });
    return { node, verdict, results, reportFile, reportSha256 };
  }

  /** A report file against the audit log: its hash must be the one recorded when it was produced. */
  verify(file: string): { ok: boolean; sha256: string; record?: { seq: number; ts: string; node: string | undefined; verdict: unknown } } {
    const sha256 = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    const hit = this.index.query({ action: 'commission.run', text: sha256 }, 0, 5).records.find((x) => x.params.reportSha256 === sha256);
    return hit
      ? { ok: true, sha256, record: { seq: hit.seq, ts: hit.ts, node: hit.target.node, verdict: hit.params.verdict } }
      : { ok: false, sha256 };
  }

  reports(node: string): string[] {
    const dir = path.join(this.dataDir, 'commissioning', node);
    return fs.existsSync(dir)
      ? fs
          .readdirSync(dir)
          .filter((f) => f.endsWith('.html'))
          .sort()
      : [];
  }
}
