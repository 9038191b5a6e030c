import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startJobScheduler } from '../../../electron/services/jobs/job-scheduler.js';
import type { JobRunner } from '../../../electron/services/jobs/job-runner.js';
import { JobStore } from '../../../electron/services/jobs/job-store.js';
import type { JobRun } from '../../../shared/jobs/job-run.js';
import { parseJobSpec } from '../../../shared/jobs/job-spec.js';
import { nextRunAt } from '../../../shared/jobs/job-schedule.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

/** GNU date's reading of a wall-clock time in a zone: the oracle. */
const gnu = (tz: string, wall: string) =>
  Number(spawnSync('date', ['-d', `TZ="${tz}" ${wall}`, '+%s'], { encoding: 'utf8' }).stdout) * 1000;

const job = (schedule: string) => `kind: job\nname: nightly\nimage: x/y:1\ntargets: {nodes: [n1]}\nschedule: ${schedule}\n`;

describe('scheduled batch jobs', () => {
  const tmp = makeTempDir('edgeward-jobsched-');
  afterAll(() => tmp.cleanup());

  /** The scheduler against a real store; the runner records what it was asked to start, as a run. */
  function world(yaml: string, zones: Record<string, string> = {}) {
    const store = JobStore.open(path.join(tmp.dir, `${Math.random()}.db`));
    const spec = parseJobSpec(yaml).spec!;
    store.saveJob(spec.name, yaml, spec, 'tester');
    let clock = 0;
    const starts: number[] = [];
    const errors: string[] = [];
    const runner = {
      start: async (name: string, by: string, trigger: JobRun['trigger']) => {
        starts.push(clock);
        const run: JobRun = {
          id: `${name}-${starts.length}`,
          job: name,
          state: 'succeeded',
          by,
          trigger,
          startedAt: clock,
          deadlineAt: clock + 1,
          shards: [],
          retries: 0,
          pid: 1,
          host: 'h',
        };
        store.saveRun(run);
        return run;
      },
    } as unknown as JobRunner;
    const s = startJobScheduler({
      store,
      runner,
      siteZone: (site) => zones[site],
      everyMs: 3_600_000,
      now: () => clock,
      onError: (m) => errors.push(m),
    });
    const at = async (ms: number) => {
      clock = ms;
      await s.tick();
    };
    return { store, starts, errors, at, applied: store.job('nightly')!.updatedAt, close: () => (s.stop(), store.close()) };
  }

  it("starts a job at its time in the site's zone, once, and again the next day", async () => {
    const w = world(job('{cron: "0 2 * * *", site: north}'), { north: 'Europe/Berlin' });
    try {
      const day = new Date(w.applied + 86_400_000).toLocaleDateString('en-CA', { timeZone: 'Europe/Berlin' });
      const due = gnu('Europe/Berlin', `${day} 02:00`);
      // 02:00 in Berlin the next day (the schedule's first time after the apply may be today's, if still ahead).
      const first = nextRunAt('0 2 * * *', 'Europe/Berlin', w.applied);
      expect([due, due - 86_400_000]).toContain(first);
      await w.at(first - 60_000);
      expect(w.starts).toEqual([]);
      await w.at(first);
      await w.at(first + 60_000);
      expect(w.starts).toEqual([first]);
      await w.at(first + 86_400_000);
      expect(w.starts).toEqual([first, first + 86_400_000]);
    } finally {
      w.close();
    }
  });

  it('runs a schedule missed while no console was up once, not once per missed time', async () => {
    const w = world(job('{cron: "*/15 * * * *", timeZone: America/New_York}'));
    try {
      await w.at(w.applied + 5 * 3_600_000);
      await w.at(w.applied + 5 * 3_600_000 + 1000);
      expect(w.starts).toHaveLength(1);
    } finally {
      w.close();
    }
  });

  it('says once that a site without a time zone cannot schedule, and starts nothing', async () => {
    const w = world(job('{cron: "0 2 * * *", site: south}'));
    try {
      await w.at(w.applied + 3 * 86_400_000);
      await w.at(w.applied + 4 * 86_400_000);
      expect(w.starts).toEqual([]);
      expect(w.errors).toEqual(['job nightly is not scheduled: site south has no time zone yet (set its maintenance windows)']);
    } finally {
      w.close();
    }
  });

  it('follows the clock changes as GNU date reads them: the skipped spring time right after the jump, the repeated autumn time once', () => {
    // Berlin, 29 March 2026: 02:30 does not exist; the run is at 03:30 CEST, which is when the clock has passed it.
    expect(nextRunAt('30 2 * * *', 'Europe/Berlin', Date.UTC(2026, 2, 28, 12))).toBe(gnu('Europe/Berlin', '2026-03-29 03:30'));
    // New York, 1 November 2026: 01:30 happens twice; the run is at the first (EDT), then not again that day.
    const first = nextRunAt('30 1 * * *', 'America/New_York', Date.UTC(2026, 9, 31, 12));
    expect(first).toBe(gnu('America/New_York', '2026-11-01 01:30 EDT'));
    expect(nextRunAt('30 1 * * *', 'America/New_York', first)).toBe(gnu('America/New_York', '2026-11-02 01:30'));
  });

  it('names a schedule it cannot read, on its line', () => {
    const bad = (s: string) => parseJobSpec(job(s)).problems.map((p) => `${p.line} ${p.path}: ${p.message}`);
    expect(bad('{cron: "0 2 * *", site: north}')[0]).toMatch(/^5 schedule\.cron: five fields/);
    expect(bad('{cron: "61 2 * * *", site: north}')[0]).toMatch(/^5 schedule\.cron: not a cron schedule/);
    expect(bad('{cron: "0 2 * * *"}')[0]).toMatch(/name the site whose time zone the schedule follows/);
    expect(bad('{cron: "0 2 * * *", timeZone: Mars/Olympus}')[0]).toMatch(/schedule\.timeZone/);
  });
});
