import type { Backend } from '../app/backend.js';
import { AppErrorException } from '../../shared/errors.js';
import type { DrillResult } from '../../shared/service/drill.js';
import { reportError, type CliOutput } from './output.js';
import { formatTable } from './table.js';

export interface DrillCliOptions {
  member?: string;
  seconds?: string;
  report?: string;
  'outside-window'?: string;
}

function printResult(r: DrillResult, out: CliOutput): void {
  out.print(`${r.service}: drill ${r.verdict.toUpperCase()}${r.reasons.length ? ` — ${r.reasons.join('; ')}` : ''}`);
  out.print(
    `${r.member} was out ${r.outAt && r.backAt ? `${Math.round((r.backAt - r.outAt) / 1000)} s` : ''}; ${r.restored ? 'ready again' : 'NOT READY AGAIN'}: ${r.restoredDetail}`,
  );
  const rows = [...(r.frontDoor ? [r.frontDoor] : []), ...r.members].map((s) => [
    s.target,
    String(s.probes),
    String(s.failures),
    s.p50Ms === null ? '-' : `${s.p50Ms} ms`,
    s.p99Ms === null ? '-' : `${s.p99Ms} ms`,
  ]);
  out.print(formatTable(['PROBED', 'PROBES', 'FAILED', 'P50', 'P99'], rows));
  out.print(`report ${r.report} (sha256 ${r.sha256}, in the audit log)`);
}

/**
 * `edgeward drill SERVICE [--member NODE] [--seconds N] [--report FILE]`: exit 1 on a failed drill;
 * Ctrl+C ends the probing early and the member is put back all the same.
 * `edgeward drill verify FILE`: is this report the one a drill wrote (its hash in the audit log)?
 */
export async function runDrillCommand(
  backend: Backend,
  args: string[],
  out: CliOutput,
  opts: DrillCliOptions,
  usageError: (m: string) => number,
): Promise<number | undefined> {
  const [command, sub, file, ...extra] = args;
  if (command !== 'drill') return undefined;
  try {
    if (sub === 'verify') {
      if (!file || extra.length) return usageError('drill verify needs the report file');
      const v = backend.drills.verify(file);
      if (out.json) out.print(JSON.stringify(v));
      else
        out.print(
          v.intact
            ? `${file}: intact — the report of the drill of ${v.service} (${v.verdict}) recorded at audit #${v.seq}, ${v.at}`
            : `${file}: NOT a report Edgeward recorded (sha256 ${v.sha256} is in no drill record): it was changed, or comes from elsewhere`,
        );
      return v.intact ? 0 : 1;
    }
    if (!sub || file) return usageError('drill needs one service name');
    const seconds = opts.seconds !== undefined ? Number(opts.seconds) : undefined;
    if (seconds !== undefined && !(Number.isInteger(seconds) && seconds >= 5 && seconds <= 600))
      return usageError('--seconds must be a whole number from 5 to 600');
    const { id, done } = await backend.drills.start({
      service: sub,
      member: opts.member,
      seconds,
      reportFile: opts.report,
      outsideWindow: opts['outside-window'],
    });
    let lastPhase = '';
    const stop = backend.drills.follow(id, (f) => {
      if (f.phase === lastPhase) return;
      lastPhase = f.phase;
      if (out.json) out.print(JSON.stringify({ phase: f.phase, detail: f.detail }));
      else out.print(`${f.phase}: ${f.detail}`);
    });
    const onSigint = () => {
      out.error('\nCancelling: the probing ends now and the member is put back.');
      backend.drills.cancel(id);
    };
    process.once('SIGINT', onSigint);
    try {
      const result = await done;
      if (out.json) out.print(JSON.stringify(result));
      else printResult(result, out);
      return result.verdict === 'pass' ? 0 : 1;
    } finally {
      stop();
      process.removeListener('SIGINT', onSigint);
    }
  } catch (e) {
    if (e instanceof AppErrorException) return reportError(e.appError, out);
    return reportError(
      { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e), action: 'Check the member and the audit log.' },
      out,
    );
  }
}
