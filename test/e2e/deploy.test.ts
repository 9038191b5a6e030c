import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { hostFingerprint, nodeInput } from '../integration/helpers/fleet.js';
import { openBedConsole, type BedConsole } from './bed-console.js';
import { keepScreenshot } from './browser.js';

const spec = (version: string, image = 'localhost/edgeward/oip-test:1') => `name: cxr
image: ${image}
gpus:
  count: 1
env:
  MODEL_NAME: chest-xray
  MODEL_VERSION: "${version}"
ports:
  - container: 8000
    host: 18700
health:
  successThreshold: 2
  intervalS: 0.5
  timeoutS: 30
targets:
  tags: [e2e-deploy]
strategy:
  canary: 1
  waves:
    size: 1
  soakS: 1
`;

describe('Deployments in Chromium against the simulated fleet', () => {
  let world: BedConsole;
  let page: Page;

  beforeAll(async () => {
    world = await openBedConsole({
      prefix: 'edgeward-e2e-deploy-',
      bed: { nodes: 2, scenario: () => ({ count: 2 }) },
      view: 'Deployments',
      seed: async (backend, bed) => {
        for (const [i, n] of bed.nodes.entries()) {
          await backend.inventory.add(nodeInput(bed, n, { name: `dep-0${i + 1}`, tags: ['e2e-deploy'], site: i ? 'south' : 'north' }));
          await backend.pool.trust(`dep-0${i + 1}`, hostFingerprint(n));
        }
      },
    });
    page = world.page;
  }, 120_000);
  afterAll(() => world?.close());

  const editor = () => page.getByRole('textbox', { name: 'Deployment spec (YAML)' });

  it('checks a spec as it is typed, naming the line and the field', async () => {
    await page.getByRole('button', { name: 'New spec' }).click();
    await editor().fill(spec('1', 'localhost/edgeward/OIP test'));
    const problems = page.getByTestId('spec-problems');
    await expect.poll(() => problems.textContent()).toMatch(/line 2.*image.*no spaces, quotes or shell characters/);
    expect(await page.getByRole('button', { name: 'Check placement' }).isDisabled()).toBe(true);
    await editor().fill(spec('1'));
    await expect.poll(() => problems.textContent()).toBe('');
  });

  it('shows where it goes, applies it, and follows the rollout: canary, then the wave', async () => {
    await page.getByRole('button', { name: 'Check placement' }).click();
    await expect.poll(() => page.getByTestId('plan').textContent(), { timeout: 20_000 }).toMatch(/2 node\(s\) can take cxr/);
    expect(await page.getByTestId('plan').textContent()).toMatch(/dep-01.*docker, GPU 0/);
    await page.getByRole('button', { name: 'Apply to 2 node(s)…' }).click();
    // Nothing starts before the summary is confirmed: which nodes, in which order, what stops.
    const confirm = page.getByRole('alertdialog', { name: 'Confirm apply' });
    expect(await confirm.textContent()).toMatch(/cxr .*goes to dep-01, dep-02: the canary first, then wave by wave/);
    expect(await page.getByTestId('rollout-timeline').count()).toBe(0);
    await confirm.getByRole('button', { name: 'Roll out to 2 node(s)' }).click();
    const timeline = page.getByTestId('rollout-timeline');
    await expect.poll(() => timeline.getAttribute('data-status'), { timeout: 10_000 }).toBe('running');
    // While the canary runs, the other node waits for its wave.
    await expect.poll(() => page.locator('.wave-node[data-state="pending"]').count(), { timeout: 10_000 }).toBe(1);
    await keepScreenshot(page, 'deploy-rollout-running');
    await expect.poll(() => timeline.getAttribute('data-status'), { timeout: 90_000 }).toBe('succeeded');
    expect(await page.locator('.wave-node[data-state="done"]').count()).toBe(2);
    expect(await page.locator('.wave h3').allTextContents()).toEqual(['Canary', 'Wave 1']);
    await keepScreenshot(page, 'deploy-rollout-succeeded');
  }, 120_000);

  it('shows the container log of a node', async () => {
    await page.locator('.wave-node[data-node="dep-01"]').getByRole('button', { name: 'Logs' }).click();
    await expect.poll(() => page.getByTestId('container-log').textContent(), { timeout: 10_000 }).toMatch(/\S/);
  });

  it('applies a second revision, then rolls back to the first in one step', async () => {
    await page.getByRole('button', { name: 'Edit spec' }).click();
    await editor().fill(spec('2'));
    await page.getByRole('button', { name: 'Check placement' }).click();
    await page.getByRole('button', { name: 'Apply to 2 node(s)…' }).click();
    await page.getByRole('alertdialog', { name: 'Confirm apply' }).getByRole('button', { name: 'Roll out to 2 node(s)' }).click();
    const timeline = page.getByTestId('rollout-timeline');
    await expect.poll(() => timeline.textContent(), { timeout: 10_000 }).toContain('Revision 2 (apply)');
    await expect.poll(() => timeline.getAttribute('data-status'), { timeout: 90_000 }).toBe('succeeded');
    // Once it ended, no row still says the old revision is kept stopped "until the rollout ends".
    expect(await timeline.textContent()).not.toContain('kept stopped');
    expect(await timeline.textContent()).toContain('revision 1 replaced');
    // The rollback says where it goes and lets the revision be chosen (only those that ran everywhere).
    await page.getByRole('button', { name: 'Roll back…' }).click();
    const back = page.getByRole('alertdialog', { name: 'Confirm rollback' });
    expect(await back.getByRole('combobox').locator('option').allTextContents()).toEqual([expect.stringMatching(/^r1: /)]);
    expect(await back.textContent()).toMatch(/cxr goes from r2 to r1 on 2 node\(s\)/);
    await back.getByRole('button', { name: 'Roll back to r1' }).click();
    await expect.poll(() => timeline.textContent(), { timeout: 20_000 }).toContain('Revision 1 (rollback)');
    await expect.poll(() => timeline.getAttribute('data-status'), { timeout: 90_000 }).toBe('succeeded');
    await keepScreenshot(page, 'deploy-rolled-back');
    await page.getByRole('button', { name: 'Check drift' }).click();
    await expect.poll(() => page.getByTestId('drift').textContent(), { timeout: 20_000 }).toBe('No drift: every node runs what it should.');
    expect(await page.getByRole('table', { name: 'Revisions' }).textContent()).toMatch(/2.*1/);
    // The list says what runs: r1, rolled back (not the newest revision, r2).
    await expect.poll(() => page.getByRole('navigation', { name: 'Deployments' }).textContent()).toMatch(/cxr r1 \(rolled back\)/);
  }, 200_000);
});
