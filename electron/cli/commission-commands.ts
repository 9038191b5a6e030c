import fs from 'node:fs';
import type { Backend } from '../app/backend.js';
import { AppErrorException } from '../../shared/errors.js';
import { reportError, type CliOutput } from './output.js';
import { formatTable } from './table.js';

/** `edgeward commission NODE --profile FILE [--report OUT.html]` and `edgeward commission verify REPORT`. */
export async function runCommission(
  backend: Backend,
  sub: string | undefined,
  rest: string[],
  out: CliOutput,
  opts: { profile?: string; report?: string },
  usageError: (m: string) => number,
): Promise<number> {
  try {
    if (sub === 'verify' && rest.length === 1) {
      const v = backend.commission.verify(rest[0]!);
      if (out.json) out.print(JSON.stringify(v));
      else if (v.ok)
        out.print(
          `authentic: recorded in the audit log as seq ${v.record!.seq} (${v.record!.ts}, ${v.record!.node}, verdict ${String(v.record!.verdict)})`,
        );
      else out.print(`NOT FOUND: no report with sha256 ${v.sha256} was recorded; the file was changed or did not come from this console`);
      return v.ok ? 0 : 1;
    }
    if (!sub || rest.length) return usageError('commission needs a node name, or verify REPORT');
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
    const r = await backend.commission.run(sub, text);
    if (opts.report) fs.copyFileSync(r.reportFile, opts.report);
    if (out.json) out.print(JSON.stringify(r));
    else {
      out.print(
        formatTable(
          ['CHECK', 'RESULT', 'EXPECTED', 'EVIDENCE'],
          r.results.map((c) => [c.title, c.verdict.toUpperCase(), c.expected, c.evidence]),
        ),
      );
      out.print(
        `\nVerdict: ${r.verdict.toUpperCase()} — report ${opts.report ?? r.reportFile} (sha256 ${r.reportSha256}, recorded in the audit log)`,
      );
    }
    return r.verdict === 'fail' ? 1 : 0;
  } catch (e) {
    if (e instanceof AppErrorException) return reportError(e.appError, out);
    throw e;
  }
}
