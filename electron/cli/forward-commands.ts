import fs from 'node:fs';
import type { Backend } from '../app/backend.js';
import { AppErrorException } from '../../shared/errors.js';
import { reportError, type CliOutput } from './output.js';
import { formatTable } from './table.js';
import { cliTime } from './time.js';

export interface ForwardCliOptions {
  format?: string;
  ca?: string;
  follow?: boolean;
}

/**
 * `audit forward add URL [--format json|atna] [--ca FILE]`, `audit forward ls|status [--json]`,
 * `audit forward rm URL`, `audit forward run [--follow]`: the audit log to SIEM collectors.
 */
export async function runForwardCommand(
  backend: Backend,
  args: string[],
  out: CliOutput,
  opts: ForwardCliOptions,
  usageError: (m: string) => number,
): Promise<number | undefined> {
  const [command, sub, verb, ...rest] = args;
  if (command !== 'audit' || sub !== 'forward') return undefined;
  const f = backend.forwarding;
  try {
    switch (verb) {
      case 'add': {
        if (rest.length !== 1) return usageError('audit forward add needs one syslog+tls://HOST:PORT address');
        const ca = opts.ca !== undefined ? fs.readFileSync(opts.ca, 'utf8') : undefined;
        const added = await f.add(rest[0]!, { ...(opts.format ? { format: opts.format } : {}), ...(ca ? { ca } : {}) });
        out.print(
          out.json
            ? JSON.stringify(added)
            : `${added.url}: every audit record will be forwarded, from seq 1 (${f.status().find((s) => s.url === added.url)?.lag ?? 0} pending)`,
        );
        return 0;
      }
      case 'rm':
        if (rest.length !== 1) return usageError('audit forward rm needs the address');
        await f.remove(rest[0]!);
        out.print(out.json ? JSON.stringify({ removed: rest[0] }) : `${rest[0]}: no longer forwarded to`);
        return 0;
      case 'ls':
      case 'status': {
        const rows = f.status();
        if (out.json) out.print(JSON.stringify({ forwarders: rows.map(({ ca, ...r }) => ({ ...r, ca: ca ? 'given' : 'system' })) }));
        else if (!rows.length)
          out.print('No forwarding target. Add one: edgeward audit forward add syslog+tls://siem.example:6514 --ca ca.pem');
        else
          out.print(
            formatTable(
              ['TARGET', 'FORMAT', 'CURSOR', 'LAG', 'LAST OK', 'LAST ERROR'],
              rows.map((r) => [
                r.url,
                r.format,
                String(r.cursor),
                String(r.lag),
                r.lastOkAt ? cliTime(r.lastOkAt) : '-',
                r.lastError ?? '-',
              ]),
            ),
          );
        return 0;
      }
      case 'run': {
        const once = async () => {
          const results = await f.deliverAll();
          for (const r of results) out.print(r.error ? `${r.url}: ${r.error}` : `${r.url}: delivered up to seq ${r.cursor}`);
          return results.every((r) => !r.error);
        };
        if (!opts.follow) return (await once()) ? 0 : 1;
        const stop = new Promise<void>((r) => process.once('SIGINT', () => r()));
        let stopped = false;
        void stop.then(() => (stopped = true));
        while (!stopped) {
          if (f.status().some((s) => s.lag > 0)) await once();
          await Promise.race([stop, new Promise((r) => setTimeout(r, 2000))]);
        }
        return 0;
      }
      default:
        return usageError('audit forward add URL [--format json|atna] [--ca FILE] | ls | status | rm URL | run [--follow]');
    }
  } catch (e) {
    if (e instanceof AppErrorException) return reportError(e.appError, out);
    return reportError({ code: 'INTERNAL', message: (e as Error).message, action: 'Check the address and the CA file.' }, out);
  }
}
