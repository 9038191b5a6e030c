import { z } from 'zod';
import { DEPLOYMENT_NAME } from '../deploy/spec.js';
import { JobRun } from '../jobs/job-run.js';

const JobName = z.string().regex(DEPLOYMENT_NAME, 'a job name');
const RunId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,80}$/, 'a job run id');

/** Batch jobs: applied from YAML, run by hand, followed, cancelled; every change audited. */
export const jobChannels = {
  'jobs.apply': {
    request: z.strictObject({ yaml: z.string().max(256 * 1024) }),
    response: z.strictObject({ name: z.string(), shards: z.number(), nodes: z.array(z.string()) }),
  },
  'jobs.list': {
    request: z.strictObject({ job: JobName.optional() }),
    response: z.strictObject({
      jobs: z.array(z.strictObject({ name: z.string(), image: z.string(), shards: z.number(), by: z.string(), updatedAt: z.number() })),
      runs: z.array(JobRun),
    }),
  },
  'jobs.run': { request: z.strictObject({ name: JobName }), response: JobRun },
  'jobs.cancel': { request: z.strictObject({ run: RunId }), response: JobRun },
  /** A shard's container output, live from its node: shown, never stored. */
  'jobs.logs': {
    request: z.strictObject({ run: RunId, shard: z.number().int().min(0).max(10_000), tail: z.number().int().min(1).max(5000).optional() }),
    response: z.strictObject({ text: z.string() }),
  },
} as const;
