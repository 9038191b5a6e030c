import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleImages } from '../../../electron/services/deploy/registry-fetch.js';
import { getManifest, putManifest, registryDigest, startSecureRegistry, type SecureRegistry } from '../../helpers/registry.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

/**
 * The console's own copy of a registry image, for nodes that cannot reach the registry: fetched
 * from the real distribution server (TLS, login) and loaded by podman, the oracle for what a node
 * would then hold.
 */
describe('registry images fetched by the console to push', () => {
  const tmp = makeTempDir('edgeward-fetch-');
  let reg: SecureRegistry;
  const store = () => ({ root: path.join(tmp.dir, 'store'), runroot: path.join(tmp.dir, 'run') });
  const podman = (s: { root: string; runroot: string }, ...args: string[]) => {
    const r = spawnSync('podman', ['--root', s.root, '--runroot', s.runroot, ...args], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout.trim();
  };
  const images = () => new ConsoleImages(path.join(tmp.dir, 'console-images'), () => reg.options());
  /** A one-file image of `arch`, pushed as NAME. */
  const tinyImage = (arch: string, content: string | Buffer, name: string) => {
    const root = path.join(tmp.dir, `rootfs-${arch}`);
    fs.mkdirSync(root, { recursive: true });
    fs.writeFileSync(path.join(root, 'model.txt'), content);
    spawnSync('tar', ['-C', root, '-cf', `${root}.tar`, '.']);
    podman(store(), 'import', '-q', '--arch', arch, `${root}.tar`, `localhost/tiny-${arch}:1`);
    return reg.push(store(), `localhost/tiny-${arch}:1`, name);
  };
  /** A fresh podman storage that loads the archive, as a node would. */
  const nodeLoad = (file: string, n: string) => {
    const s = { root: path.join(tmp.dir, `node-${n}`), runroot: path.join(tmp.dir, `node-run-${n}`) };
    podman(s, 'load', '-q', '-i', file);
    return s;
  };

  beforeAll(async () => {
    reg = await startSecureRegistry(path.join(tmp.dir, 'reg'));
  }, 60_000);
  afterAll(async () => {
    await reg?.stop();
    tmp.cleanup();
  });

  it('writes the pinned image as an OCI archive a node loads as repo@digest, each blob checked, once for all the nodes waiting', async () => {
    const image = tinyImage('amd64', 'cxr v1\n'.repeat(1000), 'radiology/cxr:1');
    const digest = registryDigest(reg, image);
    const pinned = `${image}@${digest}`;
    const console = images();
    const seen: number[] = [];
    const a = console.fetch(pinned, 'amd64', undefined, (p) => seen.push(p.have));
    const b = console.fetch(pinned, 'amd64');
    expect(b).toBe(a);
    const archive = await a;
    expect(seen.at(-1)).toBeGreaterThan(0);
    const node = nodeLoad(archive.file, 'a');
    // What the node holds: the registry's digest under the repository, and the id the console computed.
    expect(podman(node, 'image', 'inspect', '--format', '{{range .RepoDigests}}{{println .}}{{end}}', pinned)).toContain(digest);
    expect(`sha256:${podman(node, 'image', 'inspect', '--format', '{{.Id}}', pinned)}`).toBe(archive.imageId);
    expect(archive.sha256).toBe(crypto.createHash('sha256').update(fs.readFileSync(archive.file)).digest('hex'));
    // Kept: the next rollout (or rollback) fetches nothing.
    expect(fs.readdirSync(path.join(tmp.dir, 'console-images'))).toEqual([`${digest.slice(7)}-amd64.oci.tar`]);
  });

  it("takes the node's platform from a multi-platform index, and says which platforms there are when it has none", async () => {
    const amd = tinyImage('amd64', 'amd\n', 'radiology/multi:amd64');
    const arm = tinyImage('arm64', crypto.randomBytes(256 * 1024), 'radiology/multi:arm64');
    const entry = (ref: string, arch: string) => {
      const body = getManifest(reg, 'radiology/multi', ref.slice(ref.lastIndexOf(':') + 1));
      return {
        mediaType: JSON.parse(body).mediaType ?? 'application/vnd.oci.image.manifest.v1+json',
        digest: `sha256:${crypto.createHash('sha256').update(body).digest('hex')}`,
        size: Buffer.byteLength(body),
        platform: { os: 'linux', architecture: arch },
      };
    };
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [entry(amd, 'amd64'), entry(arm, 'arm64')],
    });
    const indexDigest = putManifest(reg, 'radiology/multi', '2', index, 'application/vnd.oci.image.index.v1+json');
    const pinned = `${reg.host}/radiology/multi:2@${indexDigest}`;
    const archive = await images().fetch(pinned, 'amd64');
    const node = nodeLoad(archive.file, 'multi');
    // podman finds it by the index's digest (what every node of every platform is pinned to).
    expect(podman(node, 'image', 'inspect', '--format', '{{range .RepoDigests}}{{println .}}{{end}}', pinned)).toContain(indexDigest);
    expect(podman(node, 'image', 'inspect', '--format', '{{.Architecture}}', pinned)).toBe('amd64');
    // Only the amd64 layer crossed: the arm64 one (256 KiB of noise, which no gzip shrinks) stayed.
    expect(archive.size).toBeLessThan(256 * 1024);
    await expect(images().fetch(pinned, 'riscv64')).rejects.toMatchObject({
      appError: { message: expect.stringContaining('it has no image for linux/riscv64 (it has linux/amd64, linux/arm64)') },
    });
  });

  it('refuses a blob the registry serves with other bytes than its digest names, and keeps nothing of it', async () => {
    const image = tinyImage('amd64', 'cxr v2\n'.repeat(2000), 'radiology/rotten:1');
    const digest = registryDigest(reg, image);
    const manifest = JSON.parse(getManifest(reg, 'radiology/rotten', '1')) as { layers: { digest: string }[] };
    const layer = manifest.layers[0]!.digest.slice(7);
    // Bit rot on the registry's disk: same size, one byte changed.
    const data = path.join(tmp.dir, 'reg', 'data', 'docker', 'registry', 'v2', 'blobs', 'sha256', layer.slice(0, 2), layer, 'data');
    const bytes = fs.readFileSync(data);
    const mid = bytes.length >> 1;
    bytes[mid] = bytes[mid]! ^ 0xff;
    fs.writeFileSync(data, bytes);
    const dir = path.join(tmp.dir, 'rotten-images');
    const console = new ConsoleImages(dir, () => reg.options());
    await expect(console.fetch(`${image}@${digest}`, 'amd64')).rejects.toMatchObject({
      appError: { code: 'UNAVAILABLE', message: expect.stringMatching(new RegExp(`for the blob sha256:${layer.slice(0, 12)}….*refused`)) },
    });
    expect(fs.readdirSync(dir)).toEqual([]);
    // Not pinned to a digest: nothing to fetch by.
    expect(() => console.fetch(image, 'amd64')).toThrow('is not pinned to a sha256 digest');
  });
});
