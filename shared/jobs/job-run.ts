import { z } from 'zod';

/** One shard of a run: where it runs, its try, and the progress its container reported. */
export const ShardState = z.strictObject({
  index: z.number().int(),
  state: z.enum(['pending', 'running', 'done', 'failed', 'cancelled']),
  attempt: z.number().int(),
  node: z.string().optional(),
  /** The node's GPU slot it holds while running. */
  slot: z.number().int().optional(),
  done: z.number().int().optional(),
  total: z.number().int().optional(),
  exitCode: z.number().int().optional(),
  /** Why the last try ended badly: an exit code or a lost node, never the container's output. */
  lastError: z.string().optional(),
  /** A retry waits until then (backoff). */
  notBefore: z.number().optional(),
  startedAt: z.number().optional(),
  endedAt: z.number().optional(),
});
export type ShardState = z.infer<typeof ShardState>;

export const JobRunState = z.enum(['running', 'succeeded', 'failed', 'cancelled', 'deadline', 'interrupted']);

export const JobRun = z.strictObject({
  id: z.string(),
  job: z.string(),
  state: JobRunState,
  by: z.string(),
  trigger: z.enum(['manual', 'schedule']),
  startedAt: z.number(),
  endedAt: z.number().optional(),
  deadlineAt: z.number(),
  shards: z.array(ShardState),
  retries: z.number().int(),
  /** Why shards wait with no node to start on: every target's maintenance window is closed. */
  waiting: z.string().optional(),
  /** The process running it: a run whose process is gone is interrupted. */
  pid: z.number().int(),
  host: z.string(),
});
export type JobRun = z.infer<typeof JobRun>;

/** A run's result in counts only (the audit record and the history view): never record contents. */
export function runSummary(run: JobRun): {
  shards: number;
  shardsDone: number;
  shardsFailed: number;
  itemsDone: number;
  itemsTotal: number;
  retries: number;
  durationS: number;
  exitCodes: number[];
} {
  const s = run.shards;
  return {
    shards: s.length,
    shardsDone: s.filter((x) => x.state === 'done').length,
    shardsFailed: s.filter((x) => x.state === 'failed').length,
    itemsDone: s.reduce((a, x) => a + (x.done ?? 0), 0),
    itemsTotal: s.reduce((a, x) => a + (x.total ?? 0), 0),
    retries: run.retries,
    durationS: Math.round(((run.endedAt ?? Date.now()) - run.startedAt) / 100) / 10,
    exitCodes: [...new Set(s.map((x) => x.exitCode).filter((c): c is number => c !== undefined))].sort((a, b) => a - b),
  };
}
