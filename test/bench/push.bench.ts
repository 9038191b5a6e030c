import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createBackend } from '../../electron/app/backend.js';
import { readImageArchive } from '../../electron/services/deploy/image-archive.js';
import { loadPushed, pushArchive } from '../../electron/services/deploy/image-push.js';
import { execForDeploy } from '../../electron/services/deploy/node-exec.js';
import { percentile } from '../../shared/stats.js';
import { hostFingerprint, nodeInput } from '../integration/helpers/fleet.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { down, sshArgs, up } from '../testbed/bed.js';
import { TEST_IMAGE } from '../testbed/layout.js';

export interface PushBench {
  archiveMiB: number;
  runs: number;
  edgeward: { wallS: number[]; linkMiB: number[] };
  plain: { wallS: number[]; linkMiB: number[] };
}

const txBytes = (veth: string) => Number(fs.readFileSync(`/sys/class/net/${veth}/statistics/tx_bytes`, 'utf8'));

/**
 * The test image (about 105 MB) to the bed's site node behind its gateway, with no registry:
 * Edgeward's push (chunks checked by the node, then load and image id check) against a plain
 * `ssh -J gateway site 'podman load' < archive`, alternately (A B A B), each with its wall time
 * and the bytes that crossed the site link (the gateway's cable, by its counters).
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
    const site = bed.nodes.find((n) => n.name === 'site1-01')!;
    const backend = await createBackend({ dataDir: tmp.dir, transport: 'cli', userKnownHostsFile: path.join(tmp.dir, 'none') });
    for (const n of [gateway, site]) {
      await backend.inventory.add(nodeInput(bed, n));
      await backend.pool.trust(n.name, hostFingerprint(n));
    }
    const exec = (node: string, cmd: string, o?: Parameters<typeof execForDeploy>[3]) => execForDeploy(backend.pool, node, cmd, o);
    // The image leaves the node's own store between runs (the bed's shared store is read-only and kept).
    const forget = () =>
      exec(site.name, `podman rmi -f ${archive.imageId.slice(7)} >/dev/null 2>&1; rm -rf ~/.cache/edgeward/images; true`);
    await exec(site.name, 'true');
    const out: PushBench = {
      archiveMiB: archive.size / 1048576,
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
    for (let i = 0; i < runs; i++) {
      await measure(out.edgeward, async () => {
        await pushArchive(exec, site.name, archive);
        await loadPushed(exec, site.name, 'podman', archive);
      });
      await measure(
        out.plain,
        () =>
          new Promise<void>((resolve, reject) => {
            const p = spawn(
              'ssh',
              [
                ...jump,
                '-o',
                `ProxyCommand=ssh ${jump.join(' ')} -W %h:%p root@${gateway.address}`,
                `root@${site.address}`,
                'podman load -q',
              ],
              {
                stdio: ['pipe', 'ignore', 'ignore'],
              },
            );
            fs.createReadStream(file).pipe(p.stdin);
            p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`plain ssh load exited ${code}`))));
          }),
      );
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
