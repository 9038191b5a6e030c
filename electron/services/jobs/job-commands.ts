import type { JobSpec } from '../../../shared/jobs/job-spec.js';
import { gpuFlags, type Runtime } from '../runtime/runtime-commands.js';
import { shellCommand } from '../ssh/shell-quote.js';

/**
 * Container command lines for batch jobs, from validated values and quoted word by word. A job's
 * containers carry the job and run labels, so a cancel (or a later clean-up) finds every one of
 * them on a node whatever this process remembers.
 */
export const LABEL_JOB = 'io.edgeward.job';
export const LABEL_JOB_RUN = 'io.edgeward.job-run';

export const shardContainer = (run: string, shard: number, attempt: number) => `ew-job-${run}-s${shard}-a${attempt}`;

/** The GPUs of a node's slot: slot k of a job asking for N GPUs holds indices kN … kN+N-1. */
export function slotGpus(spec: JobSpec, slot: number): number[] {
  if (spec.gpus?.indices) return spec.gpus.indices;
  const n = spec.gpus?.count ?? 0;
  return Array.from({ length: n }, (_, i) => slot * n + i);
}

export function startShardCommand(rt: Runtime, spec: JobSpec, run: string, shard: number, attempt: number, slot: number): string {
  const words = [rt, 'run', '-d', '--name', shardContainer(run, shard, attempt)];
  words.push('--label', `${LABEL_JOB}=${spec.name}`, '--label', `${LABEL_JOB_RUN}=${run}`);
  words.push(...gpuFlags(rt, slotGpus(spec, slot)));
  for (const v of spec.volumes) words.push('-v', `${v.host}:${v.container}${v.readOnly ? ':ro' : ''}`);
  if (spec.resources.cpus !== undefined) words.push('--cpus', String(spec.resources.cpus));
  if (spec.resources.memoryMiB !== undefined) words.push('--memory', `${spec.resources.memoryMiB}m`);
  for (const [k, v] of Object.entries(spec.env)) words.push('-e', `${k}=${v}`);
  words.push('-e', `EDGEWARD_SHARD=${shard}`, '-e', `EDGEWARD_SHARDS=${spec.job.shards}`, '-e', `EDGEWARD_ATTEMPT=${attempt}`);
  if (spec.command) words.push('--entrypoint', spec.command[0]!);
  words.push(spec.image, ...(spec.command?.slice(1) ?? []), ...spec.args);
  return `${shellCommand(words)} </dev/null`;
}

/**
 * A shard's state and its last progress line: `state=STATUS|EXIT`, then the last
 * EDGEWARD_PROGRESS line of its output, if any. The rest of the output stays on the node.
 */
export function shardStatusCommand(rt: Runtime, name: string): string {
  const inspect = shellCommand([rt, 'inspect', '--format', '{{.State.Status}}|{{.State.ExitCode}}', name]);
  const logs = shellCommand([rt, 'logs', '--tail', '500', name]);
  return `printf 'state=%s\\n' "$(${inspect} 2>/dev/null || echo missing)"; ${logs} 2>&1 | grep -a '^EDGEWARD_PROGRESS ' | tail -n 1`;
}

/** Every container of a run on the node, stopped and removed (a cancel, a deadline, a finished shard). */
export function removeRunCommand(rt: Runtime, run: string): string {
  const list = shellCommand([rt, 'ps', '-aq', '--filter', `label=${LABEL_JOB_RUN}=${run}`]);
  return `ids=$(${list}); [ -z "$ids" ] || ${rt} rm -f $ids >/dev/null; ${list} | wc -l`;
}

export const removeContainerCommand = (rt: Runtime, name: string) => `${shellCommand([rt, 'rm', '-f', name])} >/dev/null 2>&1; true`;

export const logsCommand = (rt: Runtime, name: string, tail: number) => `${shellCommand([rt, 'logs', '--tail', String(tail), name])} 2>&1`;
