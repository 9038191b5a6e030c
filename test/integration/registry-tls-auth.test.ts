import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setRuntime, type BedState } from '../testbed/bed.js';
import { HOST_ADDRESS, type BedNode } from '../testbed/layout.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { registryDigest, startSecureRegistry, type SecureRegistry } from '../helpers/registry.js';
import { ensureBed, ssh } from './helpers/bed.js';
import { addTrusted, fleetBackend, type FleetHarness } from './helpers/fleet.js';

/**
 * Pulls from a registry as hospitals run them: TLS from their own CA and a login (Debian's
 * docker-registry with htpasswd), on the bed network. The console resolves the digest with the CA
 * and login of Settings → Registries; each node's pull gets the same CA and the login on stdin.
 */
describe('deployments from a registry with TLS and a login', () => {
  const tmp = makeTempDir('edgeward-reg-it-');
  let bed: BedState;
  let reg: SecureRegistry;
  let h: FleetHarness;
  let node: BedNode;
  let image: string;
  const ctx = { transport: 'cli' as const, clientId: 't' };
  const spec = (version: string) => `name: tls-cxr
image: ${image}
profile: radiology
gpus:
  count: 1
env:
  MODEL_NAME: chest-xray
  MODEL_VERSION: "${version}"
ports:
  - container: 8000
    host: 18701
health:
  successThreshold: 1
  intervalS: 0.5
  timeoutS: 30
targets:
  nodes: [${node.name}]
`;
  const clean = () =>
    ssh(
      bed,
      node,
      `podman rm -f $(podman ps -aq --filter label=io.edgeward.deployment=tls-cxr) >/dev/null 2>&1; podman rmi -f ${image} >/dev/null 2>&1; true`,
    );

  beforeAll(async () => {
    bed = await ensureBed();
    reg = await startSecureRegistry(path.join(tmp.dir, 'reg'), HOST_ADDRESS);
    image = reg.pushBedImage(bed.dir, 'edgeward/oip-test:1');
    h = await fleetBackend();
    node = bed.nodes[17]!;
    // A podman node: podman takes the registry's CA per command (docker reads it from the node's /etc/docker/certs.d).
    setRuntime(node, 'podman');
    clean();
    await addTrusted(h, bed, [node], { tags: ['registry-tls'] });
    const set = await h.backend.router.invoke(
      'settings.set',
      { registries: [{ host: reg.host, ca: reg.ca, username: reg.username }] },
      ctx,
    );
    expect(set.ok).toBe(true);
  }, 180_000);
  afterAll(async () => {
    clean();
    if (node) setRuntime(node, 'docker');
    await h?.close();
    await reg?.stop();
    tmp.cleanup();
  });

  it('says which registry refused which user when the password is wrong, and nothing is deployed', async () => {
    expect((await h.backend.router.invoke('registry.login', { host: reg.host, password: 'not it', persist: false }, ctx)).ok).toBe(true);
    await expect(h.backend.deploy.apply(spec('1'))).rejects.toMatchObject({
      appError: {
        code: 'UNAVAILABLE',
        message: `Cannot resolve ${image} to a digest: ${reg.host} refused the password of radadmin. Nothing was deployed.`,
      },
    });
    expect(ssh(bed, node, `podman image exists ${image} && echo held || echo none`).stdout.trim()).toBe('none');
  }, 60_000);

  it('an abort during the pull stops it on the node: no pull left running, no image, no container', async () => {
    expect((await h.backend.router.invoke('registry.login', { host: reg.host, password: reg.password, persist: false }, ctx)).ok).toBe(
      true,
    );
    const { done } = await h.backend.deploy.apply(spec('cancel'));
    let aborted: Promise<unknown> | undefined;
    const stop = h.backend.deploy.watch('tls-cxr', (r) => {
      const s = r.nodes[node.name];
      if (!aborted && s?.state === 'pulling' && /Copying blob/.test(s.detail)) aborted = h.backend.deploy.abort('tls-cxr');
    });
    const final = await done;
    stop();
    expect(aborted).toBeDefined();
    await aborted;
    expect(final.status).toBe('aborted');
    expect(final.nodes[node.name]!.state).not.toBe('done');
    // The pull's process group was killed with the command: nothing pulls on, nothing was stored.
    await expect
      .poll(() => ssh(bed, node, `pgrep -f '[p]ull.*${image}' >/dev/null && echo pulling || echo idle`).stdout.trim(), {
        timeout: 15_000,
      })
      .toBe('idle');
    expect(ssh(bed, node, `podman image exists ${image} && echo held || echo none`).stdout.trim()).toBe('none');
    expect(ssh(bed, node, `podman ps -aq --filter label=io.edgeward.deployment=tls-cxr | wc -l`).stdout.trim()).toBe('0');
    // The pull's temporary CA directory went with it (its TERM trap ran before any KILL).
    expect(ssh(bed, node, `for d in /dev/shm/tmp.* /tmp/tmp.*; do [ -f "$d/ca.crt" ] && echo "$d"; done; true`).stdout.trim()).toBe('');
  }, 120_000);

  it('pulls over TLS with the login, with progress, and the node ends up with the digest the registry serves', async () => {
    expect((await h.backend.router.invoke('registry.login', { host: reg.host, password: reg.password, persist: false }, ctx)).ok).toBe(
      true,
    );
    const { rollout, done } = await h.backend.deploy.apply(spec('2'));
    const digest = registryDigest(reg, image);
    expect(rollout.pinnedImage).toBe(`${image}@${digest}`);
    const pulling: string[] = [];
    const stop = h.backend.deploy.watch('tls-cxr', (r) => {
      const s = r.nodes[node.name];
      if (s?.state === 'pulling') pulling.push(s.detail);
    });
    const final = await done;
    stop();
    expect(final.status, final.message).toBe('succeeded');
    expect(pulling.some((d) => /Copying blob|Writing manifest/.test(d))).toBe(true);
    const held = ssh(bed, node, `podman image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' ${rollout.pinnedImage}`);
    expect(held.stdout).toContain(digest);
    // The password went on stdin: not in any process's command line, nor in the audit log.
    const audit = h.backend.audit.index.query({ text: reg.password }, 0, 5).records;
    expect(audit).toEqual([]);
  }, 180_000);
});
