import fs from 'node:fs';
import type { Backend } from '../app/backend.js';
import { AppErrorException } from '../../shared/errors.js';
import type { RegistrySetting } from '../../shared/settings.js';
import type { CliIo } from './fleet-commands.js';
import { reportError, type CliOutput } from './output.js';
import { formatTable } from './table.js';
import { invoke } from './through-router.js';

export interface RegistryCliOptions {
  ca?: string;
  insecure?: boolean;
  user?: string;
  'password-stdin'?: boolean;
}

/**
 * `registry add HOST [--ca FILE] [--insecure] [--user U] [--password-stdin]`, `registry ls`,
 * `registry rm HOST`, `registry login HOST --password-stdin`: the registries Settings → Registries
 * shows, through the same router (audited as a settings change; the password as which secret, never
 * its value). A password given to the CLI lasts for this run only: give it again with the command
 * that pulls (`deploy apply FILE --password-stdin`), or keep it in the app.
 */
export async function runRegistryCommand(
  backend: Backend,
  args: string[],
  out: CliOutput,
  opts: RegistryCliOptions,
  io: CliIo,
  usageError: (m: string) => number,
): Promise<number | undefined> {
  const [command, sub, ...rest] = args;
  if (command !== 'registry') return undefined;
  const list = () => backend.settings.get().registries;
  try {
    if (sub === 'ls' && rest.length === 0) {
      const rows = list();
      if (out.json) out.print(JSON.stringify({ registries: rows.map(({ ca, ...r }) => ({ ...r, ca: ca ? 'given' : 'system' })) }));
      else if (!rows.length) out.print('No registry set up: every pull uses the system CAs and no login.');
      else
        out.print(
          formatTable(
            ['REGISTRY', 'TLS', 'USER', 'PASSWORD'],
            rows.map((r) => [
              r.host,
              r.insecure ? 'plain HTTP' : r.ca ? 'own CA' : 'system CAs',
              r.username ?? '-',
              r.username ? (backend.deploy.registry.credentialsOf(r.host) ? 'kept' : 'not given') : '-',
            ]),
          ),
        );
      return 0;
    }
    if (sub === 'add' && rest.length === 1) {
      const host = rest[0]!;
      const entry: RegistrySetting = {
        host,
        ...(opts.ca ? { ca: fs.readFileSync(opts.ca, 'utf8') } : {}),
        ...(opts.insecure ? { insecure: true } : {}),
        ...(opts.user ? { username: opts.user } : {}),
      };
      await invoke(backend, 'settings.set', { registries: [...list().filter((r) => r.host !== host), entry] });
      if (opts['password-stdin']) await invoke(backend, 'registry.login', { host, password: await io.readStdin(), persist: false });
      out.print(out.json ? JSON.stringify({ registry: host }) : `${host}: set up${opts.user ? ` (user ${opts.user})` : ''}`);
      return 0;
    }
    if (sub === 'rm' && rest.length === 1) {
      if (!list().some((r) => r.host === rest[0]))
        return reportError({ code: 'NOT_FOUND', message: `${rest[0]} is not set up`, action: 'See edgeward registry ls.' }, out);
      await invoke(backend, 'settings.set', { registries: list().filter((r) => r.host !== rest[0]) });
      out.print(out.json ? JSON.stringify({ removed: rest[0] }) : `${rest[0]}: removed`);
      return 0;
    }
    if (sub === 'login' && rest.length === 1 && opts['password-stdin']) {
      await invoke(backend, 'registry.login', { host: rest[0]!, password: await io.readStdin(), persist: false });
      out.print(out.json ? JSON.stringify({ registry: rest[0], persisted: false }) : `${rest[0]}: password set for this run`);
      return 0;
    }
  } catch (e) {
    if (e instanceof AppErrorException) return reportError(e.appError, out);
    throw e;
  }
  return usageError(
    'registry add HOST [--ca FILE] [--insecure] [--user U] [--password-stdin] | ls | rm HOST | login HOST --password-stdin',
  );
}

/** The registry host of a spec's image (for `deploy apply --password-stdin`). */
export function registryHostOfSpec(text: string): string | undefined {
  const image = /^image:\s*["']?([^\s"'#]+)/m.exec(text)?.[1];
  const first = image?.split('/')[0];
  return first && image!.includes('/') && /[.:]|^localhost$/.test(first) ? first : undefined;
}
