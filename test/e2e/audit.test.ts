import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { keepScreenshot, openConsole } from './browser.js';

const root = path.resolve(import.meta.dirname, '..', '..');

describe('Audit view in Chromium', () => {
  let browser: Browser;
  let page: Page;
  const dataDir = inject('serveDataDir');
  const cli = (...args: string[]) =>
    execFileSync(process.execPath, [path.join(root, 'dist/electron/cli.mjs'), '--data-dir', dataDir, ...args], { encoding: 'utf8' });

  beforeAll(async () => {
    // The rename is recorded under the old name; the action after it under the new one.
    cli('settings', 'set', 'operatorName', 'CLI Tech');
    cli('settings', 'set', 'theme', 'dark');
    ({ browser, page } = await openConsole(inject('serveUrl'), 'Audit'));
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('lists records made through the CLI, newest first, with their actor', async () => {
    const first = page.locator('.audit-row[aria-rowindex="1"]');
    await expect.poll(() => first.textContent()).toContain('settings.update');
    expect(await first.textContent()).toContain('CLI Tech');
  });

  it('shows records made while the view is open, without a reload', async () => {
    const before = Number((await page.getByTestId('audit-total').textContent())?.replace(/\D/g, ''));
    cli('settings', 'set', 'theme', 'light');
    await expect
      .poll(async () => Number((await page.getByTestId('audit-total').textContent())?.replace(/\D/g, '')), { timeout: 5000 })
      .toBe(before + 2); // its intent, then its outcome
    await page.locator('.audit-row[aria-rowindex="1"]').click();
    expect(await page.getByTestId('audit-detail-json').textContent()).toContain('"theme": "light"');
  });

  it('filters by action and actor, and shows a record in full', async () => {
    await page.getByLabel('Actor').fill('cli tech');
    await page.getByLabel('Action').selectOption('settings.update');
    await expect.poll(() => page.getByTestId('audit-total').textContent()).toMatch(/match/);
    await page.locator('.audit-row[aria-rowindex="1"]').click();
    const detail = await page.getByTestId('audit-detail-json').textContent();
    expect(JSON.parse(detail ?? '{}')).toMatchObject({ action: 'settings.update', actor: { operator: 'CLI Tech' } });
    await page.getByLabel('Actor').fill('');
    await page.getByLabel('Action').selectOption('');
    await expect.poll(() => page.getByTestId('audit-total').textContent()).not.toMatch(/match/);
  });

  it('verifies the chain as intact', async () => {
    await page.getByRole('button', { name: 'Verify the chain' }).click();
    await expect.poll(() => page.getByTestId('verify-result').textContent()).toMatch(/Intact.*records/);
    await keepScreenshot(page, 'audit-intact');
  });

  it('shows a tampered log as broken, naming the record', async () => {
    const file = path.join(dataDir, 'audit', 'audit-000001.jsonl');
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    const target = lines.findIndex((l) => l.includes('"CLI Tech"'));
    expect(target).toBeGreaterThanOrEqual(0);
    lines[target] = lines[target]!.replace('"CLI Tech"', '"Someone Else"');
    fs.writeFileSync(file, lines.join('\n'));
    await page.getByRole('button', { name: 'Verify the chain' }).click();
    await expect.poll(() => page.getByTestId('verify-result').textContent()).toMatch(new RegExp(`Broken: edited.*line ${target + 1}`));
    await keepScreenshot(page, 'audit-broken');
  });
});
