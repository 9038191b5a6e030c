import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { cut, restore, type BedState } from '../testbed/bed.js';
import { hostFingerprint, nodeInput } from '../integration/helpers/fleet.js';
import { openBedConsole, type BedConsole } from './bed-console.js';
import { keepScreenshot } from './browser.js';

/**
 * Hub-and-spoke at a glance: a site whose nodes sit behind a gateway. When the gateway goes down,
 * the topology and the alerts say so once, under the gateway, not once per node behind it.
 */
describe('Topology in Chromium: sites → gateways → nodes', () => {
  let world: BedConsole;
  let bed: BedState;
  let page: Page;
  const byName = (n: string) => bed.nodes.find((x) => x.name === n)!;
  const item = (n: string) => page.locator(`li[data-node="${n}"]`);

  beforeAll(async () => {
    world = await openBedConsole({
      prefix: 'edgeward-e2e-topology-',
      bed: { nodes: 2, hidden: true, image: false },
      view: 'Topology',
      watchFleet: true,
      seed: async (backend, b) => {
        const find = (n: string) => b.nodes.find((x) => x.name === n)!;
        await backend.inventory.add(nodeInput(b, find('node-01'), { name: 'node-01', role: 'gateway', site: 'north' }));
        await backend.inventory.add(nodeInput(b, find('site1-01'), { via: ['node-01'], site: 'north' }));
        await backend.inventory.add(nodeInput(b, find('site2-01'), { via: ['node-01', 'site1-01'], site: 'north' }));
        await backend.inventory.add(nodeInput(b, find('node-02'), { site: 'south' }));
        for (const n of ['node-01', 'site1-01', 'site2-01', 'node-02']) await backend.pool.trust(n, hostFingerprint(find(n)));
      },
    });
    ({ bed, page } = world);
  }, 120_000);
  afterAll(() => world?.close());

  it('draws each site with its gateway and the nodes reached through it, each with its health', async () => {
    const north = page.getByRole('region', { name: 'Site north' });
    await expect.poll(() => north.textContent(), { timeout: 15_000 }).toContain('3 node(s)');
    // site2-01 hangs under site1-01, which hangs under the gateway.
    expect(await item('node-01').locator('li[data-node="site1-01"] li[data-node="site2-01"]').count()).toBe(1);
    expect(await item('node-01').getAttribute('data-role')).toBe('gateway');
    expect(await page.getByRole('region', { name: 'Site south' }).locator('li[data-node="node-02"]').count()).toBe(1);
    await expect.poll(() => item('site2-01').getAttribute('data-level'), { timeout: 30_000 }).toBe('ok');
    await expect.poll(() => item('node-01').getAttribute('data-level'), { timeout: 15_000 }).toBe('ok');
    await keepScreenshot(page, 'topology');
  }, 60_000);

  it('reads a gateway outage as one fact: its nodes fold under it, and their alerts group under it', async () => {
    cut(byName('node-01'));
    try {
      await expect.poll(() => item('node-01').getAttribute('data-level'), { timeout: 45_000 }).toBe('unreachable');
      const fold = item('node-01').getByRole('button', { name: /2 node\(s\) behind it out of reach/ });
      await expect.poll(() => fold.count(), { timeout: 30_000 }).toBe(1);
      expect(await fold.getAttribute('aria-expanded')).toBe('false');
      await fold.click();
      await expect
        .poll(() => item('site1-01').locator('.health').first().textContent(), { timeout: 15_000 })
        .toMatch(/Behind node-01, which is unreachable/);
      // The other site is untouched.
      expect(await item('node-02').getAttribute('data-level')).toBe('ok');
      await keepScreenshot(page, 'topology-gateway-down');

      // Alerts: after the unreachable threshold, both nodes' alerts sit in one group under the gateway.
      await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: /^Alerts/ })
        .click();
      const group = page.locator('[data-testid="gateway-group"][data-gateway="node-01"]');
      await expect
        .poll(() => group.textContent(), { timeout: 60_000 })
        .toMatch(/node-01 is unreachable: 2 node\(s\) behind it are out of reach/);
      expect(await page.locator('.data-table tbody tr', { hasText: 'node-unreachable' }).count()).toBe(0);
      await keepScreenshot(page, 'alerts-gateway-group');
    } finally {
      restore(byName('node-01'));
    }
  }, 150_000);
});
