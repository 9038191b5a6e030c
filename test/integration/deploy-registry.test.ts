import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type BedState } from '../testbed/bed.js';
import type { BedNode } from '../testbed/layout.js';
import { ensureBed, ssh } from './helpers/bed.js';
import { addTrusted, fleetBackend, type FleetHarness } from './helpers/fleet.js';

/**
 * Deployments from a real registry (Debian's docker-registry on the bed network): the console pins
 * the digest the registry serves, every node pulls it for real, and a node that says it holds
 * another digest is refused with both named. The registry itself is the oracle (curl on its API).
 */
describe('deployments pinned by the registry, not by a node', () => {
  let bed: BedState;
  let h: FleetHarness;
  let nodes: BedNode[];
  let image: string;
  let registryDigest: string;
  const PORT = 18700;
  const spec = (targets: string[], version = '1') => `name: reg-cxr
image: ${image}
profile: radiology
gpus:
  count: 1
env:
  MODEL_NAME: chest-xray
  MODEL_VERSION: "${version}"
ports:
  - container: 8000
    host: ${PORT}
health:
  successThreshold: 1
  intervalS: 0.5
  timeoutS: 30
targets:
  nodes: [${targets.join(', ')}]
strategy:
  canary: 1
  soakS: 1
`;
  const clean = (n: BedNode) =>
    ssh(
      bed,
      n,
      `podman rm -f $(podman ps -aq --filter label=io.edgeward.deployment=reg-cxr) >/dev/null 2>&1; podman rmi -f ${image.replace(/:1$/, '')} >/dev/null 2>&1; true`,
    );

  beforeAll(async () => {
    bed = await ensureBed();
    ({ image } = await startRegistry(bed));
    const head = spawnSync(
      'curl',
      [
        '-sfI',
        '-H',
        'Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json',
        `http://${image.replace(/\/(.*):1$/, '/v2/$1/manifests/1')}`,
      ],
      { encoding: 'utf8' },
    );
    registryDigest = /docker-content-digest:\s*(sha256:[0-9a-f]{64})/i.exec(head.stdout)?.[1] ?? '';
    expect(registryDigest, head.stdout + head.stderr).toMatch(/^sha256:/);
    process.env.EDGEWARD_INSECURE_REGISTRIES = image.split('/')[0];
    h = await fleetBackend();
    nodes = bed.nodes.slice(14, 16);
    for (const n of nodes) {
      clean(n);
      await addTrusted(h, bed, [n], { tags: ['registry-test'] });
    }
  }, 180_000);
  afterAll(async () => {
    h.backend.deploy.stopAll();
    for (const n of nodes) {
      fs.rmSync(path.join(n.dir, 'bin', 'podman'), { force: true });
      clean(n);
    }
    delete process.env.EDGEWARD_INSECURE_REGISTRIES;
    await h.close();
  });

  it('pins the digest the registry serves, and every node pulls and runs exactly that', async () => {
    const { rollout, done } = await h.backend.deploy.apply(spec(nodes.map((n) => n.name)));
    expect(rollout.pinnedImage).toBe(`${image}@${registryDigest}`);
    const final = await done;
    expect(final.status, final.message).toBe('succeeded');
    for (const n of nodes) {
      const held = ssh(bed, n, `podman image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' ${image}@${registryDigest}`);
      expect(held.stdout).toContain(registryDigest);
    }
    const pull = h.backend.audit.index.query({ action: 'deploy.step' }, 0, 50).records.find((r) => r.params.step === 'pull');
    expect(pull?.params.digest).toBe(`${image}@${registryDigest}`);
  }, 180_000);

  it('refuses a node that reports another digest for the pinned image, naming both', async () => {
    const liar = nodes[1]!;
    const fake = `sha256:${'e'.repeat(64)}`;
    // The node's own podman, first on its PATH, lies about what it holds.
    fs.writeFileSync(
      path.join(liar.dir, 'bin', 'podman'),
      `#!/bin/sh\ncase "$*" in *RepoDigests*) echo "${image.replace(/:1$/, '')}@${fake}"; exit 0;; esac\nexec /usr/bin/podman "$@"\n`,
      { mode: 0o755 },
    );
    const { done } = await h.backend.deploy.apply(spec([liar.name], '2'));
    const final = await done;
    expect(final.status).not.toBe('succeeded');
    expect(final.nodes[liar.name]!.detail).toContain(`reports ${fake}`);
    expect(final.nodes[liar.name]!.detail).toContain(`the registry serves ${registryDigest}: refused`);
  }, 180_000);
});
