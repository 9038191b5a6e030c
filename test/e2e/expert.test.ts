import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { cut, restore, setScenario, type BedState } from '../testbed/bed.js';
import { hostFingerprint, nodeInput } from '../integration/helpers/fleet.js';
import { openBedConsole, type BedConsole } from './bed-console.js';
import { keepScreenshot, openView } from './browser.js';
import { seriousViolations } from './a11y.js';

/**
 * Expert speed on two new nodes: bulk trust from the Fleet table, the command palette, the view
 * and density remembered; then every view in both themes, screenshotted and checked with axe-core.
 */
describe('Expert use in Chromium: bulk actions, command palette, every view accessible', () => {
  let world: BedConsole;
  let bed: BedState;
  let page: Page;

  beforeAll(async () => {
    world = await openBedConsole({
      prefix: 'edgeward-e2e-expert-',
      bed: { nodes: 2, image: false },
      view: 'Fleet',
      watchFleet: true,
      // Added, not trusted: the console meets both keys for the first time.
      seed: async (backend, b) => {
        for (const n of b.nodes) await backend.inventory.add(nodeInput(b, n, { site: 'east' }));
      },
    });
    ({ bed, page } = world);
  }, 120_000);
  afterAll(() => world?.close());

  it('trusts both new host keys at once, after listing each fingerprint to compare', async () => {
    const row = (n: string) => page.locator('.data-table tbody tr', { hasText: n });
    await expect.poll(() => row('node-02').textContent(), { timeout: 20_000 }).toMatch(/not trusted yet/i);
    await page.getByRole('checkbox', { name: 'Select every node shown' }).check();
    const bar = page.getByRole('region', { name: 'Selected nodes' });
    await expect.poll(() => bar.getByRole('button', { name: /^Trust 2 new host key/ }).isEnabled(), { timeout: 15_000 }).toBe(true);
    await bar.getByRole('button', { name: /^Trust 2 new host key/ }).click();
    const list = page.getByTestId('bulk-fingerprints');
    for (const n of bed.nodes) expect(await list.locator('tr', { hasText: n.name }).textContent()).toContain(hostFingerprint(n));
    await keepScreenshot(page, 'fleet-bulk-trust');
    await page.getByRole('button', { name: /^The fingerprints match: trust 2 key/ }).click();
    await expect.poll(() => bar.getByRole('status').textContent(), { timeout: 15_000 }).toBe('Trusted 2 of 2 key(s).');
    for (const n of bed.nodes)
      await expect.poll(() => row(n.name).locator('.health').getAttribute('data-level'), { timeout: 30_000 }).toBe('ok');
  }, 90_000);

  it('goes to a node and runs a check from the command palette (Ctrl+K)', async () => {
    await page.keyboard.press('Control+k');
    const palette = page.getByRole('dialog', { name: 'Command palette' });
    await palette.getByRole('combobox').fill('node node-02');
    await expect.poll(() => palette.getByRole('option').first().textContent()).toContain('Go to node node-02');
    await keepScreenshot(page, 'command-palette');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.url()).toMatch(/#\/node\/node-02$/);
    await page.keyboard.press('Control+k');
    await palette.getByRole('combobox').fill('check 01');
    // The nodes arrive from the main side just after the palette opens.
    await expect.poll(() => palette.getByRole('option').first().textContent()).toContain('Run check on node-01');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.url()).toMatch(/#\/fleet\/run(\/|%2F)node-01$/);
    await page.getByRole('button', { name: 'Run check' }).click();
    const pane = page.locator('.pane[data-node="node-01"]');
    await expect.poll(() => pane.getAttribute('data-outcome'), { timeout: 15_000 }).toBe('ok');
    expect(await page.locator('.pane').count()).toBe(1);
  }, 60_000);

  it('remembers table or tiles and the density across a reload', async () => {
    await openView(page, 'Fleet');
    await page.getByRole('button', { name: 'Tiles' }).click();
    await page.getByRole('button', { name: 'Compact rows' }).click();
    expect(await page.locator('html').getAttribute('data-density')).toBe('compact');
    // A reload elsewhere, then Fleet from the navigation: the tiles again, and compact rows still.
    await page.goto(page.url().replace(/#.*$/, '#/node/node-01'));
    await page.reload();
    await page.locator('main h1', { hasText: 'node-01' }).waitFor();
    await openView(page, 'Fleet');
    await expect.poll(() => page.url()).toMatch(/#\/fleet\/overview$/);
    await page.getByTestId('fleet-overview').waitFor();
    expect(await page.locator('html').getAttribute('data-density')).toBe('compact');
    expect(await page.getByRole('button', { name: 'Compact rows' }).getAttribute('aria-pressed')).toBe('true');
    await page.getByRole('button', { name: 'Table' }).click();
    await page.getByRole('button', { name: 'Compact rows' }).click();
  }, 60_000);

  it('says the same health in every place for each scripted state: live, hot GPU, cooled, cut, restored, Xid, drained', async () => {
    const node = bed.nodes[0]!;
    // Ages tick between views: compare words, not the numbers in them.
    const norm = (s: string | null) =>
      (s ?? '')
        .replace(/\d+(\.\d+)?/g, '#')
        .replace(/\s+/g, ' ')
        .trim();
    const places = async () => {
      const out: Record<string, string> = {};
      await openView(page, 'Fleet');
      const cell = page.locator('.data-table tbody tr', { hasText: node.name }).locator('.health');
      out.table = `${await cell.getAttribute('data-level')} ${norm(await cell.locator('> span.small').textContent())}`;
      out.status = (await page.getByTestId('fleet-summary').textContent()) ?? '';
      await page.getByRole('button', { name: 'Tiles' }).click();
      const tile = page.locator(`[data-testid="tile"][data-node="${node.name}"]`);
      await tile.waitFor();
      out.tile = `${await tile.getAttribute('data-level')} ${norm(await tile.locator('.tile-worst').textContent())}`;
      await page.getByRole('button', { name: 'Table' }).click();
      await openView(page, 'Topology');
      const item = page.locator(`li[data-node="${node.name}"] .health`).first();
      out.topology = `${await item.getAttribute('data-level')} ${norm(await item.locator('> span.small').textContent())}`;
      await page.goto(page.url().replace(/#.*$/, `#/node/${node.name}`));
      const header = page.getByTestId('node-health').locator('.health');
      await header.waitFor();
      out.node = `${await header.getAttribute('data-level')} ${norm(await header.locator('> span.small').textContent())}`;
      return out;
    };
    const agreeOn = async (level: string, reason: RegExp) =>
      expect
        .poll(
          async () => {
            const p = await places();
            const [first, ...rest] = ['table', 'tile', 'topology', 'node'].map((k) => p[k]!);
            const agree = rest.every((x) => x === first);
            const counted = new RegExp(`\\b\\d+ ${level}\\b`).test(p.status!);
            return agree && counted && first!.startsWith(`${level} `) && reason.test(first!) ? 'agree' : JSON.stringify(p);
          },
          { timeout: 60_000, interval: 1000 },
        )
        .toBe('agree');
    await agreeOn('ok', /All signals normal/);
    setScenario(node, { count: 1, temperatureDriftCPerMin: 2400 });
    await agreeOn('critical', /GPU # at # °C/);
    setScenario(node, { count: 1 });
    await agreeOn('ok', /All signals normal/);
    cut(node);
    try {
      await agreeOn('unreachable', /Link lost/);
    } finally {
      restore(node);
    }
    await agreeOn('ok', /All signals normal/);
    setScenario(node, { count: 1, xids: [{ afterS: 1, index: 0, code: 13 }] });
    await agreeOn('warning', /Xid #/);
    // Drained for maintenance: said first everywhere, with what is true underneath; then undrained.
    await page.goto(page.url().replace(/#.*$/, `#/node/${node.name}`));
    await page.getByRole('button', { name: 'Drain…' }).click();
    const drain = page.getByRole('form', { name: 'Drain' });
    await drain.getByLabel('Reason').fill('fan swap INC-4411');
    await drain.getByLabel('For').selectOption({ label: '4 hours' });
    await drain.getByRole('button', { name: `Drain ${node.name}` }).click();
    await agreeOn('drained', /^drained Drained \(ends in # h\): fan swap INC-#; warning: .*Xid #/);
    await page.goto(page.url().replace(/#.*$/, `#/node/${node.name}`));
    await page.getByRole('button', { name: 'Undrain' }).click();
    await agreeOn('warning', /Xid #/);
  }, 360_000);

  it('has no serious accessibility violation on any view, in the light and the dark theme', async () => {
    const views = ['Fleet', 'Topology', 'Deployments', 'Services', 'Alerts', 'Audit', 'Commissioning', 'Settings', 'Jobs'];
    const found: string[] = [];
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const view of views) {
        await openView(page, view);
        await page.waitForTimeout(300);
        await keepScreenshot(page, `view-${view.toLowerCase()}-${scheme}`);
        for (const v of await seriousViolations(page)) found.push(`${view} (${scheme}): ${v.id} ${v.help} at ${JSON.stringify(v.nodes)}`);
      }
      await page.goto(page.url().replace(/#.*$/, '#/node/node-01'));
      await page.locator('main h1').waitFor();
      await keepScreenshot(page, `view-node-${scheme}`);
      for (const v of await seriousViolations(page)) found.push(`Node (${scheme}): ${v.id} ${v.help} at ${JSON.stringify(v.nodes)}`);
    }
    expect(found).toEqual([]);
  }, 120_000);
});
