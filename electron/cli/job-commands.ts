import fs from 'node:fs';
import type { Backend } from '../app/backend.js';
import { runSummary, type JobRun } from '../../shared/jobs/job-run.js';
import { AppErrorException } from '../../shared/errors.js';
import { invoke } from './through-router.js';
import { reportError, type CliOutput } from './output.js';

export interface JobCliOptions {
  shard?: string;
  count?: string;
}

const progressOf = (r: JobRun) => {
  const s = runSummary(r);
  return `${s.itemsDone}/${s.itemsTotal || '?'} items, ${s.shardsDone}/${s.shards} shards done${s.shardsFailed ? `, ${s.shardsFailed} failed` : ''}${s.retries ? `, ${s.retries} retries` : ''}`;
};

function printRun(r: JobRun, out: CliOutput): void {
  const s = runSummary(r);
  out.print(
    `${r.id}  ${r.state}  ${progressOf(r)}  ${s.durationS} s${s.exitCodes.length ? `  exit codes ${s.exitCodes.join(',')}` : ''}${
      r.state === 'running' && r.waiting ? `  (${r.waiting})` : ''
    }`,
  );
}

/**
 * `jobs apply FILE | ls [NAME] | run NAME | cancel RUN | logs RUN --shard N`. A run from the CLI
 * is followed to its end (Ctrl+C cancels it, its containers removed). Undefined: not ours.
 */
export async function runJobCommand(
  backend: Backend,
  args: string[],
  out: CliOutput,
  opts: JobCliOptions,
  usageError: (m: string) => number,
): Promise<number | undefined> {
  const [command, sub, ...rest] = args;
  if (command !== 'jobs') return undefined;
  try {
    if (sub === 'apply' && rest.length === 1) {
      const r = await invoke(backend, 'jobs.apply', { yaml: fs.readFileSync(rest[0]!, 'utf8') });
      out.print(out.json ? JSON.stringify(r) : `${r.name}: ${r.shards} shard(s) on ${r.nodes.join(', ') || 'no node yet'}`);
      return 0;
    }
    if (sub === 'ls' && rest.length <= 1) {
      const r = await invoke(backend, 'jobs.list', rest[0] ? { job: rest[0] } : {});
      if (out.json) out.print(JSON.stringify(r));
      else {
        for (const j of r.jobs) out.print(`${j.name}  ${j.image}  ${j.shards} shard(s)  by ${j.by}`);
        for (const run of r.runs) printRun(run, out);
      }
      return 0;
    }
    if (sub === 'run' && rest.length === 1) {
      const started = await invoke(backend, 'jobs.run', { name: rest[0]! });
      out.error(`${started.id}: started on ${started.shards.length} shard(s)`);
      let last = '';
      const stop = backend.jobs.onChange((r) => {
        if (r.id !== started.id) return;
        const line = r.waiting ? `${progressOf(r)}: ${r.waiting}` : progressOf(r);
        if (line !== last && !out.json) out.error(`  ${line}`);
        last = line;
      });
      const onSigint = () => {
        out.error(`\nCancelling ${started.id}: its containers are removed from the nodes.`);
        void invoke(backend, 'jobs.cancel', { run: started.id }).catch(() => undefined);
      };
      process.once('SIGINT', onSigint);
      try {
        const r = await backend.jobs.settled(started.id);
        // The run's outcome is on record before the command says how it ended.
        if (out.json) out.print(JSON.stringify({ ...r, summary: runSummary(r) }));
        else printRun(r, out);
        return r.state === 'succeeded' ? 0 : 1;
      } finally {
        stop();
        process.removeListener('SIGINT', onSigint);
      }
    }
    if (sub === 'cancel' && rest.length === 1) {
      const r = await invoke(backend, 'jobs.cancel', { run: rest[0]! });
      if (out.json) out.print(JSON.stringify(r));
      else printRun(r, out);
      return 0;
    }
    if (sub === 'logs' && rest.length === 1) {
      const shard = Number(opts.shard ?? '0');
      if (!Number.isInteger(shard) || shard < 0) return usageError('--shard is a shard number (0, 1, …)');
      const r = await invoke(backend, 'jobs.logs', { run: rest[0]!, shard, ...(opts.count ? { tail: Number(opts.count) } : {}) });
      out.print(r.text);
      return 0;
    }
    return usageError('jobs apply FILE | ls [NAME] | run NAME | cancel RUN | logs RUN [--shard N]');
  } catch (err) {
    if (err instanceof AppErrorException) return reportError(err.appError, out);
    throw err;
  }
}
