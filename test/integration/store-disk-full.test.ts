import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BedState } from '../testbed/bed.js';
import type { BedNode } from '../testbed/layout.js';
import { run } from '../testbed/sh.js';
import { fillDisk } from '../helpers/disk.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { ensureBed, ssh } from './helpers/bed.js';
import { addTrusted, fleetBackend, type FleetHarness } from './helpers/fleet.js';

/**
 * Each store on a volume of its own that is full: the action is refused before anything happens on
 * a node, the message says the disk is full, and the action's intent is closed as failed.
 */
describe('a full disk under each store in turn', () => {
  let bed: BedState;
  let h: FleetHarness;
  let node: BedNode;
  const data = makeTempDir('edgeward-store-full-');
  const mounts = ['state', 'commissioning'].map((d) => path.join(data.dir, d));
  const containers = () => ssh(bed, node, 'podman ps -aq --filter label=io.edgeward.deployment=fullstore | wc -l').stdout.trim();

  beforeAll(async () => {
    bed = await ensureBed();
    for (const m of mounts) {
      fs.mkdirSync(m, { recursive: true });
      // The state store's journal needs a few MB before it folds back into the database.
      run('mount', ['-t', 'tmpfs', '-o', `size=${m.endsWith('state') ? '8m' : '256k'}`, 'tmpfs', m]);
    }
    h = await fleetBackend({ dataDir: data.dir });
    node = bed.nodes[18]!;
    ssh(bed, node, 'podman rm -f $(podman ps -aq --filter label=io.edgeward.deployment=fullstore) >/dev/null 2>&1; true');
    await addTrusted(h, bed, [node]);
    for (const m of mounts) fillDisk(m);
  }, 180_000);
  afterAll(async () => {
    await h.close();
    for (const m of mounts) run('umount', [m]);
    data.cleanup();
  });

  it('the state store (deployments, inventory, alerts): apply is refused with "disk is full" before anything is begun', async () => {
    const r = await h.backend.router.invoke(
      'deploy.apply',
      {
        text: `name: fullstore
image: ${bed.image}
gpus: {count: 1}
ports: [{container: 8000, host: 18820}]
targets: {nodes: [${node.name}]}
`,
      },
      { transport: 'cli', clientId: 't' },
    );
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('UNAVAILABLE');
      expect(r.error.message).toMatch(/The disk holding .*state is full \(\d+ KiB free\): nothing was done/);
      expect(r.error.action).toMatch(/Free space/);
    }
    expect(containers()).toBe('0');
    // Refused before its intent: nothing to close, nothing to check.
    expect(h.backend.audit.index.query({ action: 'deploy.apply' }, 0, 2).total).toBe(0);
  });

  it('commissioning: a start is refused with "disk is full" before any check runs on the node', async () => {
    const r = await h.backend.router.invoke(
      'commission.start',
      { node: node.name, profile: `name: Any\ngpu: {model: L40S, count: 1}\ntestImage: ${bed.image}\n` },
      { transport: 'cli', clientId: 't' },
    );
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/The disk holding .*(state|commissioning) is full/);
    expect(h.backend.commission.isRunning(node.name)).toBe(false);
    expect(h.backend.audit.index.query({ action: 'commission.run', outcome: 'ok' }, 0, 1).total).toBe(0);
  });
});
