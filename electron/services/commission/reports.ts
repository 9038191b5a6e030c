import crypto from 'node:crypto';
import fs from 'node:fs';
import type { AuditIndex } from '../audit/audit-index.js';
import type { Verdict } from '../../../shared/commission/checks.js';
import type { CommissionSession } from '../../../shared/commission/session.js';

export interface ReportEntry {
  sessionId: string;
  file: string;
  signedAt: number;
  by: string;
  verdict: Verdict;
  sha256: string;
}

/** The signed-off ones among a node's commissionings, newest first. */
export function signedReports(sessions: CommissionSession[]): ReportEntry[] {
  return sessions
    .filter((s) => s.signoff !== null)
    .map((s) => ({
      sessionId: s.id,
      file: s.signoff!.reportFile,
      signedAt: s.signoff!.at,
      by: s.signoff!.by,
      verdict: s.signoff!.verdict,
      sha256: s.signoff!.reportSha256,
    }))
    .reverse();
}

export interface ReportVerdict {
  ok: boolean;
  sha256: string;
  record?: { seq: number; ts: string; node: string | undefined; verdict: unknown };
}

/** A report file against the audit log: its hash must be the one recorded when it was signed off. */
export function verifyReport(index: AuditIndex, file: string): ReportVerdict {
  const sha256 = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  const hit = index
    .query({ text: sha256 }, 0, 20)
    .records.find(
      (x) =>
        ((x.action === 'commission.signoff' || x.action === 'commission.run') && x.params.reportSha256 === sha256) ||
        (x.action === 'commission.report_pdf' && x.params.sha256 === sha256),
    );
  return hit
    ? { ok: true, sha256, record: { seq: hit.seq, ts: hit.ts, node: hit.target.node, verdict: hit.params.verdict } }
    : { ok: false, sha256 };
}
