import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { keepScreenshot, launchChromium } from './browser.js';

const VIEWS = ['Fleet', 'Node', 'Deployments', 'Services', 'Alerts', 'Audit', 'Commissioning', 'Settings', 'Jobs'];

describe('renderer shell in Chromium over the loopback bridge', () => {
  let browser: Browser;
  let page: Page;
  const url = inject('serveUrl');
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: 'light', timezoneId: 'America/St_Johns' });
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    await page.goto(url);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('connects, and takes the token out of the address bar', async () => {
    await expect.poll(() => page.getByTestId('bridge-state').textContent()).toContain('Connected');
    expect(page.url()).not.toContain('token=');
    expect(page.url()).toMatch(/#\/fleet$/);
  });

  it('shows a live heartbeat in the status bar', async () => {
    const seq = async () => Number(await page.getByTestId('heartbeat').getAttribute('data-seq'));
    await expect.poll(seq).toBeGreaterThanOrEqual(0);
    const first = await seq();
    await expect.poll(seq, { timeout: 5000 }).toBeGreaterThan(first + 1);
  });

  it('opens every view from the navigation', async () => {
    for (const name of VIEWS) {
      await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: new RegExp(`^${name}`) })
        .click();
      await expect.poll(() => page.locator('main h1').textContent()).toBe(name);
      expect(await page.locator(`nav a[aria-current="page"]`).textContent()).toContain(name);
    }
    await keepScreenshot(page, 'settings-light');
  });

  it('navigates with the keyboard: Alt+digit and arrow keys', async () => {
    await page.keyboard.press('Alt+7');
    await expect.poll(() => page.locator('main h1').textContent()).toBe('Audit');
    await page.locator('nav a[aria-current="page"]').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('main h1').textContent()).toBe('Commissioning');
  });

  it('tells a new user what to do on an empty view, with status shown as icon and text', async () => {
    await page.keyboard.press('Alt+1');
    await expect.poll(() => page.locator('.empty-state').textContent()).toContain('npm run demo');
    await page.keyboard.press('Alt+4');
    await expect.poll(() => page.locator('.empty-state').textContent()).toContain('Start from New spec');
    const badge = page.locator('.status-bar .badge').first();
    await expect.poll(() => badge.textContent()).toContain('Connected');
    expect(await badge.locator('.badge-icon').textContent()).not.toBe('');
  });

  it('saves settings through the bridge and switches to the dark theme', async () => {
    await page.keyboard.press('Alt+9');
    await page.getByLabel('Operator name').fill('Night Shift');
    await page.getByLabel('Dark').check();
    expect(await page.getByRole('radio', { name: 'Local time (America/St_Johns)' }).isChecked()).toBe(true);
    const startedLocal = await page.locator('table code', { hasText: /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d NST$/ }).count();
    expect(startedLocal).toBe(1);
    await page.getByRole('radio', { name: 'UTC', exact: true }).check();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe('dark');
    const stored = JSON.parse(fs.readFileSync(`${inject('serveDataDir')}/settings.json`, 'utf8')) as Record<string, unknown>;
    expect(stored).toMatchObject({ operatorName: 'Night Shift', theme: 'dark', timeZone: 'utc' });
    // Every time on screen now follows the chosen clock, 24-hour with its zone named.
    await expect.poll(() => page.locator('table code', { hasText: /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/ }).count()).toBe(1);
    await keepScreenshot(page, 'settings-dark');
  });

  it('connects the hospital systems: a wrong Alertmanager address is named, a right one saved and audited', async () => {
    const card = page.getByRole('region', { name: 'Hospital systems' });
    await card.getByLabel('Alertmanagers (comma-separated)').fill('http://am-1.hospital.example:9093, ftp://nope');
    await card.getByRole('button', { name: 'Save connections' }).click();
    await expect.poll(() => card.locator('.field-error').textContent()).toContain('an http:// or https:// address of an Alertmanager');
    await card.getByLabel('Alertmanagers (comma-separated)').fill('http://am-1.hospital.example:9093');
    await card.getByRole('button', { name: 'Save connections' }).click();
    await expect.poll(() => card.getByText('Saved').count()).toBe(1);
    const stored = JSON.parse(fs.readFileSync(`${inject('serveDataDir')}/settings.json`, 'utf8')) as Record<string, unknown>;
    expect(stored).toMatchObject({ alertmanagers: ['http://am-1.hospital.example:9093'] });
    expect(await card.textContent()).toContain('No collector: add one with edgeward audit forward add');
  });

  it('sets up a registry with its CA and user; a bad host is named; the password never reaches the settings file', async () => {
    const card = page.getByRole('region', { name: 'Registries' });
    expect(await card.textContent()).toContain('None: pulls use the system CAs and no login.');
    const form = card.getByRole('form', { name: 'Add a registry' });
    await form.getByLabel('Registry (host, with the port when not 443)').fill('not a host');
    await form.getByRole('button', { name: 'Save registry' }).click();
    await expect.poll(() => form.locator('.field-error').textContent()).toContain('a registry host');
    await form.getByLabel('Registry (host, with the port when not 443)').fill('registry.hospital.example:5000');
    await form
      .getByLabel('CA certificate (PEM; empty: the system CAs)')
      .fill('-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----');
    await form.getByLabel('User').fill('radadmin');
    await form.getByLabel('Password').fill('Sunset-Quokka-42');
    await form.getByRole('button', { name: 'Save registry' }).click();
    // The browser bridge has no keychain: the password is kept for this session only, and it says so.
    await expect.poll(() => card.getByText('registry.hospital.example:5000: saved, password for this session').count()).toBe(1);
    const row = card.getByRole('table', { name: 'Registries' }).locator('tbody tr');
    await expect.poll(() => row.first().textContent()).toContain('registry.hospital.example:5000own CAradadmin');
    const stored = fs.readFileSync(`${inject('serveDataDir')}/settings.json`, 'utf8');
    expect(stored).toContain('registry.hospital.example:5000');
    expect(stored).not.toContain('Sunset-Quokka-42');
    await row.first().getByRole('button', { name: 'Remove' }).click();
    await expect.poll(() => card.textContent()).toContain('None: pulls use the system CAs and no login.');
    // Signed checkpoints: no keychain here either, so the box says to sign from the collector.
    expect(await page.getByRole('region', { name: 'Hospital systems' }).textContent()).toContain(
      'This process cannot keep a key encrypted (no OS keychain). On a hub, sign from the collector',
    );
  });

  it('shows a field error for an invalid operator name and keeps the old value', async () => {
    await page.getByLabel('Operator name').fill('bad\u0007name');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => page.locator('.field-error').textContent()).toContain('control');
    const stored = JSON.parse(fs.readFileSync(`${inject('serveDataDir')}/settings.json`, 'utf8')) as Record<string, unknown>;
    expect(stored.operatorName).toBe('Night Shift');
  });

  it('sorts a table by clicking its header', async () => {
    const firstCell = () =>
      page.getByRole('table', { name: 'Console details' }).locator('tbody tr:first-child td:first-child').textContent();
    await expect.poll(firstCell).toBe('Version');
    await page.getByRole('button', { name: /^Item/ }).click();
    await expect.poll(firstCell).toBe('Data directory');
    expect(await page.locator('th[aria-sort="ascending"]').count()).toBe(1);
    await page.getByRole('button', { name: /^Item/ }).click();
    await expect.poll(firstCell).toBe('Version');
    expect(await page.locator('th[aria-sort="descending"]').count()).toBe(1);
  });

  it('runs the bridge self-test to completion with progress, and can cancel it', async () => {
    await page.getByRole('button', { name: 'Run self-test' }).click();
    await expect.poll(() => page.locator('.progress-task .badge').textContent(), { timeout: 20_000 }).toContain('Done');
    expect(await page.locator('.progress-task').textContent()).toMatch(/200 of 200 \(100%\).*p50 [\d.]+ ms/);
    await page.getByRole('button', { name: 'Run self-test' }).click();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => page.locator('.progress-task .badge').textContent()).toContain('Cancelled');
  });

  it('logged no errors in the page', () => {
    expect(consoleErrors).toEqual([]);
  });

  it('without the token, says the bridge refused it and why', async () => {
    const bare = await browser.newPage();
    await bare.goto(url.replace(/#.*$/, '#/fleet'));
    await expect.poll(() => bare.getByTestId('bridge-state').textContent()).toContain('Disconnected');
    expect(await bare.locator('.status-bar').textContent()).toContain('missing or wrong token');
    await keepScreenshot(bare, 'refused-without-token');
    await bare.close();
  });
});
