import fs from 'node:fs';
import type { Backend } from '../app/backend.js';
import type { Rollout } from '../../shared/deploy/rollout.js';
import { AppErrorException } from '../../shared/errors.js';
import { lineSanitizer, reportError, type CliOutput } from './output.js';
import type { CliIo } from './fleet-commands.js';
import { formatTable } from './table.js';
import { invoke } from './through-router.js';
import { registryHostOfSpec } from './registry-commands.js';
import { cliTime } from './time.js';

export interface DeployCliOptions {
  yes?: boolean;
  node?: string;
  follow?: boolean;
  emergency?: string;
  'password-stdin'?: boolean;
}

const failed = (e: unknown, out: CliOutput): number => {
  if (e instanceof AppErrorException) return reportError(e.appError, out);
  return reportError(
    { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e), action: 'See the audit log and the node.' },
    out,
  );
};

function progressLine(r: Rollout): string {
  const steps = Object.values(r.nodes);
  const count = (s: string) => steps.filter((x) => x.state === s).length;
  return `[${r.status}] ${count('done')}/${steps.length} done${count('failed') + count('rolled-back') ? `, ${count('failed') + count('rolled-back')} failed` : ''} — ${r.message}`;
}

function printRollout(r: Rollout, out: CliOutput): void {
  out.print(`${r.deployment} revision ${r.revision} (${r.kind}) ${r.status}: ${r.message}`);
  out.print(`image ${r.image} pinned as ${r.pinnedImage}; spec ${r.specHash}`);
  out.print(
    formatTable(
      ['NODE', 'WAVE', 'IMAGE BY', 'STATE', 'DETAIL'],
      Object.values(r.nodes)
        .sort((a, b) => a.wave - b.wave || a.node.localeCompare(b.node))
        .map((s) => [s.node, String(s.wave === 0 ? 'canary' : s.wave), s.delivery ?? 'pull', s.state, s.detail]),
    ),
  );
  for (const x of r.refused) out.print(`refused ${x.node}: ${x.reason}`);
}

const ENDED = new Set(['succeeded', 'failed', 'rolled-back', 'aborted', 'halted', 'interrupted']);
const CLI = { transport: 'cli' as const, clientId: 'cli' };

/**
 * Follows a rollout to its end on the router's deploy.rollout topic (what the window follows), one
 * line per change of a node's step; exit 0 only when it succeeded. Ctrl+C aborts it through the
 * router, audited like the Abort button.
 */
async function follow(backend: Backend, started: Rollout, out: CliOutput): Promise<number> {
  const name = started.deployment;
  const last = new Map<string, string>();
  let stop: () => void = () => undefined;
  const final = new Promise<Rollout>((resolve, reject) => {
    const sub = backend.router.subscribe(
      'deploy.rollout',
      { name },
      (frame) => {
        const r = frame as Rollout;
        if (r.id !== started.id) return;
        for (const s of Object.values(r.nodes)) {
          if (last.get(s.node) === s.state) continue;
          last.set(s.node, s.state);
          if (out.json) out.print(JSON.stringify({ node: s.node, state: s.state, detail: s.detail, at: s.updatedAt }));
          else out.print(`${s.node}: ${s.state} ${s.detail}`);
        }
        if (ENDED.has(r.status)) resolve(r);
      },
      CLI,
    );
    if (sub.ok) stop = sub.value;
    else reject(new AppErrorException(sub.error));
  });
  const onSigint = () => {
    out.error(`\nStopping: the rollout of ${name} is aborted; nodes keep what runs on them now.`);
    void invoke(backend, 'deploy.control', { name, action: 'abort' }).catch(() => undefined);
  };
  process.once('SIGINT', onSigint);
  try {
    const r = await final;
    // The outcome is on record before the command says how it ended.
    await backend.deploy.settled(name);
    if (out.json) out.print(JSON.stringify(r));
    else {
      out.print('');
      printRollout(r, out);
    }
    return r.status === 'succeeded' ? 0 : 1;
  } finally {
    stop();
    process.removeListener('SIGINT', onSigint);
  }
}

/**
 * `edgeward deploy apply SPEC [--yes]`, `deploy status NAME`, `deploy rollback NAME`,
 * `deploy resume|halt|abort NAME`, `deploy logs NAME --node NODE [--follow]`, `deploy validate SPEC`.
 */
export async function runDeployCommand(
  backend: Backend,
  args: string[],
  out: CliOutput,
  opts: DeployCliOptions,
  io: CliIo,
  usageError: (m: string) => number,
): Promise<number | undefined> {
  const [command, sub, target, ...extra] = args;
  if (command !== 'deploy') return undefined;
  if (!sub || !target || extra.length) return usageError('deploy needs a subcommand and one argument');
  const readSpec = () => {
    try {
      return fs.readFileSync(target, 'utf8');
    } catch (e) {
      throw new AppErrorException({
        code: 'NOT_FOUND',
        message: `Cannot read ${target}: ${(e as Error).message}`,
        action: 'Give the path of a YAML spec.',
      });
    }
  };
  try {
    switch (sub) {
      case 'validate': {
        const { problems } = await invoke(backend, 'deploy.validate', { text: readSpec() });
        if (out.json) out.print(JSON.stringify({ problems }));
        else if (problems.length === 0) out.print(`${target}: valid`);
        else for (const p of problems) out.print(`${target}:${p.line}:${p.column}: ${p.path ? `${p.path}: ` : ''}${p.message}`);
        return problems.length ? 2 : 0;
      }
      case 'apply': {
        const text = readSpec();
        const { problems } = await invoke(backend, 'deploy.validate', { text });
        if (problems.length) {
          for (const p of problems) out.error(`${target}:${p.line}:${p.column}: ${p.path ? `${p.path}: ` : ''}${p.message}`);
          return 2;
        }
        // The registry's password for this run: the console resolves the digest with it, and each node's pull gets it on stdin.
        if (opts['password-stdin']) {
          const host = registryHostOfSpec(text);
          if (!host) return usageError("--password-stdin is for the image's registry, and this spec's image names none");
          await invoke(backend, 'registry.login', { host, password: await io.readStdin(), persist: false });
        }
        const plan = await invoke(backend, 'deploy.plan', { text });
        if (!out.json) {
          out.print(
            `${plan.name}: ${plan.accepted.length} node(s) can take it${plan.refused.length ? `, ${plan.refused.length} refused` : ''}`,
          );
          for (const a of plan.accepted)
            out.print(`  ${a.node} (${a.runtime}${a.gpuIndices.length ? `, GPU ${a.gpuIndices.join(',')}` : ''}): ${a.deliveryWhy}`);
          for (const r of plan.refused) out.print(`  refused ${r.node}: ${r.reason}`);
          plan.waves.forEach((w, i) => {
            if (w.waitsFor.length)
              out.print(
                `  wave ${i === 0 ? 'canary' : i} (${w.nodes.join(', ')}) ${w.waitsFor.join('; ')}${opts.emergency ? ' — runs now: emergency' : ''}`,
              );
          });
        }
        const go =
          opts.yes || (io.isTty && /^y(es)?$/i.test(await io.ask(`Roll out ${plan.name} to ${plan.accepted.length} node(s)? [y/N] `)));
        if (!go) {
          out.error('Not applied. Run again with --yes to apply without asking.');
          return 1;
        }
        return follow(
          backend,
          await invoke(backend, 'deploy.apply', { text, ...(opts.emergency ? { emergency: opts.emergency } : {}) }),
          out,
        );
      }
      case 'status': {
        const s = backend.deploy.status(target);
        if (out.json) out.print(JSON.stringify(s));
        else {
          out.print(
            formatTable(
              ['REVISION', 'IMAGE', 'SPEC', 'CREATED', 'RAN EVERYWHERE'],
              s.revisions.map((r) => [
                String(r.revision),
                r.pinnedImage ?? r.spec.image,
                r.specHash.slice(0, 19),
                cliTime(r.createdAt),
                r.succeededAt ? cliTime(r.succeededAt) : 'no',
              ]),
            ),
          );
          if (s.rollout) {
            out.print('');
            printRollout(s.rollout, out);
          }
        }
        return 0;
      }
      case 'drift': {
        const { nodes: d } = await invoke(backend, 'deploy.drift', { name: target });
        if (out.json) out.print(JSON.stringify(d));
        else
          out.print(
            formatTable(
              ['NODE', 'SHOULD RUN', 'RUNS', 'STATE'],
              d.map((x) => [
                x.node,
                x.expected === null ? 'nothing' : `r${x.expected}`,
                x.running.map((r) => `r${r}`).join(',') || 'nothing',
                x.error ?? (x.ok ? 'ok' : 'DRIFT'),
              ]),
            ),
          );
        return d.every((x) => x.ok) ? 0 : 1;
      }
      case 'reconcile': {
        const { nodes: results } = await invoke(backend, 'deploy.reconcile', { name: target });
        if (out.json) out.print(JSON.stringify(results));
        else if (results.length === 0) out.print('no drift: every node runs what it should');
        else for (const r of results) out.print(`${r.node}: ${r.ok ? 'repaired' : 'FAILED'} — ${r.detail}`);
        return results.every((r) => r.ok) ? 0 : 1;
      }
      case 'rollback':
        return follow(
          backend,
          await invoke(backend, 'deploy.control', {
            name: target,
            action: 'rollback',
            ...(opts.emergency ? { emergency: opts.emergency } : {}),
          }),
          out,
        );
      case 'resume':
        return follow(backend, await invoke(backend, 'deploy.control', { name: target, action: 'resume' }), out);
      case 'halt': {
        const r = await invoke(backend, 'deploy.control', { name: target, action: 'halt' });
        out.print(out.json ? JSON.stringify(r) : progressLine(r));
        return 0;
      }
      case 'logs': {
        if (!opts.node) return usageError('deploy logs needs --node NODE');
        const ac = new AbortController();
        const onSigint = () => ac.abort();
        process.once('SIGINT', onSigint);
        const lines = lineSanitizer((line) => out.print(line));
        try {
          const text = await backend.deploy.logs(target, opts.node, {
            follow: Boolean(opts.follow),
            signal: ac.signal,
            ...(opts.follow ? { onChunk: (c: Buffer) => lines.write(c) } : {}),
          });
          lines.end();
          if (!opts.follow) out.print(text.replace(/\n$/, ''));
          return 0;
        } finally {
          process.removeListener('SIGINT', onSigint);
        }
      }
      default:
        return usageError(`unknown deploy subcommand: ${sub}`);
    }
  } catch (e) {
    return failed(e, out);
  }
}
