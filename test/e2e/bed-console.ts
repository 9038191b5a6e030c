import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createBackend, type Backend } from '../../electron/app/backend.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { down, up, type BedState, type UpOptions } from '../testbed/bed.js';
import { openConsole } from './browser.js';
import { startServe } from './serve.js';

/** A simulated fleet, its own data directory, `serve` on it and a Chromium window: one E2E file's world. */
export interface BedConsole {
  bed: BedState;
  dataDir: string;
  serve: ChildProcess;
  browser: Browser;
  page: Page;
  /** Starts `serve` again on the same data directory (the previous one must be stopped) and a new window on VIEW. */
  reopen(view: string): Promise<void>;
  /** Window, serve, data directory and bed, in that order; safe after a failed start. */
  close(): Promise<void>;
}

/**
 * Brings the bed up, lets `seed` fill the inventory through a real backend (closed before `serve`
 * opens the same directory), then opens the console on VIEW. The data directory is the file's own,
 * so nodes added in one file never show up in another's views.
 */
export async function openBedConsole(options: {
  prefix: string;
  bed: UpOptions;
  view: string;
  seed?: (backend: Backend, bed: BedState) => Promise<void>;
  /** Keep every node's telemetry running, as the app does (default: only what a view watches). */
  watchFleet?: boolean;
}): Promise<BedConsole> {
  const tmp = makeTempDir(options.prefix);
  const world: Partial<BedConsole> & { dataDir: string } = {
    dataDir: tmp.dir,
    close: async () => {
      await world.browser?.close();
      world.serve?.kill();
      tmp.cleanup();
      await down();
    },
  };
  world.reopen = async (view: string) => {
    const served = await startServe(tmp.dir, { watchFleet: options.watchFleet ?? false });
    world.serve = served.child;
    ({ browser: world.browser, page: world.page } = await openConsole(served.url, view));
  };
  try {
    world.bed = await up(options.bed);
    if (options.seed) {
      const backend = await createBackend({ dataDir: tmp.dir, transport: 'cli', userKnownHostsFile: path.join(tmp.dir, 'none') });
      try {
        await options.seed(backend, world.bed);
      } finally {
        await backend.close();
      }
    }
    await world.reopen(options.view);
  } catch (err) {
    await world.close!();
    throw err;
  }
  return world as BedConsole;
}
