import fs from 'node:fs';
import type { Backend } from '../app/backend.js';
import { AppErrorException } from '../../shared/errors.js';
import { describeGroup } from '../../shared/service/service-health.js';
import { MaintenancePolicy, parseWindowText, windowText, type MaintenanceWindow } from '../../shared/service/maintenance-window.js';
import { reportError, type CliOutput } from './output.js';
import { formatTable } from './table.js';
import { invoke } from './through-router.js';
import { cliTime } from './time.js';

export interface ServiceCliOptions {
  tz?: string;
  window?: string[];
  clear?: boolean;
}

const failed = (e: unknown, out: CliOutput): number =>
  e instanceof AppErrorException
    ? reportError(e.appError, out)
    : reportError({ code: 'INTERNAL', message: e instanceof Error ? e.message : String(e), action: 'See the audit log.' }, out);

function readFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new AppErrorException({
      code: 'NOT_FOUND',
      message: `Cannot read ${file}: ${(e as Error).message}`,
      action: 'Give the path of a service YAML.',
    });
  }
}

/**
 * `services apply FILE | validate FILE | rm NAME | ls | show NAME`, and `sites windows [SITE --tz TZ
 * --window "tue 02:00-04:00"... | SITE --clear]`: the same channels the Service view uses.
 */
export async function runServiceCommand(
  backend: Backend,
  args: string[],
  out: CliOutput,
  opts: ServiceCliOptions,
  usageError: (m: string) => number,
): Promise<number | undefined> {
  const [command, sub, target, ...extra] = args;
  if (command === 'sites') return sitesCommand(backend, sub, target, extra, out, opts, usageError);
  if (command !== 'services') return undefined;
  try {
    if (sub === 'ls' && !target) {
      const { services } = await invoke(backend, 'service.list', {});
      if (out.json) out.print(JSON.stringify({ services }));
      else if (!services.length) out.print('No services. Define one in YAML and run: edgeward services apply FILE');
      else
        out.print(
          formatTable(
            ['SERVICE', 'DEPLOYMENT', 'MEMBERS', 'CHANGED'],
            services.map((s) => [
              s.name,
              s.deployment ?? '-',
              s.damaged ? `damaged: ${s.damaged}` : s.members.join(', '),
              s.updatedAt ? `${cliTime(s.updatedAt)} by ${s.by}` : '-',
            ]),
          ),
        );
      return 0;
    }
    if (!target || extra.length) return usageError('services needs a subcommand and one argument');
    switch (sub) {
      case 'validate':
      case 'apply': {
        const text = readFile(target);
        const { problems } = await invoke(backend, 'service.validate', { text });
        if (problems.length) {
          if (out.json) out.print(JSON.stringify({ problems }));
          for (const p of problems) out.error(`${target}:${p.line}:${p.column}: ${p.path ? `${p.path}: ` : ''}${p.message}`);
          return 2;
        }
        if (sub === 'validate') {
          out.print(out.json ? JSON.stringify({ problems: [] }) : `${target}: valid`);
          return 0;
        }
        const s = await invoke(backend, 'service.apply', { text });
        out.print(out.json ? JSON.stringify(s) : `${s.name}: applied (deployment ${s.deployment}, members ${s.members.join(', ')})`);
        return 0;
      }
      case 'rm':
        await invoke(backend, 'service.remove', { name: target });
        out.print(out.json ? JSON.stringify({ removed: target }) : `${target}: removed`);
        return 0;
      case 'show': {
        const d = await invoke(backend, 'service.show', { name: target });
        if (out.json) {
          out.print(JSON.stringify(d));
          return d.health.level === 'down' ? 1 : 0;
        }
        out.print(`${d.spec.name}: ${d.health.level.toUpperCase()} — ${d.health.summary}`);
        out.print(`deployment ${d.spec.deployment}; objective ${d.slo ?? 'none'}${d.window ? `; maintenance window ${d.window}` : ''}`);
        const av = d.availability;
        out.print(
          av.pct === null
            ? `availability: no probe recorded yet (the app probes every 30 s while it runs)`
            : `availability ${av.pct.toFixed(3)} % over ${av.days} days (${av.probes} probes since ${cliTime(av.since!)})${av.budgetLeftPct !== null ? `; error budget ${Math.max(0, av.budgetLeftPct).toFixed(0)} % left${av.budgetLeftPct < 0 ? ' (overspent)' : ''} against ${av.targetPct} %` : ''}`,
        );
        if (d.frontDoor) out.print(`front door ${d.frontDoor.url}: ${d.frontDoor.ok ? 'answers' : 'FAILS'} (${d.frontDoor.detail})`);
        for (const g of d.groups) {
          out.print(`group ${g.name}: ${describeGroup(g)}`);
          out.print(
            formatTable(
              ['MEMBER', 'READY', 'STATE', 'REVISION'],
              g.members.map((m) => [m.node, m.healthy ? 'yes' : 'no', m.state, m.revision !== undefined ? String(m.revision) : '-']),
            ),
          );
        }
        if (d.changes.length) {
          out.print('recent changes:');
          for (const r of d.changes.slice(0, 10))
            out.print(
              `  #${r.seq} ${cliTime(Date.parse(r.ts))} ${r.action} ${r.outcome}${r.target.node ? ` on ${r.target.node}` : ''} by ${r.actor.operator || r.actor.osUser}${r.error ? `: ${r.error}` : ''}`,
            );
        }
        return d.health.level === 'down' ? 1 : 0;
      }
      default:
        return usageError(`unknown services subcommand: ${sub}`);
    }
  } catch (e) {
    return failed(e, out);
  }
}

async function sitesCommand(
  backend: Backend,
  sub: string | undefined,
  site: string | undefined,
  extra: string[],
  out: CliOutput,
  opts: ServiceCliOptions,
  usageError: (m: string) => number,
): Promise<number> {
  if (sub !== 'windows' || extra.length) return usageError('sites windows [SITE --tz ZONE --window "tue 02:00-04:00"... | SITE --clear]');
  try {
    if (!site) {
      const { sites } = await invoke(backend, 'site.windows.list', {});
      if (out.json) out.print(JSON.stringify({ sites }));
      else if (!sites.length) out.print('No site has maintenance windows.');
      else for (const s of sites) out.print(`${s.site} (${s.policy.timeZone}): ${s.policy.windows.map(windowText).join('; ')}`);
      return 0;
    }
    if (opts.clear) {
      await invoke(backend, 'site.windows.set', { site, policy: null });
      out.print(`${site}: maintenance windows cleared`);
      return 0;
    }
    if (!opts.tz || !opts.window?.length) return usageError('give --tz ZONE and at least one --window, or --clear');
    const windows: MaintenanceWindow[] = [];
    for (const w of opts.window) {
      const parsed = parseWindowText(w);
      if (typeof parsed === 'string') return usageError(parsed);
      windows.push(parsed);
    }
    const policy = MaintenancePolicy.safeParse({ timeZone: opts.tz, windows });
    if (!policy.success) return usageError(`--tz ${opts.tz}: ${policy.error.issues[0]!.message}`);
    await invoke(backend, 'site.windows.set', { site, policy: policy.data });
    out.print(`${site}: ${windows.length} maintenance window(s) in ${opts.tz}`);
    return 0;
  } catch (e) {
    return failed(e, out);
  }
}
