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

/** The audit log on a volume of its own that fills up mid-rollout: no step goes on unrecorded. */
describe('a rollout when the audit log cannot record its steps', () => {
  let bed: BedState;
  let h: FleetHarness;
  let node: BedNode;
  const data = makeTempDir('edgeward-deploy-unrec-');
  const auditDir = path.join(data.dir, 'audit');

  beforeAll(async () => {
    bed = await ensureBed();
    fs.mkdirSync(auditDir);
    run('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', auditDir]);
    h = await fleetBackend({ dataDir: data.dir });
    node = bed.nodes[19]!;
    ssh(bed, node, 'podman rm -f $(podman ps -aq --filter label=io.edgeward.deployment=unrec) >/dev/null 2>&1; true');
    await addTrusted(h, bed, [node]);
  }, 180_000);
  afterAll(async () => {
    h.backend.deploy.stopAll();
    ssh(bed, node, 'podman rm -f $(podman ps -aq --filter label=io.edgeward.deployment=unrec) >/dev/null 2>&1; true');
    await h.close();
    run('umount', [auditDir]);
    data.cleanup();
  });

  it('stops the node at the first step it cannot record, puts it back and says why', async () => {
    let filled = false;
    h.backend.deploy.watch('unrec', (r) => {
      if (!filled && r.nodes[node.name]?.state === 'health') {
        filled = true;
        fillDisk(auditDir);
      }
    });
    const { done } = await h.backend.deploy.apply(`name: unrec
image: localhost/edgeward/oip-test:1
gpus: {count: 1}
ports: [{container: 8000, host: 18800}]
health: {successThreshold: 2, intervalS: 0.5, timeoutS: 30}
targets: {nodes: [${node.name}]}
strategy: {soakS: 1}
`);
    const final = await done;
    expect(filled).toBe(true);
    expect(final.status).not.toBe('succeeded');
    expect(final.nodes[node.name]!.detail).toMatch(/the audit log cannot record the health step .*so the rollout goes no further here/);
    expect(final.nodes[node.name]!.detail).toMatch(/not recorded in the audit log/);
  }, 120_000);
});
