import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createBackend } from '../../electron/app/backend.js';
import { readImageArchive } from '../../electron/services/deploy/image-archive.js';
import { loadPushed } from '../../electron/services/deploy/image-push.js';
import { execForDeploy } from '../../electron/services/deploy/node-exec.js';
import { SiteCache } from '../../electron/services/deploy/site-cache.js';
import { percentile } from '../../shared/stats.js';
import { hostFingerprint, nodeInput } from '../integration/helpers/fleet.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { down, sshArgs, up } from '../testbed/bed.js';
import { TEST_IMAGE } from '../testbed/layout.js';

export interface PushBench {
  archiveMiB: number;
  siteNodes: number;
  runs: number;
  edgeward: { wallS: number[]; linkMiB: number[] };
  plain: { wallS: number[]; linkMiB: number[] };
}

const txBytes = (veth: string) => Number(fs.readFileSync(`/sys/class/net/${veth}/statistics/tx_bytes`, 'utf8'));

/**
 * The test image (about 100 MiB) to the bed's site of 4 nodes behind one gateway, with no
 * registry: Edgeward (once to the site cache, checked chunk by chunk; then each node from the cache
 * inside the site, checked whole, loaded, id checked) against every node's own plain
 * `ssh -J gateway node 'podman load' < archive`, alternately (A B A B), each with its wall time and
 * the bytes that crossed the site link (the gateway's cable, by its counters).
 */
export async function benchPush(runs = 3): Promise<PushBench> {
  const bed = await up({ nodes: 2, hidden: true, scenario: () => ({ count: 1 }) });
  const tmp = makeTempDir('edgeward-bench-push-');
  try {
    const file = path.join(tmp.dir, 'oip.tar');
    const store = ['--root', path.join(bed.dir, 'image-store'), '--runroot', path.join(bed.dir, 'image-run')];
    spawnSync('podman', [...store, 'save', '-q', '-o', file, TEST_IMAGE], { stdio: 'ignore' });
    const archive = await readImageArchive(file);
    const gateway = bed.nodes.find((n) => n.name === 'node-01')!;
    const site = bed.nodes.filter((n) => n.behind === 'node-01');
    const backend = await createBackend({ dataDir: tmp.dir, transport: 'cli', userKnownHostsFile: path.join(tmp.dir, 'none') });
    for (const n of [gateway, ...site]) {
      await backend.inventory.add(nodeInput(bed, n));
      await backend.pool.trust(n.name, hostFingerprint(n));
    }
    const exec = (node: string, cmd: string, o?: Parameters<typeof execForDeploy>[3]) => execForDeploy(backend.pool, node, cmd, o);
    // The image leaves the nodes' own stores between runs (the bed's shared store is read-only and kept).
    const forget = () =>
      Promise.all(
        [gateway, ...site].map((n) =>
          exec(n.name, `podman rmi -f ${archive.imageId.slice(7)} >/dev/null 2>&1; rm -rf ~/.cache/edgeward/images; true`),
        ),
      );
    const out: PushBench = {
      archiveMiB: archive.size / 1048576,
      siteNodes: site.length,
      runs,
      edgeward: { wallS: [], linkMiB: [] },
      plain: { wallS: [], linkMiB: [] },
    };
    const measure = async (into: { wallS: number[]; linkMiB: number[] }, f: () => Promise<void>) => {
      await forget();
      const bytes = txBytes(gateway.veth);
      const t = performance.now();
      await f();
      into.wallS.push((performance.now() - t) / 1000);
      into.linkMiB.push((txBytes(gateway.veth) - bytes) / 1048576);
    };
    const jump = sshArgs(bed, gateway).slice(0, -1);
    const plainLoad = (address: string) =>
      new Promise<void>((resolve, reject) => {
        const p = spawn(
          'ssh',
          [...jump, '-o', `ProxyCommand=ssh ${jump.join(' ')} -W %h:%p root@${gateway.address}`, `root@${address}`, 'podman load -q'],
          {
            stdio: ['pipe', 'ignore', 'ignore'],
          },
        );
        fs.createReadStream(file).pipe(p.stdin);
        p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`plain ssh load exited ${code}`))));
      });
    for (let i = 0; i < runs; i++) {
      // What a rollout does for a site: once to the cache, then every node from the cache, in parallel.
      await measure(out.edgeward, async () => {
        const sites = new SiteCache(exec);
        const signal = new AbortController().signal;
        await Promise.all(
          site.map(async (n) => {
            await sites.ensure(gateway.name, archive);
            await sites.fanOut(gateway.name, n.name, n.address, archive, signal);
            await loadPushed(exec, n.name, 'podman', archive);
          }),
        );
      });
      // Plain: every node its own ssh -J … podman load, in parallel.
      await measure(out.plain, async () => {
        await Promise.all(site.map((n) => plainLoad(n.address)));
      });
    }
    await forget();
    await backend.close();
    return out;
  } finally {
    tmp.cleanup();
    await down(bed.dir);
  }
}

export const summary = (xs: number[]) =>
  `median ${percentile(xs, 50)!.toFixed(1)} (min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)})`;
