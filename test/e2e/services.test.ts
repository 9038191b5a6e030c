import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { hostFingerprint, nodeInput } from '../integration/helpers/fleet.js';
import { startFrontDoor, type FrontDoorLb } from '../testbed/front-door.js';
import { openBedConsole, type BedConsole } from './bed-console.js';
import { keepScreenshot, openView } from './browser.js';

const PORT = 18710;
const spec = `name: sepsis
image: localhost/edgeward/oip-test:1
profile: cds
env:
  MODEL_NAME: sepsis
  LATENCY_MS: "3"
ports:
  - container: 8000
    host: ${PORT}
health:
  successThreshold: 2
  intervalS: 0.5
  timeoutS: 30
targets:
  tags: [cds]
strategy:
  canary: 0
  soakS: 1
`;

describe('the Service view in Chromium: health, redundancy, a failover drill and its report', () => {
  let world: BedConsole;
  let page: Page;
  let door: FrontDoorLb | undefined;

  beforeAll(async () => {
    world = await openBedConsole({
      prefix: 'edgeward-e2e-services-',
      bed: { nodes: 2, scenario: () => ({ count: 1 }) },
      view: 'Services',
      seed: async (backend, bed) => {
        for (const [i, n] of bed.nodes.entries()) {
          await backend.inventory.add(nodeInput(bed, n, { name: `cds-0${i + 1}`, tags: ['cds'], site: 'icu' }));
          await backend.pool.trust(`cds-0${i + 1}`, hostFingerprint(n));
        }
        const { done } = await backend.deploy.apply(spec);
        const r = await done;
        if (r.status !== 'succeeded') throw new Error(`the seed rollout ${r.status}: ${r.message}`);
        door = await startFrontDoor(bed.nodes.map((n) => `${n.address}:${PORT}`));
        await backend.services.apply(`name: sepsis-cds
description: Sepsis early warning for the ICU
deployment: sepsis
profile: cds
members: [cds-01, cds-02]
redundancy:
  minHealthy: 1
frontDoor:
  url: ${door.url('/v2/health/ready')}
`);
      },
    });
    page = world.page;
  }, 240_000);
  afterAll(async () => {
    await world?.close();
    await door?.close();
  });

  it('shows the service healthy, each member ready with its revision, and the front door answering', async () => {
    await openView(page, 'Services');
    const summary = page.getByTestId('service-summary');
    await expect.poll(() => summary.textContent(), { timeout: 20_000 }).toBe('2 of 2 ready, minimum 1');
    expect(await page.getByRole('region', { name: 'Service sepsis-cds' }).locator('.badge').first().textContent()).toContain('Healthy');
    expect(await page.getByTestId('front-door').textContent()).toMatch(/Answers.*HTTP 200/);
    const group = page.getByRole('table', { name: 'Group all' });
    expect(await group.locator('tbody tr').allTextContents()).toEqual([
      expect.stringMatching(/^cds-01.*Ready.*ready \(\d+ ms\)1$/),
      expect.stringMatching(/^cds-02.*Ready.*ready \(\d+ ms\)1$/),
    ]);
    expect(await page.getByTestId('service-changes').textContent()).toMatch(/service\.apply ok/);
    await keepScreenshot(page, 'service-healthy');
  });

  it('checks the YAML as it is typed, naming the line and the field', async () => {
    await page.getByRole('button', { name: 'Edit' }).click();
    const editor = page.getByRole('textbox', { name: 'Service (YAML)' });
    const text = await editor.inputValue();
    await editor.fill(text.replace('minHealthy: 1', 'minHealthy: 2'));
    await expect
      .poll(() => page.getByTestId('service-problems').textContent())
      .toMatch(/line 7.*redundancy\.minHealthy.*leaves none of the service's 2 member\(s\) free to be changed/);
    expect(await page.getByRole('button', { name: 'Apply service' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Close' }).click();
  });

  it('runs a failover drill with progress, passes it, and opens its report', async () => {
    const box = page.getByRole('region', { name: 'Failover drill' });
    await box.getByLabel('Take out').selectOption('cds-01');
    await box.getByLabel('for (s)').fill('5');
    await box.getByRole('button', { name: 'Run drill…' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Confirm drill' });
    expect(await confirm.textContent()).toMatch(/The container of sepsis-cds on cds-01 is stopped for 5 s/);
    await confirm.getByRole('button', { name: 'Stop cds-01 for 5 s' }).click();
    await expect.poll(() => page.getByTestId('drill').textContent(), { timeout: 10_000 }).toMatch(/probing: cds-01 is out/);
    await keepScreenshot(page, 'service-drill-running');
    const result = page.getByTestId('drill-result');
    await expect.poll(() => result.textContent(), { timeout: 90_000 }).toMatch(/Drill passed.*cds-01 is ready again/);
    expect(await result.getByRole('table', { name: 'Drill probes' }).textContent()).toMatch(
      /front door http:\/\/127\.0\.0\.1:\d+\/v2\/health\/ready\d+0/,
    );
    await keepScreenshot(page, 'service-drill-passed');
    const [tab] = await Promise.all([page.context().waitForEvent('page'), result.getByRole('button', { name: 'Open report' }).click()]);
    await tab.waitForLoadState();
    expect(await tab.locator('h1').textContent()).toBe('Failover drill: sepsis-cds');
    expect(await tab.locator('body').textContent()).toMatch(/Verdict: PASS.*Member taken outcds-01/s);
    await tab.close();
    // The drill is in the service's recent changes, and the members are ready again.
    await expect.poll(() => page.getByTestId('service-changes').textContent(), { timeout: 10_000 }).toMatch(/drill\.run ok on cds-01/);
    await expect.poll(() => page.getByTestId('service-summary').textContent(), { timeout: 10_000 }).toBe('2 of 2 ready, minimum 1');
  }, 150_000);

  it("sets a site's maintenance windows in its time zone, refusing one it cannot read", async () => {
    const form = page.getByRole('form', { name: "Set a site's windows" });
    await form.getByLabel('Site').fill('icu');
    await form.getByLabel('Time zone').fill('Europe/Berlin');
    await form.getByLabel(/Windows, one per line/).fill('tuesday 02:00-04:00');
    await form.getByRole('button', { name: 'Save windows' }).click();
    await expect.poll(() => page.getByRole('alert').filter({ hasText: 'days are' }).textContent()).toMatch(/days are sun, mon, tue/);
    await form.getByLabel(/Windows, one per line/).fill('tue,thu 02:00-04:00\n2026-12-24 01:00-03:00');
    await form.getByRole('button', { name: 'Save windows' }).click();
    await expect
      .poll(() => page.getByTestId('site-windows').textContent())
      .toBe('icu (Europe/Berlin): tue,thu 02:00-04:00; 2026-12-24 01:00-03:00');
  });
});
