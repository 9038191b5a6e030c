import { z } from 'zod';
import { parseYamlWith, type YamlProblem } from '../yaml-schema.js';
import { DEPLOYMENT_NAME, GpuRequest, Targets } from '../deploy/spec.js';
import { Label } from '../fleet.js';
import { TimeZoneName } from '../service/maintenance-window.js';
import { cronProblem } from './job-schedule.js';

/**
 * A batch job (YAML, `kind: job`): a container that runs to completion, its work split into
 * shards (each container gets EDGEWARD_SHARD and EDGEWARD_SHARDS and takes its share of the
 * items), run on the target nodes a few at a time, each shard retried with backoff, the whole run
 * bounded by a deadline. Progress is read from the container's output, one documented line:
 *
 *   EDGEWARD_PROGRESS DONE/TOTAL
 *
 * Nothing else of the output is kept: it may hold record contents.
 */
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const ABS_PATH = /^\/[A-Za-z0-9._/@+-]{0,4095}$/;
const PATH_MESSAGE = 'an absolute path of letters, digits and . _ / @ + -';

export const JobSpec = z.strictObject({
  kind: z.literal('job'),
  name: z.string().regex(DEPLOYMENT_NAME, 'lowercase letters, digits and "-", starting with a letter or digit (max 48)'),
  image: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/:@-]{0,511}$/, 'an image reference (registry/name:tag or @sha256:…)'),
  gpus: GpuRequest.optional(),
  env: z
    .record(z.string().regex(ENV_KEY, 'an environment variable name'), z.string().max(32_768))
    .refine((e) => !Object.keys(e).some((k) => k.startsWith('EDGEWARD_')), 'EDGEWARD_* variables are set by Edgeward')
    .default({}),
  /** Input volumes read-only (the default), output volumes with readOnly: false. */
  volumes: z
    .array(
      z.strictObject({
        host: z.string().regex(ABS_PATH, PATH_MESSAGE),
        container: z.string().regex(ABS_PATH, PATH_MESSAGE),
        readOnly: z.boolean().default(true),
      }),
    )
    .max(16)
    .default([]),
  command: z.array(z.string().max(4096)).min(1).max(64).optional(),
  args: z.array(z.string().max(4096)).max(256).default([]),
  resources: z
    .strictObject({ cpus: z.number().positive().max(512).optional(), memoryMiB: z.number().int().min(16).optional() })
    .default({}),
  targets: Targets,
  job: z
    .strictObject({
      /** Pieces the work is split into; each runs as one container. */
      shards: z.number().int().min(1).max(10_000).default(1),
      /** Shards one node runs at once (each with its own GPUs when the job asks for some). */
      parallelism: z.number().int().min(1).max(16).default(1),
      /** Further tries of a failed shard (a non-zero exit, or its node lost), on another node where one is free. */
      retries: z.number().int().min(0).max(20).default(2),
      /** Wait before the first retry; it doubles for each further one. */
      backoffS: z.number().min(0).max(3600).default(5),
      /** The whole run, retries included: past it, everything still running is stopped. */
      deadlineS: z
        .number()
        .int()
        .min(1)
        .max(7 * 86_400)
        .default(3600),
      /**
       * `keep`: a shard starts on a node only inside its maintenance windows (those of every
       * service it serves, else its site's; a node with none is always open), as batch work loads
       * the GPUs clinical services share. Running shards finish. `ignore`: any time.
       */
      maintenanceWindows: z.enum(['keep', 'ignore']).default('keep'),
    })
    .default({ shards: 1, parallelism: 1, retries: 2, backoffS: 5, deadlineS: 3600, maintenanceWindows: 'keep' }),
  /**
   * Runs by the clock (cron: minute hour day-of-month month day-of-week) in the time zone of
   * `site` (its maintenance windows' zone) or an explicit `timeZone`. A run missed while no
   * console was running starts once when one is.
   */
  schedule: z
    .strictObject({
      cron: z
        .string()
        .max(200)
        .superRefine((v, ctx) => {
          const p = cronProblem(v);
          if (p) ctx.addIssue({ code: 'custom', message: p });
        }),
      site: Label.optional(),
      timeZone: TimeZoneName.optional(),
    })
    .refine(
      (s) => (s.site === undefined) !== (s.timeZone === undefined),
      'name the site whose time zone the schedule follows, or a timeZone (not both)',
    )
    .optional(),
});
export type JobSpec = z.infer<typeof JobSpec>;

export function parseJobSpec(text: string): { spec: JobSpec; problems: [] } | { spec?: undefined; problems: YamlProblem[] } {
  const r = parseYamlWith(JobSpec, text, 256 * 1024, 'job');
  return r.value ? { spec: r.value, problems: [] } : { problems: r.problems };
}

/** `EDGEWARD_PROGRESS DONE/TOTAL` → numbers; anything else (or nonsense numbers) → undefined. */
export function parseProgressLine(line: string): { done: number; total: number } | undefined {
  const m = /^EDGEWARD_PROGRESS (\d{1,12})\/(\d{1,12})\s*$/.exec(line);
  if (!m) return undefined;
  const [done, total] = [Number(m[1]), Number(m[2])];
  return total > 0 && done <= total ? { done, total } : undefined;
}
