import type { Router } from '../../ipc/router.js';
import type { AuditLog } from '../../services/audit/audit-log.js';
import { execForDeploy } from '../../services/deploy/node-exec.js';
import type { Inventory } from '../../services/fleet/inventory.js';
import { JobRunner, type JobRunnerOptions } from '../../services/jobs/job-runner.js';
import { JobStore } from '../../services/jobs/job-store.js';
import { startJobScheduler } from '../../services/jobs/job-scheduler.js';
import type { SshPool } from '../../services/ssh/pool.js';
import { stateDbFile } from '../../services/store/state-db.js';

export interface JobsDeps {
  dataDir: string;
  pool: SshPool;
  inventory: Inventory;
  audit: AuditLog;
  who: () => string;
  sqliteBinding?: string;
  pollMs?: number;
  /** A site's time zone, for schedules that follow a site. */
  siteZone: (site: string) => string | undefined;
  /** Whether batch work may start on a node now (its services' or its site's maintenance windows). */
  windowOf: JobRunnerOptions['windowOf'];
  /** Long-running consoles start scheduled jobs; the CLI does not. */
  schedule: boolean;
}

/** Batch jobs: the runner over the nodes' SSH connections, and its channels. */
export function registerJobs(router: Router, d: JobsDeps): { runner: JobRunner; close: () => Promise<void> } {
  const store = JobStore.open(stateDbFile(d.dataDir), d.sqliteBinding);
  const runner = new JobRunner(store, d.audit, d.inventory, (node, command, opts) => execForDeploy(d.pool, node, command, opts), {
    ...(d.pollMs ? { pollMs: d.pollMs } : {}),
    ...(d.windowOf ? { windowOf: d.windowOf } : {}),
  });
  router
    .handle('jobs.apply', async ({ yaml }) => {
      const { spec, nodes } = await runner.apply(yaml, d.who());
      return { name: spec.name, shards: spec.job.shards, nodes };
    })
    .handle('jobs.list', ({ job }) => ({
      jobs: store
        .jobs()
        .filter((j) => !job || j.name === job)
        .map((j) => ({ name: j.name, image: j.spec.image, shards: j.spec.job.shards, by: j.by, updatedAt: j.updatedAt })),
      runs: store.runs(job, 50),
    }))
    .handle('jobs.run', ({ name }) => runner.start(name, d.who()))
    .handle('jobs.cancel', ({ run }) => runner.cancel(run))
    .handle('jobs.logs', async ({ run, shard, tail }) => ({ text: await runner.logs(run, shard, tail) }));
  const scheduler = d.schedule
    ? startJobScheduler({ store, runner, siteZone: d.siteZone, onError: (m) => process.stderr.write(`edgeward: ${m}\n`) })
    : undefined;
  return {
    runner,
    close: async () => {
      scheduler?.stop();
      await runner.close();
      store.close();
    },
  };
}
