import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cut, restore, type BedState } from '../testbed/bed.js';
import { TEST_IMAGE, type BedNode } from '../testbed/layout.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { ensureBed } from './helpers/bed.js';
import { addTrusted, fleetBackend, type FleetHarness } from './helpers/fleet.js';
import { readImageArchive, type ImageArchive } from '../../electron/services/deploy/image-archive.js';
import { loadPushed, pushArchive } from '../../electron/services/deploy/image-push.js';
import { execForDeploy } from '../../electron/services/deploy/node-exec.js';

const CHUNK = 4 * 1024 * 1024;
const must = (cmd: string, args: string[]) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const txBytes = (veth: string) => Number(fs.readFileSync(`/sys/class/net/${veth}/statistics/tx_bytes`, 'utf8'));

/**
 * Images over SSH to a site node with no registry: site1-01 is reached only through its gateway
 * node-01, and the console sends the archive over that one connection. node-01's cable is the
 * site link: its byte counters are the oracle for what crossed it.
 */
describe('images pushed over SSH, resumable', () => {
  const tmp = makeTempDir('edgeward-push-it-');
  let bed: BedState;
  let h: FleetHarness;
  let site: BedNode;
  let siteNodes: BedNode[];
  let gateway: BedNode;
  let archive: ImageArchive;
  const exec = (node: string, command: string, o?: Parameters<typeof execForDeploy>[3]) => execForDeploy(h.backend.pool, node, command, o);

  beforeAll(async () => {
    bed = await ensureBed();
    site = bed.nodes.find((n) => n.name === 'site1-01')!;
    gateway = bed.nodes.find((n) => n.name === 'node-01')!;
    // An image no node holds yet: the test image with a label of this run, built in a store of its own.
    const store = ['--root', path.join(tmp.dir, 'store'), '--runroot', path.join(tmp.dir, 'run')];
    const bedStore = ['--root', path.join(bed.dir, 'image-store'), '--runroot', path.join(bed.dir, 'image-run')];
    must('podman', [...bedStore, 'save', '-q', '-o', path.join(tmp.dir, 'base.tar'), TEST_IMAGE]);
    must('podman', [...store, 'load', '-q', '-i', path.join(tmp.dir, 'base.tar')]);
    fs.writeFileSync(path.join(tmp.dir, 'Containerfile'), `FROM ${TEST_IMAGE}\nLABEL io.edgeward.test.run="${path.basename(tmp.dir)}"\n`);
    must('podman', [
      ...store,
      'build',
      '-q',
      '--network',
      'none',
      '-t',
      'localhost/edgeward/oip-push:1',
      '-f',
      path.join(tmp.dir, 'Containerfile'),
      tmp.dir,
    ]);
    must('podman', [...store, 'save', '-q', '-o', path.join(tmp.dir, 'oip-push.tar'), 'localhost/edgeward/oip-push:1']);
    archive = await readImageArchive(path.join(tmp.dir, 'oip-push.tar'));
    // podman itself is the oracle for the image id the archive holds.
    expect(archive.imageId).toBe(
      `sha256:${must('podman', [...store, 'image', 'inspect', '--format', '{{.Id}}', 'localhost/edgeward/oip-push:1']).trim()}`,
    );
    h = await fleetBackend();
    siteNodes = bed.nodes.filter((n) => n.behind === 'node-01');
    await addTrusted(h, bed, siteNodes);
  }, 300_000);
  afterAll(async () => {
    restore(gateway);
    for (const n of h && archive ? [gateway, ...siteNodes] : [])
      await exec(n.name, `docker rmi -f ${archive.imageId.slice(7)} >/dev/null 2>&1; rm -rf ~/.cache/edgeward/images; true`).catch(
        () => undefined,
      );
    await h?.close();
    tmp.cleanup();
  });

  it('a site link cut at 50 % resumes: the rest plus at most one chunk, within the link cap, then the node holds exactly that image', async () => {
    let haveAtCut = 0;
    const first = pushArchive(exec, site.name, archive, {
      chunkBytes: CHUNK,
      onProgress: (p) => {
        if (!haveAtCut && p.have >= archive.size / 2) {
          haveAtCut = p.have;
          cut(gateway);
        }
      },
    });
    await expect(first).rejects.toThrow(/lost the connection|unreachable|timed out/);
    restore(gateway);
    // The link is back: the pool reconnects through the gateway.
    await expect
      .poll(async () => (await exec(site.name, 'true', { timeoutMs: 10_000 }).catch(() => undefined))?.exitCode, {
        timeout: 60_000,
        interval: 1000,
      })
      .toBe(0);
    const before = txBytes(gateway.veth);
    // The rest, with the link capped at 20 MiB/s: it takes at least as long as the cap says.
    const limit = 20 * 1024 * 1024;
    const t0 = Date.now();
    const second = await pushArchive(exec, site.name, archive, { chunkBytes: CHUNK, limitBytesPerS: limit });
    const tookS = (Date.now() - t0) / 1000;
    const onLink = txBytes(gateway.veth) - before;
    expect(tookS).toBeGreaterThanOrEqual(((second.sentBytes - CHUNK) / limit) * 0.95);
    expect(second.resumedFrom).toBeGreaterThanOrEqual(haveAtCut - CHUNK);
    expect(second.sentBytes).toBeLessThanOrEqual(archive.size - haveAtCut + CHUNK);
    expect(second.sentBytes).toBe(archive.size - second.resumedFrom);
    // What crossed the site link: those bytes and SSH's framing, not the archive again.
    expect(onLink).toBeLessThan((archive.size - haveAtCut + CHUNK) * 1.1 + 1024 * 1024);
    await loadPushed(exec, site.name, 'docker', archive);
    const onNode = async (cmd: string) => (await exec(site.name, cmd)).stdout.toString('utf8').trim();
    expect((await onNode(`docker image inspect --format '{{.Id}}' ${archive.imageId.slice(7)}`)).replace(/^sha256:/, '')).toBe(
      archive.imageId.slice(7),
    );
    // The copy on the node goes once loaded.
    expect(await onNode('ls -A ~/.cache/edgeward/images/$(hostname)')).toBe('');
  }, 300_000);

  it('checks the whole file before it counts: a byte the node disk changed under a finished chunk is found, and the file sent again', async () => {
    await exec(site.name, 'rm -rf ~/.cache/edgeward/images');
    let spoiled = false;
    const first = pushArchive(exec, site.name, archive, {
      chunkBytes: CHUNK,
      onProgress: (p) => {
        if (spoiled || p.have < archive.size / 2) return;
        spoiled = true;
        // One byte of the first, long-verified chunk changes on the node's disk.
        void exec(
          site.name,
          `printf X | dd of=$HOME/.cache/edgeward/images/$(hostname)/${archive.sha256}.tar.part bs=1 seek=100 conv=notrunc 2>/dev/null`,
        );
      },
    });
    await expect(first).rejects.toThrow(`the image arrived on ${site.name} changed`);
    const again = await pushArchive(exec, site.name, archive, { chunkBytes: CHUNK });
    expect(again.resumedFrom).toBe(0);
    expect(again.sentBytes).toBe(archive.size);
    const held = (await exec(site.name, `sha256sum ~/.cache/edgeward/images/$(hostname)/${archive.sha256}.tar`)).stdout.toString();
    expect(held.slice(0, 64)).toBe(archive.sha256);
    await exec(site.name, 'rm -rf ~/.cache/edgeward/images');
  }, 300_000);

  it('deploys with delivery: push to a node with no registry, with progress in bytes, rate and time left', async () => {
    await exec(site.name, `docker rmi -f ${archive.imageId.slice(7)} >/dev/null 2>&1; true`);
    const spec = `name: push-cxr
image: localhost/edgeward/oip-push:1
delivery: push
push:
  archive: ${archive.file}
  limitKiBps: 65536
profile: radiology
gpus:
  count: 1
env:
  MODEL_NAME: chest-xray
ports:
  - container: 8000
    host: 18702
health:
  successThreshold: 1
  intervalS: 0.5
  timeoutS: 60
targets:
  nodes: [${site.name}]
`;
    const { rollout, done } = await h.backend.deploy.apply(spec);
    expect(rollout.pinnedImage).toBe(archive.imageId);
    const seen: string[] = [];
    const stop = h.backend.deploy.watch('push-cxr', (r) => {
      const s = r.nodes[site.name];
      if (s?.state === 'pulling') seen.push(s.detail);
    });
    const final = await done;
    stop();
    expect(final.status, final.message).toBe('succeeded');
    expect(seen.some((d) => /^sending the image to the site cache node-01: [\d.]+ of [\d.]+ MiB, [\d.]+ MiB\/s, \d+ s left$/.test(d))).toBe(
      true,
    );
    const running = (
      await exec(site.name, `docker ps --filter label=io.edgeward.deployment=push-cxr --format '{{.ImageID}}'`)
    ).stdout.toString();
    expect(archive.imageId).toContain(
      running
        .trim()
        .replace(/^sha256:/, '')
        .slice(0, 12),
    );
    await exec(site.name, `docker rm -f $(docker ps -aq --filter label=io.edgeward.deployment=push-cxr) >/dev/null 2>&1; true`);
  }, 300_000);

  it('a site of 4 behind one gateway: the image crosses the site link once, and all 4 run it', async () => {
    expect(siteNodes.map((n) => n.name).sort()).toEqual(['site1-01', 'site1-02', 'site1-03', 'site1-04']);
    for (const n of [gateway, ...siteNodes])
      await exec(
        n.name,
        `docker rm -f $(docker ps -aq --filter label=io.edgeward.deployment=push-site) >/dev/null 2>&1; docker rmi -f ${archive.imageId.slice(7)} >/dev/null 2>&1; rm -rf ~/.cache/edgeward/images; true`,
      );
    const spec = `name: push-site
image: localhost/edgeward/oip-push:1
delivery: push
push:
  archive: ${archive.file}
gpus:
  count: 1
ports:
  - container: 8000
    host: 18703
health:
  successThreshold: 1
  intervalS: 0.5
  timeoutS: 60
targets:
  nodes: [${siteNodes.map((n) => n.name).join(', ')}]
strategy:
  canary: 1
  waves:
    size: 3
  maxUnavailable: 3
  soakS: 0
`;
    const before = txBytes(gateway.veth);
    const { done } = await h.backend.deploy.apply(spec);
    const final = await done;
    expect(final.status, final.message).toBe('succeeded');
    const onLink = txBytes(gateway.veth) - before;
    // One image's worth over the site link (plus SSH framing and the commands), not four.
    expect(onLink).toBeGreaterThan(archive.size);
    expect(onLink).toBeLessThan(archive.size * 1.15);
    for (const n of siteNodes) {
      const id = (await exec(n.name, `docker ps --filter label=io.edgeward.deployment=push-site --format '{{.ImageID}}'`)).stdout
        .toString()
        .trim();
      expect(archive.imageId).toContain(id.replace(/^sha256:/, '').slice(0, 12));
    }
    // The cache keeps its copy for the next node of the site; the nodes keep none.
    expect((await exec(gateway.name, 'ls ~/.cache/edgeward/images/$(hostname)')).stdout.toString().trim()).toBe(`${archive.sha256}.tar`);
    for (const n of siteNodes) {
      expect((await exec(n.name, 'ls -A ~/.cache/edgeward/images/$(hostname)')).stdout.toString().trim()).toBe('');
      await exec(n.name, `docker rm -f $(docker ps -aq --filter label=io.edgeward.deployment=push-site) >/dev/null 2>&1; true`);
    }
  }, 600_000);
});
