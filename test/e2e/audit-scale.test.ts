import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { AUDIT_ACTIONS } from '../../shared/audit.js';
import { openLog } from '../helpers/audit.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { keepScreenshot, openConsole } from './browser.js';
import { startServe } from './serve.js';

const RECORDS = 100_000;

describe('Audit view at 100,000 records', () => {
  const tmp = makeTempDir('edgeward-e2e-scale-');
  let serve: ChildProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    const log = await openLog(path.join(tmp.dir, 'audit'));
    for (let done = 0; done < RECORDS; done += 2000) {
      await Promise.all(
        Array.from({ length: 2000 }, (_, i) =>
          log.append({
            action: AUDIT_ACTIONS[(done + i) % 6]!,
            target: { node: `rad-${String((done + i) % 40).padStart(2, '0')}` },
            params: {},
            outcome: (done + i) % 17 === 0 ? 'failed' : 'ok',
            durationMs: (done + i) % 900,
          }),
        ),
      );
    }
    const served = await startServe(tmp.dir);
    serve = served.child;
    const url = served.url;
    ({ browser, page } = await openConsole(url, 'Audit'));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    serve?.kill();
    tmp.cleanup();
  });

  it('renders only the rows on screen, and reaches the oldest record by scrolling', async () => {
    await expect.poll(() => page.getByTestId('audit-total').textContent(), { timeout: 20_000 }).toBe('100,000 records');
    expect(await page.locator('.audit-scroll [role="row"]').count()).toBeLessThan(120);
    await page.getByTestId('audit-scroll').evaluate((el) => (el.scrollTop = el.scrollHeight));
    await expect.poll(() => page.locator(`.audit-row[aria-rowindex="${RECORDS}"]`).getAttribute('data-seq'), { timeout: 10_000 }).toBe('1');
    expect(await page.locator('.audit-scroll [role="row"]').count()).toBeLessThan(120);
    await keepScreenshot(page, 'audit-100k-bottom');
  });

  it('filters 100,000 records by node and outcome', async () => {
    await page.getByRole('search').getByLabel('Node', { exact: true }).fill('rad-07');
    await page.getByRole('search').getByLabel('Outcome').selectOption('failed');
    const expected = Array.from({ length: RECORDS }, (_, i) => i).filter((i) => i % 40 === 7 && i % 17 === 0).length;
    await expect.poll(() => page.getByTestId('audit-total').textContent(), { timeout: 10_000 }).toBe(`${expected} records match`);
  });
});
