import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { cut, restore, type BedState } from '../testbed/bed.js';
import { hostFingerprint, nodeInput } from '../integration/helpers/fleet.js';
import { openBedConsole, type BedConsole } from './bed-console.js';
import { keepScreenshot } from './browser.js';

/** The field tech's walk in Chromium: run, stop, resume, accept a failure with a reason, sign off, review offline. */
describe('Commissioning in Chromium against a simulated new server', () => {
  let world: BedConsole;
  let bed: BedState;
  let page: Page;
  const profile = (image: string) => `name: Clinic 2 x L40S
gpu: {model: L40S, count: 2, minMemoryMiB: 46000}
driverMin: "550.54"
pcie: {gen: 4, width: 16}
idle: {maxTempC: 90}
maxClockSkewMs: 2000
testImage: ${image}
testCommand: [/usr/bin/node, -e, "console.log(require('fs').readdirSync('/dev').join(' '))"]
load: {seconds: 8, command: [/usr/bin/node, -e, "setTimeout(() => {}, 60000)"], maxTempC: 85, minUtilizationPct: 0}
`;
  const section = (id: string) => page.locator(`li[data-section="${id}"]`);

  beforeAll(async () => {
    world = await openBedConsole({
      prefix: 'edgeward-e2e-commission-',
      // PCIe x8 on GPU 1: one failure to accept with a reason.
      bed: {
        nodes: 1,
        scenario: () => ({ count: 2, overrides: { persistence_mode: 'Enabled' }, gpuOverrides: { '1': { 'pcie.link.width.max': '8' } } }),
      },
      view: 'Commissioning',
      seed: async (backend, b) => {
        await backend.inventory.add(nodeInput(b, b.nodes[0]!, { name: 'clinic-new' }));
        await backend.pool.trust('clinic-new', hostFingerprint(b.nodes[0]!));
      },
    });
    ({ bed, page } = world);
  }, 120_000);
  afterAll(() => world?.close());

  it('shows each section as it runs, stops on Cancel and resumes what is left', async () => {
    await page.getByRole('combobox', { name: 'Node to commission' }).selectOption('clinic-new');
    const editor = page.getByRole('textbox', { name: 'Hardware profile' });
    const run = page.getByRole('button', { name: 'Run the checks' });
    // Checked as typed: a bad profile names its line and field, and cannot be run.
    await editor.fill(profile(bed.image).replace('count: 2', 'count: 0'));
    await expect.poll(() => page.getByTestId('profile-problems').textContent()).toMatch(/line 2.*gpu\.count.*Too small/);
    expect(await run.isDisabled()).toBe(true);
    await editor.fill(profile(bed.image));
    await expect.poll(() => page.getByTestId('profile-problems').textContent()).toBe('');
    // Line numbers beside the text, as in the spec editor; saved to the library and picked back.
    expect((await page.locator('.profile-editor .line-numbers').textContent())?.split('\n').length).toBe(
      profile(bed.image).split('\n').length,
    );
    await page.getByLabel('Save as').fill('Clinic 2 x L40S');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await expect.poll(() => page.locator('.profile-editor [role="status"]').textContent()).toBe('Saved as “Clinic 2 x L40S”.');
    await editor.fill('name: scratch');
    await page.getByRole('combobox', { name: 'Saved profiles' }).selectOption('Clinic 2 x L40S');
    expect(await editor.inputValue()).toBe(profile(bed.image));
    await run.click();
    await expect.poll(() => section('load').getAttribute('data-status'), { timeout: 30_000 }).toBe('running');
    expect(await page.getByText('Checking: GPUs under a short load').count()).toBe(1);
    expect(await section('gpu').getAttribute('data-status')).toBe('done');
    await keepScreenshot(page, 'commission-running');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => section('load').getAttribute('data-status'), { timeout: 15_000 }).toBe('cancelled');
    expect(await section('host').getAttribute('data-status')).toBe('pending');
    await page.getByRole('button', { name: 'Resume (2 left)' }).click();
    await expect.poll(() => section('host').getAttribute('data-status'), { timeout: 40_000 }).toBe('done');
    expect(await section('load').getAttribute('data-status')).toBe('done');
    // A finished section's badge is its verdict: the GPU section with the x8 link says FAIL, never a green "done".
    await expect.poll(() => section('gpu').getAttribute('data-verdict')).toBe('FAIL');
    expect(await section('gpu').locator('.badge').textContent()).toMatch(/FAIL$/);
    expect(await section('gpu').locator('.badge').getAttribute('class')).toMatch(/error/);
  }, 90_000);

  it('accepts the failed check only with a reason, then signs off with the report hash', async () => {
    const row = page.locator('tr[data-check="gpu.pcie"]');
    expect(await row.getAttribute('data-verdict')).toBe('fail');
    expect(await row.textContent()).toContain('GPU 1: Gen4 x8');
    const accept = row.getByRole('button', { name: 'Accept' });
    await row.getByRole('textbox').fill('short');
    expect(await accept.isDisabled()).toBe(true);
    await row.getByRole('textbox').fill('Riser replaced next week, ticket 5120');
    await accept.click();
    await expect.poll(() => row.textContent()).toContain('Riser replaced next week, ticket 5120');
    await expect.poll(() => section('gpu').getAttribute('data-verdict')).toBe('FAIL, accepted');
    // Sign-off asks who signs, then confirms what is signed.
    const form = page.getByRole('form', { name: 'Sign off' });
    await form.getByLabel('Signed by').fill('Kim Field');
    const sign = form.getByRole('button', { name: 'Sign off as WARN…' });
    expect(await sign.isDisabled()).toBe(true); // no role yet
    await form.getByLabel('Role').fill('biomedical engineer');
    await sign.click();
    const confirm = page.getByRole('alertdialog', { name: 'Confirm sign-off' });
    expect(await confirm.textContent()).toMatch(
      /Kim Field \(biomedical engineer\) signs off clinic-new .* as WARN.*1 failed check\(s\) accepted with a reason: gpu\.pcie/,
    );
    await keepScreenshot(page, 'commission-confirm-signoff');
    await confirm.getByRole('button', { name: 'Sign off as WARN' }).click();
    const report = page.getByTestId('commission-report');
    await expect.poll(() => report.textContent(), { timeout: 10_000 }).toMatch(/SHA-256 [0-9a-f]{64}, recorded in the audit log/);
    expect(await report.textContent()).toContain('Signed off by Kim Field (biomedical engineer)');
    const file = /Report: (\S+\.html)/.exec((await report.textContent())!)![1]!;
    expect(fs.readFileSync(file, 'utf8')).toContain('Verdict: WARN');
    expect(fs.readFileSync(file, 'utf8')).toContain('Kim Field (biomedical engineer)');
    await keepScreenshot(page, 'commission-signed-off');
    // Open report: a new tab from a one-time link, showing the report as written.
    const [tab] = await Promise.all([page.context().waitForEvent('page'), report.getByRole('button', { name: 'Open report' }).click()]);
    await tab.waitForLoadState();
    expect(await tab.textContent('body')).toContain('Verdict: WARN');
    expect(tab.url()).toMatch(/\/doc\/[A-Za-z0-9_-]{32}$/);
    const again = await tab.reload();
    expect(again?.status()).toBe(404);
    await tab.close();
  }, 60_000);

  it('shows the signed-off commissioning after a restart with the node unreachable', async () => {
    cut(bed.nodes[0]!);
    try {
      world.serve.kill();
      await world.browser.close();
      await world.reopen('Commissioning');
      page = world.page;
      await page.getByRole('combobox', { name: 'Node to commission' }).selectOption('clinic-new');
      await expect.poll(() => page.getByRole('region', { name: 'Reports' }).textContent(), { timeout: 10_000 }).toMatch(/warn/);
      await page.getByRole('button', { name: 'Review' }).click();
      await expect.poll(() => page.locator('tr[data-check="gpu.pcie"]').textContent()).toContain('Riser replaced next week');
      expect(await page.getByTestId('commission-report').textContent()).toMatch(/[0-9a-f]{64}/);
    } finally {
      restore(bed.nodes[0]!);
    }
  }, 60_000);
});
