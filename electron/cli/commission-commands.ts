import fs from 'node:fs';
import type { Backend } from '../app/backend.js';
import { AppErrorException } from '../../shared/errors.js';
import { sessionResults, Signer, type CommissionSession } from '../../shared/commission/session.js';
import { reportError, type CliOutput } from './output.js';
import { formatTable } from './table.js';
import { invoke } from './through-router.js';
import { cliTime } from './time.js';

const CLI = { transport: 'cli' as const, clientId: 'cli' };

/**
 * `edgeward commission NODE --profile FILE [--report OUT.html]`: runs every check, then signs off as
 * the operator and writes the report. `commission resume NODE` finishes a commissioning that was cut
 * short; `commission verify REPORT` checks a report against the audit log; `commission reports NODE`.
 * Exit 1 when the verdict is fail, 3 when checks could not run (resume later).
 */
export async function runCommission(
  backend: Backend,
  sub: string | undefined,
  rest: string[],
  out: CliOutput,
  opts: { profile?: string; report?: string; signer?: string; role?: string },
  usageError: (m: string) => number,
): Promise<number> {
  const c = backend.commission;
  try {
    if (sub === 'verify' && rest.length === 1) {
      const v = c.verify(rest[0]!);
      if (out.json) out.print(JSON.stringify(v));
      else if (v.ok)
        out.print(
          `authentic: recorded in the audit log as seq ${v.record!.seq} (${v.record!.ts}, ${v.record!.node}, verdict ${String(v.record!.verdict)})`,
        );
      else out.print(`NOT FOUND: no report with sha256 ${v.sha256} was recorded; the file was changed or did not come from this console`);
      return v.ok ? 0 : 1;
    }
    if (sub === 'reports' && rest.length === 1) {
      const reports = c.reports(rest[0]!);
      if (out.json) out.print(JSON.stringify(reports));
      else
        out.print(
          reports.length
            ? formatTable(
                ['SIGNED', 'BY', 'VERDICT', 'REPORT'],
                reports.map((r) => [cliTime(r.signedAt), r.by, r.verdict.toUpperCase(), r.file]),
              )
            : `No signed-off commissioning for ${rest[0]}.`,
        );
      return 0;
    }
    // Who signs off is asked before anything runs, so a long run never ends unsigned for want of it.
    const signer = Signer.safeParse({ name: opts.signer ?? '', role: opts.role ?? '' });
    const needsSigner = sub !== 'verify' && sub !== 'reports';
    if (needsSigner && !signer.success)
      return usageError('commission signs off at the end: say who signs with --signer "NAME" --role "ROLE" (2 to 100 characters each)');
    const signing = { ...opts, signer: signer.data! };
    if (sub === 'resume' && rest.length === 1)
      return await follow(
        backend,
        rest[0]!,
        () => invoke(backend, 'commission.rerun', { node: rest[0]!, which: 'remaining' }),
        out,
        signing,
      );
    if (!sub || rest.length) return usageError('commission needs a node name (or resume NODE, reports NODE, verify REPORT)');
    if (!opts.profile) return usageError('commission needs --profile FILE (a YAML hardware profile)');
    let text: string;
    try {
      text = fs.readFileSync(opts.profile, 'utf8');
    } catch (e) {
      return reportError(
        {
          code: 'NOT_FOUND',
          message: `Cannot read ${opts.profile}: ${(e as Error).message}`,
          action: 'Give the path of a YAML hardware profile.',
        },
        out,
      );
    }
    return await follow(backend, sub, () => invoke(backend, 'commission.start', { node: sub, profile: text }), out, signing);
  } catch (e) {
    if (e instanceof AppErrorException) return reportError(e.appError, out);
    throw e;
  }
}

/**
 * Starts the run through the router (as the window does), shows its progress from the router's
 * commission.session topic on stderr (Ctrl-C cancels through the router too), then signs off when
 * every check ran.
 */
async function follow(
  backend: Backend,
  node: string,
  begin: () => Promise<CommissionSession>,
  out: CliOutput,
  opts: { report?: string; signer: Signer },
): Promise<number> {
  const c = backend.commission;
  // Started first, so the progress below is this run's (a bad profile or a busy node throws here).
  const started = await begin();
  const shown = new Map<string, string>();
  const sub = backend.router.subscribe(
    'commission.session',
    { node },
    (frame) => {
      const s = frame as CommissionSession;
      if (s.id !== started.id) return;
      for (const x of s.sections) {
        if (shown.get(x.id) === x.status || x.status === 'pending') continue;
        shown.set(x.id, x.status);
        const worst = x.results.find((r) => r.verdict === 'fail') ?? x.results.find((r) => r.verdict === 'warn');
        out.error(
          `  ${x.status.padEnd(9)} ${x.title}${x.status === 'done' ? `: ${worst ? worst.verdict.toUpperCase() : 'PASS'}` : ''}${x.error ? ` (${x.error})` : ''}`,
        );
      }
    },
    CLI,
  );
  const onSigint = () => {
    out.error(`\nStopping the checks on ${node}; resume later with: edgeward commission resume ${node}`);
    void invoke(backend, 'commission.cancel', { node }).catch(() => undefined);
  };
  process.once('SIGINT', onSigint);
  let s: CommissionSession;
  try {
    s = (await c.settled(node)) ?? started;
  } finally {
    if (sub.ok) sub.value();
    process.removeListener('SIGINT', onSigint);
  }
  const unfinished = s.sections.filter((x) => x.status !== 'done');
  if (unfinished.length) {
    if (out.json) out.print(JSON.stringify(s));
    else {
      printResults(s, out);
      out.print(`\nNot finished: ${unfinished.map((x) => `${x.title} (${x.status}${x.error ? `: ${x.error}` : ''})`).join('; ')}`);
      out.print(`Resume with: edgeward commission resume ${node}`);
    }
    return 3;
  }
  s = await invoke(backend, 'commission.signoff', { node, signer: opts.signer });
  const signoff = s.signoff!;
  if (opts.report) fs.copyFileSync(signoff.reportFile, opts.report);
  if (out.json) out.print(JSON.stringify({ ...s, verdict: signoff.verdict, results: sessionResults(s) }));
  else {
    printResults(s, out);
    out.print(
      `\nVerdict: ${signoff.verdict.toUpperCase()} — report ${opts.report ?? signoff.reportFile} (sha256 ${signoff.reportSha256}, recorded in the audit log)`,
    );
  }
  return signoff.verdict === 'fail' ? 1 : 0;
}

function printResults(s: CommissionSession, out: CliOutput): void {
  out.print(
    formatTable(
      ['CHECK', 'RESULT', 'EXPECTED', 'EVIDENCE'],
      sessionResults(s).map((r) => [r.title, r.verdict.toUpperCase(), r.expected, r.evidence]),
    ),
  );
}
