import { execFileSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { makeTempDir } from '../helpers/temp-dir.js';
import { write500 } from '../helpers/fleet-500.js';
import { openConsole } from './browser.js';
import { startServe } from './serve.js';

const root = path.resolve(import.meta.dirname, '..', '..');

describe('Fleet view at 500 nodes', () => {
  let browser: Browser;
  let page: Page;
  let serve: ChildProcess;
  const tmp = makeTempDir('edgeward-e2e-fleet500-');
  const dataDir = tmp.dir;

  beforeAll(async () => {
    const csv = path.join(dataDir, 'fleet-500.csv');
    write500(csv);
    execFileSync(process.execPath, [path.join(root, 'dist/electron/cli.mjs'), '--data-dir', dataDir, 'nodes', 'import-csv', csv, '--yes'], {
      encoding: 'utf8',
    });
    const served = await startServe(dataDir);
    serve = served.child;
    const url = served.url;
    ({ browser, page } = await openConsole(url, 'Fleet'));
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    serve?.kill();
    tmp.cleanup();
  });

  it('lists all 500 with the site tree, and narrows by search, tree and status', async () => {
    await expect.poll(() => page.getByTestId('fleet-counts').textContent()).toMatch(/^500 nodes/);
    await expect.poll(() => page.locator('.data-table caption').textContent()).toMatch(/^500 of 500 nodes$/);
    // Only the rows in view are drawn; scrolling to the end brings the last ones in.
    const drawn = page.locator('.data-table tbody tr:not(.spacer-row)');
    expect(await drawn.count()).toBeLessThan(80);
    await page.getByRole('button', { name: /^Node/ }).click(); // sort by name
    await page.getByTestId('table-window').evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await expect.poll(() => drawn.last().textContent()).toMatch(/n499/);
    expect(await drawn.count()).toBeLessThan(80);
    // A search that leaves a hundred rows still draws only those in view, every row one height
    // (no row measured as drawn), in either density; the end of the list is still reachable.
    await page.getByRole('search').getByLabel('Search').fill('n4');
    await expect.poll(() => page.locator('.data-table caption').textContent()).toMatch(/^100 of /);
    for (const density of ['comfortable', 'compact']) {
      if (density === 'compact') await page.getByRole('button', { name: 'Compact rows' }).click();
      await page.getByTestId('table-window').evaluate((el) => el.scrollTo(0, 0));
      expect(await drawn.count()).toBeLessThan(60);
      const heights = await drawn.evaluateAll((rows) => rows.map((r) => Math.round(r.getBoundingClientRect().height * 10)));
      expect(new Set(heights).size, `row heights ${heights.join(', ')}`).toBe(1);
      await page.getByTestId('table-window').evaluate((el) => el.scrollTo(0, el.scrollHeight));
      await expect.poll(() => drawn.last().textContent()).toMatch(/n499/);
    }
    await page.getByRole('button', { name: 'Compact rows' }).click();
    await page.getByRole('search').getByLabel('Search').fill('l40s');
    await expect.poll(() => page.locator('.data-table caption').textContent()).toMatch(/^50 of /);
    await page.getByRole('button', { name: /^site-1 \(100\)$/ }).click();
    await expect.poll(() => page.locator('.data-table caption').textContent()).toMatch(/^0 of /);
    await page.getByRole('button', { name: /^site-0 \(100\)$/ }).click();
    await expect.poll(() => page.locator('.data-table caption').textContent()).toMatch(/^50 of /);
    await page.getByRole('search').getByLabel('Search').fill('');
    await expect.poll(() => page.locator('.data-table caption').textContent()).toMatch(/^100 of /);
    await page
      .locator('.fleet-tree div', { hasText: 'site-0' })
      .getByRole('button', { name: /^dept-1 \(25\)$/ })
      .click();
    await expect.poll(() => page.locator('.data-table caption').textContent()).toMatch(/^25 of /);
    expect(await page.locator('.data-table tbody tr').count()).toBe(25);
  });
});
