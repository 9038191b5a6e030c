import crypto from 'node:crypto';
import fs from 'node:fs';
import { AppErrorException, appError } from '../../../shared/errors.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Intent } from '../audit/intent.js';
import { writeAtomic } from '../common/write-atomic.js';
import type { StoredSession } from './session-files.js';
import { parseCommissionFacts, type Verdict } from '../../../shared/commission/checks.js';
import type { HardwareProfile } from '../../../shared/commission/profile.js';
import { renderReport } from '../../../shared/commission/report.js';
import { sessionResults, type Signer } from '../../../shared/commission/session.js';
import { isoInstant, type TimeZoneSetting } from '../../../shared/time-format.js';

const sha256 = (b: Buffer | string) => crypto.createHash('sha256').update(b).digest('hex');

/** The acceptance report of a finished commissioning, with times in the chosen clock, and its hash. */
export function buildReport(
  stored: StoredSession,
  profile: HardwareProfile,
  verdict: Verdict,
  o: { address: string; signer: Signer; at: number; zone: TimeZoneSetting },
): { html: string; reportSha256: string } {
  const s = stored.session;
  const html = renderReport({
    node: s.node,
    address: o.address,
    hostKey: stored.hostKey,
    technician: o.signer.name,
    role: o.signer.role,
    at: isoInstant(o.at, o.zone),
    startedAt: isoInstant(s.startedAt, o.zone),
    sessionId: s.id,
    profile,
    facts: parseCommissionFacts(s.sections.map((x) => stored.outputs[x.id] ?? '').join('\n')),
    results: sessionResults(s),
    overrides: s.overrides,
    verdict,
  });
  return { html, reportSha256: sha256(html) };
}

/** A signed commissioning's report as written, and whether it still has the hash recorded at sign-off. */
export function readReport(stored: StoredSession | undefined): { html: string; file: string; intact: boolean } {
  const signoff = stored?.session.signoff;
  if (!stored || !signoff)
    throw new AppErrorException(
      appError('NOT_FOUND', 'That commissioning has no signed report', 'Sign it off first, or pick a signed one.'),
    );
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(signoff.reportFile);
  } catch (err) {
    throw new AppErrorException(
      appError(
        'NOT_FOUND',
        `The report ${signoff.reportFile} cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
        'Restore it from a backup; its SHA-256 is in the audit log to check the copy.',
      ),
    );
  }
  return { html: bytes.toString('utf8'), file: signoff.reportFile, intact: sha256(bytes) === signoff.reportSha256 };
}

/**
 * Keeps a PDF printed from a signed report next to it and records its hash in the audit log, so a
 * printed copy can be checked like the HTML one (edgeward commission verify FILE.pdf).
 */
export async function savePdf(
  d: { audit: AuditLog; save: (stored: StoredSession, intent: Intent) => void },
  stored: StoredSession,
  pdf: Buffer,
): Promise<{ file: string; sha256: string }> {
  const signoff = stored.session.signoff;
  if (!signoff) throw new AppErrorException(appError('NOT_FOUND', 'That commissioning has no signed report', 'Sign it off first.'));
  if (pdf.subarray(0, 5).toString('latin1') !== '%PDF-')
    throw new AppErrorException(appError('INTERNAL', 'Printing the report gave no PDF', 'Try again; the HTML report is unchanged.'));
  const file = signoff.reportFile.replace(/\.html$/, '') + '.pdf';
  const hash = sha256(pdf);
  return d.audit.perform(
    {
      action: 'commission.report_pdf',
      target: { node: stored.session.node },
      params: { commissioning: stored.session.id, report: signoff.reportFile, pdf: file, sha256: hash, reportSha256: signoff.reportSha256 },
    },
    (intent) => {
      writeAtomic(file, pdf);
      signoff.pdf = { file, sha256: hash, at: Date.now() };
      d.save(stored, intent);
      return { file, sha256: hash };
    },
  );
}
