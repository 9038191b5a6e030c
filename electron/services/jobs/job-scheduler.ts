import { AppErrorException } from '../../../shared/errors.js';
import { nextRunAt } from '../../../shared/jobs/job-schedule.js';
import type { JobRunner } from './job-runner.js';
import type { JobStore } from './job-store.js';

export interface JobSchedulerOptions {
  store: JobStore;
  runner: JobRunner;
  /** A site's time zone (its maintenance windows' zone), if it has one. */
  siteZone: (site: string) => string | undefined;
  everyMs?: number;
  now?: () => number;
  onError?: (message: string) => void;
}

/**
 * Starts scheduled jobs when their time comes, in long-running consoles. The next time is reckoned
 * from the job's last run (or its apply when it never ran), so a run missed while no console was up
 * starts once, not once per missed time. A job already running (here or in another process) is
 * left to finish.
 */
export function startJobScheduler(o: JobSchedulerOptions): { tick: () => Promise<void>; stop: () => void } {
  const now = o.now ?? Date.now;
  const said = new Set<string>();
  const once = (key: string, message: string) => {
    if (said.has(key)) return;
    said.add(key);
    o.onError?.(message);
  };
  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      for (const job of o.store.jobs()) {
        const s = job.spec.schedule;
        if (!s) continue;
        const tz = s.timeZone ?? o.siteZone(s.site!);
        if (!tz) {
          once(`zone:${job.name}`, `job ${job.name} is not scheduled: site ${s.site} has no time zone yet (set its maintenance windows)`);
          continue;
        }
        const last = o.store.runs(job.name, 1)[0]?.startedAt ?? job.updatedAt;
        if (nextRunAt(s.cron, tz, last) > now()) continue;
        await o.runner.start(job.name, 'schedule', 'schedule').catch((err: unknown) => {
          if (err instanceof AppErrorException && err.appError.code === 'CONFLICT') return;
          once(`start:${job.name}:${last}`, `scheduled job ${job.name} did not start: ${(err as Error).message}`);
        });
      }
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), o.everyMs ?? 30_000);
  return { tick, stop: () => clearInterval(timer) };
}
