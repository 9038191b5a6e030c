import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoFleet } from '../../scripts/demo-seed.mjs';
import { createBackend } from '../../electron/app/backend.js';
import { testNode } from '../../electron/services/fleet/node-test.js';
import type { BedState } from '../testbed/bed.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { ensureBed, mainNodes } from './helpers/bed.js';

/** `npm run demo` opens on the fleet it started, not on an empty one that tells you to run the demo. */
describe('the demo fleet', () => {
  let bed: BedState;
  const tmp = makeTempDir('edgeward-demo-');
  const root = path.resolve(import.meta.dirname, '..', '..');
  beforeAll(async () => {
    bed = await ensureBed();
    execFileSync('node', ['scripts/build-main.mjs'], {
      cwd: root,
      env: { ...process.env, EDGEWARD_BUILD_OUT: path.join(tmp.dir, 'dist') },
    });
    // The bundle's externals (ssh2, better-sqlite3) resolve from node_modules beside it.
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(tmp.dir, 'node_modules'));
  }, 180_000);
  afterAll(() => tmp.cleanup());

  it('is in the console with every node added and its key pinned, ready to connect', async () => {
    const dataDir = path.join(tmp.dir, 'data');
    const names = seedDemoFleet(bed, dataDir, path.join(tmp.dir, 'dist', 'electron', 'cli.mjs'));
    expect(names).toEqual(mainNodes(bed).map((n) => n.name));
    const backend = await createBackend({ dataDir, transport: 'cli', userKnownHostsFile: path.join(dataDir, 'none') });
    try {
      expect(
        backend.inventory
          .list()
          .map((n) => n.name)
          .sort(),
      ).toEqual([...names].sort());
      expect(await testNode(backend.pool, names[0]!)).toMatchObject({ ok: true, status: 'connected' });
      expect(backend.audit.index.query({ action: 'hostkey.trust', outcome: 'ok' }, 0, 100).total).toBe(names.length);
    } finally {
      await backend.close();
    }
  }, 120_000);
});
