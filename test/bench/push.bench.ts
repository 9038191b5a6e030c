import { spawn, spawnSync } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { createBackend } from '../../electron/app/backend.js';
import { readImageArchive, type ImageArchive } from '../../electron/services/deploy/image-archive.js';
import { ConsoleImages } from '../../electron/services/deploy/registry-fetch.js';
import { loadPushed } from '../../electron/services/deploy/image-push.js';
import { execForDeploy } from '../../electron/services/deploy/node-exec.js';
import { SiteCache } from '../../electron/services/deploy/site-cache.js';
import { hostFingerprint, nodeInput } from '../integration/helpers/fleet.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { down, sshArgs, up } from '../testbed/bed.js';
import { HOST_ADDRESS, TEST_IMAGE } from '../testbed/layout.js';
import { run } from '../testbed/sh.js';
import { getManifest, registryDigest, startSecureRegistry, type SecureRegistry } from '../helpers/registry.js';
import { shellQuote } from '../../electron/services/ssh/shell-quote.js';

export interface Method {
  wallS: number[];
  linkMiB: number[];
}

export interface PushBench {
  archiveMiB: number;
  /** The compressed layers a pull moves (what the registry serves). */
  pullMiB: number;
  runs: number;
  /** The console's OCI archive of the registry image (compressed layers, as pulled). */
  fetchedMiB: number;
  sites: { nodes: number; edgeward: Method; fetched: Method; plain: Method; pull: Method }[];
}

const PULL_STORE = '"$HOME/.cache/edgeward/pull-bench-$(hostname)"';
const txBytes = (veth: string) => Number(fs.readFileSync(`/sys/class/net/${veth}/statistics/tx_bytes`, 'utf8'));

/**
 * The test image (about 100 MiB) to the bed's site behind one gateway, for a site of 4 and of 8
 * nodes, three ways, alternately (A B C A B C), each with its wall time and the bytes that crossed
 * the site link (the gateway's cable, by its counters):
 * - Edgeward, once per site: to the site cache checked chunk by chunk, then each node from the
 *   cache inside the site, checked whole, loaded, id checked;
 * - every node's own plain `ssh -J gateway node 'podman load' < archive`;
 * - every node pulling on its own from a registry on the hub, routed through the gateway for this
 *   benchmark only (the site's nodes otherwise have no route to it).
 */
export async function benchPush(runs = 3, sizes = [4, 8]): Promise<PushBench> {
  const bed = await up({ nodes: 2, hidden: true, siteNodes: Math.max(...sizes), scenario: () => ({ count: 1 }) });
  const tmp = makeTempDir('edgeward-bench-push-');
  let reg: SecureRegistry | undefined;
  const gateway = bed.nodes.find((n) => n.name === 'node-01')!;
  const allSite = bed.nodes.filter((n) => n.behind === 'node-01');
  const siteNet = `${allSite[0]!.address.replace(/\.\d+$/, '')}.0/24`;
  try {
    const file = path.join(tmp.dir, 'oip.tar');
    const bedStore = { root: path.join(bed.dir, 'image-store'), runroot: path.join(bed.dir, 'image-run') };
    const store = ['--root', bedStore.root, '--runroot', bedStore.runroot];
    spawnSync('podman', [...store, 'save', '-q', '-o', file, TEST_IMAGE], { stdio: 'ignore' });
    const archive = await readImageArchive(file);
    reg = await startSecureRegistry(path.join(tmp.dir, 'reg'), HOST_ADDRESS);
    const image = reg.push(bedStore, TEST_IMAGE, 'edgeward/oip-bench:1');
    const manifest = JSON.parse(getManifest(reg, 'edgeward/oip-bench', '1')) as { layers: { size: number }[]; config: { size: number } };
    // The site reaches the hub through its gateway, for the pull baseline only.
    run('ip', ['netns', 'exec', gateway.netns, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    for (const n of allSite)
      run('ip', ['-n', n.netns, 'route', 'replace', `${HOST_ADDRESS}/32`, 'via', `${siteNet.replace(/\.0\/24$/, '')}.1`]);
    run('ip', ['route', 'replace', siteNet, 'via', gateway.address]);
    const backend = await createBackend({ dataDir: tmp.dir, transport: 'cli', userKnownHostsFile: path.join(tmp.dir, 'none') });
    for (const n of [gateway, ...allSite]) {
      await backend.inventory.add(nodeInput(bed, n));
      await backend.pool.trust(n.name, hostFingerprint(n));
    }
    const exec = (node: string, cmd: string, o?: Parameters<typeof execForDeploy>[3]) => execForDeploy(backend.pool, node, cmd, o);
    // The image leaves the nodes' own stores between runs (the bed's shared store is read-only and kept).
    const forget = () =>
      Promise.all(
        [gateway, ...allSite].map((n) =>
          exec(n.name, `podman rmi -f ${archive.imageId.slice(7)} >/dev/null 2>&1; rm -rf ~/.cache/edgeward/images ${PULL_STORE}; true`),
        ),
      );
    const fetched = await new ConsoleImages(path.join(tmp.dir, 'images'), () => reg!.options()).fetch(
      `${image}@${registryDigest(reg, image)}`,
      'amd64',
    );
    const out: PushBench = {
      archiveMiB: archive.size / 1048576,
      fetchedMiB: fetched.size / 1048576,
      pullMiB: (manifest.config.size + manifest.layers.reduce((a, l) => a + l.size, 0)) / 1048576,
      runs,
      sites: [],
    };
    const measure = async (into: Method, f: () => Promise<void>) => {
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
          { stdio: ['pipe', 'ignore', 'ignore'] },
        );
        fs.createReadStream(file).pipe(p.stdin);
        p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`plain ssh load exited ${code}`))));
      });
    // Each pull into a storage of its own: the bed's shared read-only store holds the same layers,
    // which podman would otherwise reuse instead of fetching them over the link.
    const pull = async (node: string) => {
      const conf = `${PULL_STORE}/storage.conf`;
      const r = await exec(
        node,
        `mkdir -p ${PULL_STORE} && printf '[storage]\\ndriver = "vfs"\\ngraphroot = "%s/g"\\nrunroot = "%s/r"\\n' ${PULL_STORE} ${PULL_STORE} > ${conf} && CONTAINERS_STORAGE_CONF=${conf} podman pull -q --tls-verify=false --creds ${reg!.username}:${shellQuote(reg!.password)} ${image} 2>&1`,
      );
      if (r.exitCode !== 0) throw new Error(`${node}: pull failed: ${r.stdout.toString().trim()}`);
    };
    for (const size of sizes) {
      const site = allSite.slice(0, size);
      const row = {
        nodes: size,
        edgeward: { wallS: [], linkMiB: [] },
        fetched: { wallS: [], linkMiB: [] },
        plain: { wallS: [], linkMiB: [] },
        pull: { wallS: [], linkMiB: [] },
      };
      const viaCache = async (a: ImageArchive) => {
        const sites = new SiteCache(exec);
        const signal = new AbortController().signal;
        setMaxListeners(0, signal);
        await Promise.all(
          site.map(async (n) => {
            await sites.ensure(gateway.name, a);
            await sites.fanOut(gateway.name, n.name, n.address, a, signal);
            await loadPushed(exec, n.name, 'podman', a);
          }),
        );
      };
      for (let i = 0; i < runs; i++) {
        // What a rollout does for a site: once to the cache, then every node from the cache, in parallel.
        await measure(row.edgeward, () => viaCache(archive));
        // The same for the registry image the console fetched (auto, or push without an archive): compressed layers.
        await measure(row.fetched, () => viaCache(fetched));
        await measure(row.plain, async () => {
          await Promise.all(site.map((n) => plainLoad(n.address)));
        });
        await measure(row.pull, async () => {
          await Promise.all(site.map((n) => pull(n.name)));
        });
      }
      out.sites.push(row);
    }
    await forget();
    await backend.close();
    return out;
  } finally {
    run('ip', ['route', 'del', siteNet], { allowFail: true });
    await reg?.stop();
    tmp.cleanup();
    await down(bed.dir);
  }
}
