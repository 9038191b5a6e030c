import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BedState } from '../testbed/bed.js';
import { KnownHostsStore } from '../../electron/services/ssh/known-hosts.js';
import { testNode } from '../../electron/services/fleet/node-test.js';
import { run } from '../testbed/sh.js';
import { fillDisk } from '../helpers/disk.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { ensureBed } from './helpers/bed.js';
import { addTrusted, fleetBackend, type FleetHarness } from './helpers/fleet.js';
import { fixtureIntent } from '../helpers/intent.js';

/** A fleet command whose records stop fitting on the disk mid-run: what ran says so, nothing more starts. */
describe('a fleet command when the audit log fills up during the run', () => {
  let bed: BedState;
  let h: FleetHarness;
  const mnt = makeTempDir('edgeward-unrecordable-');

  beforeAll(async () => {
    bed = await ensureBed();
    run('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt.dir]);
    h = await fleetBackend({ dataDir: path.join(mnt.dir, 'data') });
    await addTrusted(h, bed, bed.nodes.slice(16, 19), { tags: ['unrecordable'] });
  }, 180_000);
  afterAll(async () => {
    await h.close();
    run('umount', [mnt.dir]);
    mnt.cleanup();
  });

  it('reports the node that ran unrecorded, starts no other node, and never says "ok" without a record', async () => {
    let filled = false;
    const summary = await h.backend.runner.run(
      { selection: { kind: 'tag', tag: 'unrecordable' }, command: 'sleep 1; echo done', confirmed: true, concurrency: 1, timeoutS: 30 },
      (f) => {
        // The first node's command is running: the disk fills up before its record is written.
        if (!filled && 'text' in f) {
          filled = true;
          fillDisk(mnt.dir);
        }
      },
    );
    const [first, ...rest] = summary.results;
    expect(first!.message).toMatch(/^ran \(ok\), but the audit log could not record it: .*No further node was started\./);
    for (const r of rest) {
      expect(r.outcome).toBe('cancelled');
      expect(r.message).toMatch(/not started: the audit log cannot be written/);
    }
    expect(summary.results.filter((r) => r.outcome === 'ok' && !r.message)).toEqual([]);
    expect(fs.existsSync(path.join(mnt.dir, 'filler'))).toBe(true);
  }, 60_000);

  it('still refuses a changed host key when the refusal cannot be recorded, and says so', async () => {
    const node = bed.nodes[16]!;
    await h.backend.pool.disconnect(node.name);
    // Another key pinned for the node (room made for the pin, then the disk filled again).
    fs.rmSync(path.join(mnt.dir, 'filler'));
    const other = path.join(mnt.dir, 'other');
    spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    const [type, key] = fs.readFileSync(`${other}.pub`, 'utf8').split(' ');
    new KnownHostsStore(path.join(mnt.dir, 'data', 'known_hosts')).pin(node.name, type!, key!, fixtureIntent('hostkey.trust'));
    fillDisk(mnt.dir);
    const test = await testNode(h.backend.pool, node.name);
    expect(test).toMatchObject({ ok: false, status: 'hostkey-changed' });
    expect(test.message).toMatch(/HOST KEY CHANGED .* This refusal could not be recorded in the audit log: /);
  }, 60_000);
});
