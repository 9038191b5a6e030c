import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createBackend, type Backend, type BackendOptions } from '../../../electron/app/backend.js';
import type { BedState } from '../../testbed/bed.js';
import type { BedNode } from '../../testbed/layout.js';
import type { FleetNodeInput } from '../../../shared/fleet.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

export interface FleetHarness {
  backend: Backend;
  dataDir: string;
  close(): Promise<void>;
}

/** A real Edgeward backend in a temporary data directory, with short keepalives for fault tests. */
export async function fleetBackend(opts: Partial<BackendOptions> = {}): Promise<FleetHarness> {
  const tmp = makeTempDir('edgeward-fleet-');
  const backend = await createBackend({
    dataDir: tmp.dir,
    transport: 'cli',
    // No ~/.ssh/known_hosts of the machine running the tests: first contact must be explicit.
    userKnownHostsFile: path.join(tmp.dir, 'no-user-known-hosts'),
    ssh: { keepaliveIntervalMs: 500, keepaliveCountMax: 3, readyTimeoutMs: 8000 },
    ...opts,
  });
  return {
    backend,
    dataDir: tmp.dir,
    close: async () => {
      await backend.close();
      tmp.cleanup();
    },
  };
}

export function nodeInput(bed: BedState, node: BedNode, extra: Partial<FleetNodeInput> = {}): FleetNodeInput {
  const via: string[] = [];
  for (let g = node.behind; g; g = bed.nodes.find((n) => n.name === g)?.behind) via.unshift(g);
  return { name: node.name, host: node.address, user: 'root', auth: 'key', keyPath: bed.privateKey, via, site: 'bed', ...extra };
}

/** Adds the nodes and pins their real host keys (as a person would after comparing fingerprints). */
export async function addTrusted(h: FleetHarness, bed: BedState, nodes: BedNode[], extra: Partial<FleetNodeInput> = {}): Promise<void> {
  for (const n of nodes) {
    for (let g = n.behind; g; g = bed.nodes.find((x) => x.name === g)?.behind) {
      if (!h.backend.inventory.get(g)) await addTrusted(h, bed, [bed.nodes.find((x) => x.name === g)!]);
    }
    if (h.backend.inventory.get(n.name)) continue;
    await h.backend.inventory.add(nodeInput(bed, n, extra));
    await h.backend.pool.trust(n.name, hostFingerprint(n));
  }
}

export function hostFingerprint(node: BedNode): string {
  const line = fs.readFileSync(path.join(node.dir, 'ssh_host_ed25519_key.pub'), 'utf8');
  const blob = Buffer.from(line.split(' ')[1]!, 'base64');
  return `SHA256:${crypto.createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}
