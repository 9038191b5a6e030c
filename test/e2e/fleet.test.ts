import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import fs from 'node:fs';
import { cut, enableKeyboardInteractive, restore, setScenario, type BedState } from '../testbed/bed.js';
import { TEST_PASSWORD } from '../testbed/layout.js';
import { hostFingerprint } from '../integration/helpers/fleet.js';
import { openBedConsole, type BedConsole } from './bed-console.js';
import { keepScreenshot } from './browser.js';

describe('Fleet in Chromium against the simulated fleet', () => {
  let world: BedConsole;
  let bed: BedState;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    world = await openBedConsole({ prefix: 'edgeward-e2e-fleet-', bed: { nodes: 2, image: false }, view: 'Fleet' });
    ({ bed, page } = world);
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  }, 120_000);
  afterAll(() => world?.close());

  it('adds a node through the wizard and confirms its fingerprint', async () => {
    const node = bed.nodes[0]!;
    await page.getByRole('button', { name: 'Add node' }).click();
    const form = page.getByRole('form', { name: 'New node' });
    await form.getByLabel('Name', { exact: true }).fill('e2e-01');
    await form.getByLabel('Address', { exact: true }).fill(node.address);
    await form.getByLabel('User', { exact: true }).fill('root');
    await form.getByLabel('Sign in with').selectOption('key');
    await form.getByLabel('Key file', { exact: true }).fill(bed.privateKey);
    await form.getByLabel('Site', { exact: true }).fill('north');
    await form.getByLabel('Department', { exact: true }).fill('radiology');
    await form.getByRole('button', { name: 'Add and test connection' }).click();
    // First contact: the real host key's fingerprint, to compare before anything else happens.
    await expect.poll(() => page.getByTestId('fingerprint').textContent(), { timeout: 15_000 }).toBe(hostFingerprint(node));
    await keepScreenshot(page, 'fleet-confirm-fingerprint');
    await page.getByRole('button', { name: /fingerprints match/ }).click();
    await expect.poll(() => page.getByTestId('test-result').textContent(), { timeout: 15_000 }).toMatch(/Connected.*Logged in as root/);
  });

  it('lists the node in the fleet with its status, site and department', async () => {
    await page.getByRole('button', { name: 'Back to fleet' }).click();
    const row = page.locator('.data-table tbody tr', { hasText: 'e2e-01' });
    await expect.poll(() => row.textContent()).toContain('Connected');
    // Site over department in one cell (two lines; innerText keeps the line break).
    expect(await row.locator('td').nth(5).innerText()).toBe('north\nradiology');
    expect(await page.locator('.fleet-tree').textContent()).toContain('radiology (1)');
  });

  it('runs a read-only check and a confirmed free command, with per-node output', async () => {
    await page.getByRole('button', { name: 'Run command' }).click();
    await page.getByRole('button', { name: 'Run check' }).click();
    const pane = page.locator('.pane[data-node="e2e-01"]');
    await expect.poll(() => pane.getAttribute('data-outcome'), { timeout: 15_000 }).toBe('ok');
    expect(await pane.locator('pre').textContent()).toMatch(/^0, NVIDIA L40S, \d+, \d+ %, \d+ MiB, 46068 MiB/);

    await page.getByLabel('Free command').check();
    await page.getByRole('textbox', { name: 'Free command' }).fill('echo "hello from $(hostname)"');
    await page.getByRole('button', { name: 'Review and run' }).click();
    expect(await page.getByRole('alertdialog', { name: 'Confirm command' }).textContent()).toContain('on 1 node(s)');
    await page.getByRole('button', { name: 'Run it' }).click();
    await expect.poll(() => pane.locator('pre').textContent(), { timeout: 15_000 }).toBe(`hello from ${bed.nodes[0]!.name}\n`);
    await expect.poll(() => page.locator('.progress-task .badge').textContent()).toContain('Done');
    await keepScreenshot(page, 'fleet-run-output');
  });

  it('shows live GPU telemetry in the node view and raises a temperature alert that can be acknowledged', async () => {
    setScenario(bed.nodes[0]!, { model: 'l40s', count: 2, load: 'load' });
    await page.getByRole('button', { name: 'Back to fleet' }).click();
    await page.getByRole('link', { name: 'e2e-01' }).click();
    const live = page.getByTestId('live-telemetry');
    await expect.poll(() => live.getAttribute('data-session'), { timeout: 15_000 }).toBe('live');
    await expect.poll(() => live.locator('tbody tr[data-gpu]').count()).toBe(2);
    expect(await live.locator('tbody tr[data-gpu="0"]').textContent()).toContain('NVIDIA L40S');
    // Live charts (recharts): one line per GPU in each of the four charts.
    await expect.poll(() => page.locator('[data-testid="live-charts"] .recharts-line').count(), { timeout: 10_000 }).toBe(8);
    // A failing fan: +40 °C a second.
    setScenario(bed.nodes[0]!, { model: 'l40s', count: 2, load: 'load', temperatureDriftCPerMin: 2400 });
    await expect
      .poll(async () => Number((await page.getByTestId('temp-0').textContent())?.replace(/[^\d]/g, '')), { timeout: 15_000 })
      .toBeGreaterThan(92);
    await keepScreenshot(page, 'node-live-telemetry');
    expect(consoleErrors).toEqual([]);
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: /^Alerts/ })
      .click();
    const row = page.locator('.data-table tbody tr', { hasText: 'gpu-temperature' }).first();
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toMatch(/Critical.*e2e-01.*GPU \d at \d+ °C/);
    // One truth: the nav counts it from every view, and the Fleet table's health says the same as the alert.
    const nav = page.getByRole('navigation', { name: 'Main' });
    await expect
      .poll(() => page.getByTestId('nav-alert-count').getAttribute('aria-label'), { timeout: 10_000 })
      .toMatch(/^[1-9]\d* critical/);
    await nav.getByRole('link', { name: /^Fleet/ }).click();
    const fleetRow = page.locator('.data-table tbody tr', { hasText: 'e2e-01' });
    await expect.poll(() => fleetRow.locator('.health').getAttribute('data-level'), { timeout: 10_000 }).toBe('critical');
    expect(await fleetRow.locator('.health').textContent()).toMatch(/Critical.*GPU \d at \d+ °C/);
    // Worst first: the critical node heads the table.
    expect(await page.locator('.data-table tbody tr').first().textContent()).toContain('e2e-01');
    await nav.getByRole('link', { name: /^Alerts/ }).click();
    // Acknowledge with a note: the note shows on the alert and in its history.
    await row.getByRole('button', { name: 'Acknowledge…' }).click();
    const ackDialog = page.getByRole('dialog', { name: /^Acknowledge gpu-temperature:e2e-01/ });
    // No Alertmanager is configured here: the dialog offers no silence there.
    expect(await ackDialog.getByLabel(/^Also silence it in Alertmanager/).count()).toBe(0);
    await ackDialog.getByLabel(/^Note/).fill('facilities checking the chiller');
    await ackDialog.getByRole('button', { name: 'Acknowledge' }).click();
    await expect.poll(() => row.textContent()).toContain('“facilities checking the chiller”');
    expect(await row.getByRole('button', { name: 'Acknowledge…' }).count()).toBe(0);
    await expect
      .poll(() => page.getByTestId('alert-history').locator('tr[data-kind="acknowledge"]').first().textContent())
      .toContain('facilities checking the chiller');
    // Silence the node's temperature alerts for an hour, with a reason: the nav count drops, the alert stays shown.
    const navCount = async () => {
      const badge = page.getByTestId('nav-alert-count');
      return (await badge.count()) ? badge.getAttribute('aria-label') : 'none';
    };
    const before = await navCount();
    await row.getByRole('button', { name: 'Silence…' }).click();
    const silenceDialog = page.getByRole('dialog', { name: /^Silence gpu-temperature:e2e-01/ });
    await expect.poll(() => silenceDialog.getByRole('button', { name: 'Silence' }).isDisabled()).toBe(true);
    await silenceDialog.getByLabel(/every gpu-temperature alert on e2e-01/).check();
    await silenceDialog.getByLabel('For').selectOption({ label: '1 hour' });
    await silenceDialog.getByLabel(/^Reason/).fill('fan swap, INC-4411');
    await silenceDialog.getByRole('button', { name: 'Silence' }).click();
    await expect.poll(() => row.getByTestId('silenced').textContent()).toMatch(/^silenced until .*: fan swap, INC-4411/);
    await expect
      .poll(() => page.getByTestId('silences').locator('tr[data-active="true"]').textContent())
      .toContain('gpu-temperature alerts on e2e-01');
    await expect.poll(navCount, { timeout: 10_000 }).not.toBe(before);
    await keepScreenshot(page, 'alerts-silenced');
    await page.getByTestId('silences').getByRole('button', { name: 'End now' }).click();
    await expect.poll(() => row.getByTestId('silenced').count()).toBe(0);
    await expect.poll(navCount, { timeout: 10_000 }).toBe(before);
    // Firing / resolved / all: the firing alert is under Firing and All, not under Resolved.
    const show = page.getByRole('group', { name: 'Show' });
    await show.getByRole('button', { name: 'Resolved' }).click();
    await expect.poll(() => page.locator('.data-table tbody tr', { hasText: 'gpu-temperature' }).count()).toBe(0);
    await show.getByRole('button', { name: 'Firing' }).click();
    await expect.poll(() => row.textContent()).toMatch(/Critical.*e2e-01/);
    await show.getByRole('button', { name: 'All' }).click();
    await keepScreenshot(page, 'alerts-acknowledged');
    // An Xid 48 (double-bit ECC) shows NVIDIA's runbook text under the alert.
    setScenario(bed.nodes[0]!, {
      model: 'l40s',
      count: 2,
      load: 'load',
      xids: [{ afterS: 1, index: 0, code: 48 }],
    });
    // Telemetry runs while a view watches the node: its page, until the Xid shows there.
    await page.getByRole('link', { name: 'e2e-01' }).first().click();
    await expect.poll(() => page.getByTestId('node-health').textContent(), { timeout: 30_000 }).toMatch(/Xid 48/);
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: /^Alerts/ })
      .click();
    const xidRow = page.locator('.data-table tbody tr', { hasText: 'gpu-xid' }).first();
    await expect.poll(() => xidRow.textContent(), { timeout: 10_000 }).toMatch(/Critical.*e2e-01.*Xid 48/);
    await xidRow.getByText('Runbook: Xid 48').click();
    expect(await xidRow.getByTestId('runbook-48').textContent()).toMatch(/Double Bit ECC Error.*Do now.*drain the node and reset the GPU/);
    // The time range narrows the history; a firing alert shows whatever its age.
    await page.getByTestId('alerts-range').selectOption('1h');
    await expect.poll(() => xidRow.count()).toBe(1);
    setScenario(bed.nodes[0]!, {});
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: /^Fleet/ })
      .click();
    await page.getByRole('button', { name: 'Add node' }).waitFor();
    // The fleet shows each node's last known state with its age (from local history; works offline).
    await expect
      .poll(() => page.locator('.data-table tbody tr', { hasText: 'e2e-01' }).innerText(), { timeout: 10_000 })
      .toMatch(/(just now|\d+ s ago)\nGPU ok · \d+ °C/);
  });

  it('shows the fleet as tiles with sparklines, and the last hour of a node from history with a CSV export', async () => {
    await page.getByRole('button', { name: 'Tiles' }).click();
    const tile = page.locator('[data-testid="tile"][data-node="e2e-01"]');
    await expect.poll(() => tile.getAttribute('data-level'), { timeout: 15_000 }).toBe('ok');
    // The tile says what every view says (the health model), with its live figures.
    expect(await tile.textContent()).toMatch(/All signals normal.*\d+ °C/);
    // Sparklines fill as samples arrive: a path with at least one segment.
    await expect
      .poll(async () => (await tile.locator('svg.sparkline path').first().getAttribute('d'))?.includes('L'), { timeout: 15_000 })
      .toBe(true);
    await keepScreenshot(page, 'fleet-tiles');
    await tile.click();
    await page.getByRole('button', { name: '1 h' }).click();
    const history = page.getByTestId('history-charts');
    await expect.poll(async () => Number(await history.getAttribute('data-points')), { timeout: 15_000 }).toBeGreaterThan(0);
    await expect.poll(() => history.locator('.recharts-line').count()).toBe(8);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^edgeward-e2e-01-1h-.*\.csv$/);
    const csv = fs.readFileSync((await download.path())!, 'utf8').split('\n');
    expect(csv[0]).toBe('time,node,gpu,utilization_pct,temperature_c,power_w,memory_used_mib');
    expect(csv[1]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z,e2e-01,[01],\d+/);
    const [png] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export PNG' }).click()]);
    const bytes = fs.readFileSync((await png.path())!);
    expect(bytes.subarray(1, 4).toString()).toBe('PNG');
    await page.getByRole('button', { name: 'Live' }).click();
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: /^Fleet/ })
      .click();
    await page.getByRole('button', { name: 'Table' }).click();
  });

  it("keeps a node's history on screen when live telemetry must not connect (here: the node disabled)", async () => {
    await page.locator('.data-table').getByRole('link', { name: 'e2e-01' }).click();
    await page.getByLabel('Reason (recorded in the audit log)').fill('GPU swap, ticket 4711');
    await page.getByRole('button', { name: 'Disable node' }).click();
    // No live session (nothing dials the node), and the console's own record still charted.
    await expect
      .poll(() => page.getByTestId('live-blocked').textContent(), { timeout: 10_000 })
      .toContain('the node is disabled (GPU swap, ticket 4711)');
    expect(await page.getByRole('button', { name: 'Live', exact: true }).isDisabled()).toBe(true);
    const history = page.getByTestId('history-charts');
    await expect.poll(async () => Number(await history.getAttribute('data-points')), { timeout: 15_000 }).toBeGreaterThan(0);
    await page.getByRole('button', { name: '1 y', exact: true }).click();
    await expect.poll(() => history.textContent(), { timeout: 15_000 }).toContain('1-hour rollups');
    await page.getByRole('button', { name: 'Enable node' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Live', exact: true }).isDisabled(), { timeout: 10_000 }).toBe(false);
    expect(await page.getByTestId('live-blocked').count()).toBe(0);
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: /^Fleet/ })
      .click();
  });

  it('asks a keyboard-interactive (MFA) node its questions in a dialog', async () => {
    const node = bed.nodes[1]!;
    await enableKeyboardInteractive(node);
    await page.getByRole('button', { name: 'Add node' }).click();
    const form = page.getByRole('form', { name: 'New node' });
    await form.getByLabel('Name', { exact: true }).fill('e2e-mfa');
    await form.getByLabel('Address', { exact: true }).fill(node.address);
    await form.getByLabel('User', { exact: true }).fill('edge');
    await form.getByLabel('Sign in with').selectOption('keyboard-interactive');
    await form.getByRole('button', { name: 'Add and test connection' }).click();
    await page.getByRole('button', { name: /fingerprints match/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Login questions from e2e-mfa' });
    await dialog.waitFor();
    const input = dialog.getByLabel('Password:');
    expect(await input.getAttribute('type')).toBe('password');
    await input.fill(TEST_PASSWORD);
    await keepScreenshot(page, 'fleet-mfa-prompt');
    await dialog.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => page.getByTestId('test-result').textContent(), { timeout: 15_000 }).toMatch(/Connected.*Logged in as edge/);
  });

  it('edits a node and removes it from the node view', async () => {
    await page.getByRole('button', { name: 'Open node' }).click();
    const editor = page.getByRole('form', { name: 'Edit e2e-mfa' });
    await editor.getByLabel('Department', { exact: true }).fill('icu');
    await editor.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => editor.textContent()).toContain('Saved');
    // A changed node is reconnected; its live view asks the MFA question again.
    const dialog = page.getByRole('dialog', { name: 'Login questions from e2e-mfa' });
    await dialog.waitFor({ timeout: 15_000 });
    await dialog.getByLabel('Password:').fill(TEST_PASSWORD);
    await dialog.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => page.getByTestId('live-telemetry').getAttribute('data-session'), { timeout: 15_000 }).toBe('live');
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: /^Fleet/ })
      .click();
    await expect
      .poll(() => page.locator('.data-table tbody tr', { hasText: 'e2e-mfa' }).locator('td').nth(5).innerText())
      .toBe('default\nicu');
    await page.getByRole('link', { name: 'e2e-mfa' }).click();
    await editor.getByRole('button', { name: 'Remove node…' }).click();
    await editor.getByRole('button', { name: 'Remove', exact: true }).click();
    await expect.poll(() => page.locator('main h1').textContent()).toBe('Fleet');
    expect(await page.locator('.data-table tbody').textContent()).not.toContain('e2e-mfa');
  });

  it('starts offline on the last known state, each node with its age, and charts from history', async () => {
    await world.browser.close();
    const serve = world.serve;
    // Still running after everything above (a crash here once went unnoticed), and it stops when asked.
    expect(serve.exitCode, 'serve exited on its own').toBe(null);
    const exited = new Promise<number | null>((r) => serve.once('exit', (code) => r(code)));
    serve.kill();
    const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 10_000))]);
    expect(code, 'serve did not stop within 10 s of SIGTERM').toBe(0);
    cut(bed.nodes[0]!);
    await world.reopen('Fleet');
    page = world.page;
    const row = page.locator('.data-table tbody tr', { hasText: 'e2e-01' });
    await expect.poll(() => row.innerText(), { timeout: 10_000 }).toMatch(/(just now|\d+ s ago|\d+ min ago)\nGPU ok · \d+ °C/);
    await page.getByRole('button', { name: 'Tiles' }).click();
    const tile = page.locator('[data-testid="tile"][data-node="e2e-01"]');
    // Never live: no figures pretending to be current, the age of what is known instead.
    await expect.poll(() => tile.getAttribute('data-level'), { timeout: 20_000 }).toMatch(/unknown|critical|unreachable/);
    await expect
      .poll(() => tile.getByTestId('tile-age').textContent(), { timeout: 10_000 })
      .toMatch(/last seen (just now|\d+ s ago|\d+ min ago) · was \d+ °C/);
    await tile.click();
    // The node page of an unreachable node: its last known GPUs with their age, greyed, never an empty table.
    const live = page.getByTestId('live-telemetry');
    await expect
      .poll(() => page.getByTestId('last-known').textContent(), { timeout: 20_000 })
      .toMatch(/^Last known, .* ago \(.*\): not current\.$/);
    expect(await live.locator('table.stale tbody tr[data-gpu]').count()).toBeGreaterThan(0);
    await page.getByRole('button', { name: '1 h' }).click();
    await expect
      .poll(async () => Number(await page.getByTestId('history-charts').getAttribute('data-points')), { timeout: 15_000 })
      .toBeGreaterThan(0);
    await keepScreenshot(page, 'offline-node-history');
    restore(bed.nodes[0]!);
  }, 60_000);
});
