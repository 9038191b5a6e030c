import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium (never a downloaded one), with background networking off: this machine has none. */
export const CHROMIUM = process.env.EDGEWARD_CHROMIUM ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

export const ARTIFACTS = path.resolve(import.meta.dirname, '..', '..', 'test-results', 'e2e');

export async function keepScreenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** A console window in Chromium at `url`, already on `view` when given. */
export async function openConsole(url: string, view?: string): Promise<{ browser: Browser; page: Page }> {
  const browser = await launchChromium();
  // A console far from UTC (with a half-hour offset), so a time written in the wrong clock shows.
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 }, timezoneId: 'America/St_Johns' });
  await page.goto(url);
  if (view) await openView(page, view);
  return { browser, page };
}

export async function openView(page: Page, view: string): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: new RegExp(`^${view}`) })
    .click();
  await page.locator('main h1', { hasText: view }).waitFor();
}
