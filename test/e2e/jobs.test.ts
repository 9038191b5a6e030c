import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../electron/app/backend.js';
import type { Page } from 'playwright-core';
import { hostFingerprint, nodeInput } from '../integration/helpers/fleet.js';
import { openBedConsole, type BedConsole } from './bed-console.js';
import { keepScreenshot } from './browser.js';
import { seriousViolations } from './a11y.js';

const JOB = `kind: job
name: deid-e2e
image: localhost/edgeward/oip-test:1
command: [/usr/bin/node, -e, "let d=0;const t=Number(process.env.EDGEWARD_SHARD)===0?400:200;const s=()=>{d+=20;console.log('EDGEWARD_PROGRESS '+d+'/'+t);if(d<t)setTimeout(s,150)};s()"]
targets: {tags: [e2e-jobs]}
job: {shards: 2, parallelism: 1, retries: 0, deadlineS: 300}
`;

describe('Jobs in Chromium against the simulated fleet', () => {
  let world: BedConsole;
  let page: Page;

  beforeAll(async () => {
    world = await openBedConsole({
      prefix: 'edgeward-e2e-jobs-',
      bed: { nodes: 2, scenario: () => ({ count: 1 }) },
      view: 'Jobs',
      seed: async (backend, bed) => {
        for (const [i, n] of bed.nodes.entries()) {
          await backend.inventory.add(nodeInput(bed, n, { name: `job-0${i + 1}`, tags: ['e2e-jobs'] }));
          await backend.pool.trust(`job-0${i + 1}`, hostFingerprint(n));
        }
      },
    });
    page = world.page;
  }, 120_000);
  afterAll(() => world?.close());

  it('applies a job, runs it, and shows the run moving to its summary with a progress bar', async () => {
    await page.getByRole('button', { name: 'New job' }).click();
    await page.getByRole('textbox', { name: 'Job (YAML, kind: job)' }).fill(JOB);
    await page.getByRole('button', { name: 'Apply' }).click();
    const job = page.getByRole('region', { name: 'Job deid-e2e' });
    await job.getByRole('button', { name: 'Run now' }).click();
    // Running: the bar is part way, and the run can be cancelled from here.
    const row = job.locator('li.job-run').first();
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 30_000 }).toBe('running');
    await expect.poll(async () => Number(await row.getByRole('progressbar').getAttribute('value')), { timeout: 30_000 }).toBeGreaterThan(0);
    expect(await job.getByRole('button', { name: 'Cancel run' }).isVisible()).toBe(true);
    await keepScreenshot(page, 'jobs-running');
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 60_000 }).toBe('succeeded');
    await expect.poll(() => row.locator('.job-run-summary').textContent()).toMatch(/^600\/600 items · 2\/2 shards · [\d.]+ s · exit 0$/);
    expect(await row.getByRole('progressbar').getAttribute('value')).toBe('600');
    // With a run on screen, in both themes: nothing an assistive technology user would trip on.
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      expect(await seriousViolations(page), scheme).toEqual([]);
    }
    // The run is in the audit log, with counts only (read by a second process, as the CLI would).
    const other = await createBackend({ dataDir: world.dataDir, transport: 'cli', userKnownHostsFile: path.join(world.dataDir, 'none') });
    try {
      const runs = other.audit.index.query({ action: 'job.run' }, 0, 10).records.filter((r) => r.outcome === 'ok');
      expect(runs[0]?.params).toMatchObject({ job: 'deid-e2e', itemsDone: 600, shardsDone: 2 });
    } finally {
      await other.close();
    }
  });
});
