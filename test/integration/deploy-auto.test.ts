import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setRuntime, type BedState } from '../testbed/bed.js';
import { HOST_ADDRESS, type BedNode } from '../testbed/layout.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { registryDigest, startSecureRegistry, type SecureRegistry } from '../helpers/registry.js';
import { ensureBed } from './helpers/bed.js';
import { execForDeploy } from '../../electron/services/deploy/node-exec.js';
import { addTrusted, fleetBackend, type FleetHarness } from './helpers/fleet.js';

const txBytes = (veth: string) => Number(fs.readFileSync(`/sys/class/net/${veth}/statistics/tx_bytes`, 'utf8'));

/**
 * `delivery: auto` on a hub-and-spoke fleet: a hub node reaches the registry (TLS, login) and
 * pulls; the four nodes of site 1, behind node-01 with no route to it, get the same image pushed:
 * the console fetches it from the registry once, it crosses the site link once, and every node
 * ends up holding the registry's digest.
 */
describe('delivery: auto, the registry image pushed where the registry is out of reach', () => {
  const tmp = makeTempDir('edgeward-auto-it-');
  let bed: BedState;
  let reg: SecureRegistry;
  let h: FleetHarness;
  let hub: BedNode;
  let gateway: BedNode;
  let site: BedNode[];
  let image: string;
  const ctx = { transport: 'cli' as const, clientId: 't' };
  // Over the console's own connections: the site's nodes are reached only through their gateway.
  const onNode = async (n: BedNode, command: string) => (await execForDeploy(h.backend.pool, n.name, command)).stdout.toString('utf8');
  const clean = async () => {
    for (const n of [hub, gateway, ...site]) {
      const rt = n === hub ? 'podman' : 'docker';
      await onNode(
        n,
        `${rt} rm -f $(${rt} ps -aq --filter label=io.edgeward.deployment=auto-cxr) >/dev/null 2>&1; ${rt} rmi -f ${image} >/dev/null 2>&1; rm -rf ~/.cache/edgeward/images; true`,
      );
    }
  };

  beforeAll(async () => {
    bed = await ensureBed();
    reg = await startSecureRegistry(path.join(tmp.dir, 'reg'), HOST_ADDRESS);
    image = reg.pushBedImage(bed.dir, 'edgeward/oip-auto:1');
    h = await fleetBackend();
    // Not registry-tls-auth's node: a digest this test leaves would let that test's pull find the image held.
    hub = bed.nodes[16]!;
    gateway = bed.nodes.find((n) => n.name === 'node-01')!;
    site = bed.nodes.filter((n) => n.behind === 'node-01');
    // podman takes the registry's CA per command (docker reads it from the node's /etc/docker/certs.d).
    setRuntime(hub, 'podman');
    await addTrusted(h, bed, [hub, gateway, ...site]);
    await clean();
    expect(
      (await h.backend.router.invoke('settings.set', { registries: [{ host: reg.host, ca: reg.ca, username: reg.username }] }, ctx)).ok,
    ).toBe(true);
    expect((await h.backend.router.invoke('registry.login', { host: reg.host, password: reg.password, persist: false }, ctx)).ok).toBe(
      true,
    );
  }, 300_000);
  afterAll(async () => {
    if (h && image) await clean();
    if (hub) setRuntime(hub, 'docker');
    await h?.close();
    await reg?.stop();
    tmp.cleanup();
  });

  it('plans pull for the hub and push for the site by probing each node, then all five hold the digest', async () => {
    expect(site.map((n) => n.name).sort()).toEqual(['site1-01', 'site1-02', 'site1-03', 'site1-04']);
    const spec = `name: auto-cxr
image: ${image}
delivery: auto
gpus:
  count: 1
ports:
  - container: 8000
    host: 18704
health:
  successThreshold: 1
  intervalS: 0.5
  timeoutS: 60
targets:
  nodes: [${[hub, ...site].map((n) => n.name).join(', ')}]
strategy:
  canary: 1
  waves:
    size: 5
  maxUnavailable: 5
  soakS: 0
`;
    const plan = await h.backend.deploy.plan(spec);
    const how = Object.fromEntries(plan.accepted.map((a) => [a.node, a.deliveryWhy]));
    expect(how[hub.name]).toBe(`pulls from ${reg.host} (auto: the node reaches it)`);
    for (const n of site) expect(how[n.name]).toBe(`pushed over SSH (auto: the node does not reach it at ${reg.host})`);

    const before = txBytes(gateway.veth);
    const { rollout, done } = await h.backend.deploy.apply(spec);
    const digest = registryDigest(reg, image);
    expect(rollout.pinnedImage).toBe(`${image}@${digest}`);
    const details = new Set<string>();
    const stop = h.backend.deploy.watch('auto-cxr', (r) =>
      Object.values(r.nodes).forEach((s) => s.state === 'pulling' && details.add(`${s.node}: ${s.detail}`)),
    );
    const final = await done;
    stop();
    expect(final.status, final.message).toBe('succeeded');
    expect([...details].some((d) => /^site1-0\d: fetching the image from its registry to the console: [\d.]+ of [\d.]+ MiB$/.test(d))).toBe(
      true,
    );
    // Each node did what the plan said (the progress lines of a quick pull may all fall between two updates).
    expect(final.nodes[hub.name]!.delivery).toBe('pull');
    for (const n of site) expect(final.nodes[n.name]!.delivery).toBe('push');
    // The console fetched it once, and it crossed the site link once (plus SSH framing), not four times.
    const kept = fs.readdirSync(path.join(h.dataDir, 'images'));
    expect(kept).toEqual([`${digest.slice(7)}-amd64.oci.tar`]);
    const archiveSize = fs.statSync(path.join(h.dataDir, 'images', kept[0]!)).size;
    const onLink = txBytes(gateway.veth) - before;
    expect(onLink).toBeGreaterThan(archiveSize);
    expect(onLink).toBeLessThan(archiveSize * 1.2);
    // Every node, pulled or pushed, holds the registry's digest and runs it.
    for (const n of [hub, ...site]) {
      const rt = n === hub ? 'podman' : 'docker';
      expect(
        await onNode(n, `${rt} image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' ${rollout.pinnedImage}`),
        n.name,
      ).toContain(digest);
      expect(
        (await onNode(n, `${rt} ps --filter label=io.edgeward.deployment=auto-cxr --filter status=running --format '{{.Names}}'`)).trim(),
        n.name,
      ).toMatch(/^ew-auto-cxr-r\d+$/);
    }
  }, 600_000);
});
