import { spawn, spawnSync } from 'node:child_process';
import { percentile } from '../../shared/stats.js';
import path from 'node:path';
import { createBackend } from '../../electron/app/backend.js';
import { hostFingerprint, nodeInput } from '../integration/helpers/fleet.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { down, sshArgs, up } from '../testbed/bed.js';

export interface DeployBench {
  nodes: number;
  waves: number;
  readyAfterS: number;
  soakS: number;
  unavoidableS: number;
  edgewardS: number;
  overheadPct: number;
  sequentialS: number;
  /** Mean time a node spent in each step of the measured rollout. */
  perNodeMs: Record<string, number>;
  /**
   * What the runtime alone takes for the "starting" step's work (stop the old container, run the
   * new one), timed on the node itself, five nodes at once as in a wave: median and spread.
   */
  runtimeStartMs: { median: number; min: number; max: number; samples: number };
}

/**
 * One local image to 20 bed nodes in waves of 5 (real podman): the wall time against the waits no
 * tool can skip — each wave's model load (the server is ready READY_AFTER_MS after it starts; 8 s,
 * a small model) and its soak (15 s) — and against a plain sequential ssh script doing the same
 * steps node by node.
 */
export async function benchDeploy(nodes = 20, readyAfterS = 8, soakS = 15): Promise<DeployBench> {
  const bed = await up({ nodes, scenario: () => ({ count: 1 }) });
  const tmp = makeTempDir('edgeward-bench-deploy-');
  try {
    const backend = await createBackend({ dataDir: tmp.dir, transport: 'cli', userKnownHostsFile: path.join(tmp.dir, 'none') });
    for (const n of bed.nodes) {
      await backend.inventory.add(nodeInput(bed, n, { tags: ['bench'] }));
      await backend.pool.trust(n.name, hostFingerprint(n));
    }
    const spec = (port: number, version: string) => `name: bench
image: ${bed.image}
gpus: {count: 1}
env: {READY_AFTER_MS: "${readyAfterS * 1000}", MODEL_VERSION: "${version}"}
ports: [{container: 8000, host: ${port}}]
health: {successThreshold: 1, intervalS: 0.2, timeoutS: 60}
targets: {tags: [bench]}
strategy: {canary: 0, waves: {size: 5}, maxUnavailable: 5, groupBy: none, soakS: ${soakS}}
`;
    // A first rollout so the measured one replaces a running revision, as in real life.
    await (
      await backend.deploy.apply(spec(18800, '1'))
    ).done;
    const t0 = performance.now();
    const phases = new Map<string, number>();
    const seen = new Map<string, { state: string; at: number }>();
    backend.deploy.watch('bench', (r) => {
      for (const s of Object.values(r.nodes)) {
        const prev = seen.get(s.node);
        if (prev?.state === s.state) continue;
        if (prev) phases.set(prev.state, (phases.get(prev.state) ?? 0) + (s.updatedAt - prev.at));
        seen.set(s.node, { state: s.state, at: s.updatedAt });
      }
    });
    const { rollout, done } = await backend.deploy.apply(spec(18800, '2'));
    const final = await done;
    const edgewardS = (performance.now() - t0) / 1000;
    if (final.status !== 'succeeded') throw new Error(`bench rollout ${final.status}: ${final.message}`);
    const waves = rollout.waves.length;
    const perNodeMs = Object.fromEntries(
      [...phases].filter(([k]) => k !== 'pending' && k !== 'done').map(([k, v]) => [k, Math.round(v / nodes)]),
    );
    const unavoidableS = waves * (readyAfterS + soakS);
    await backend.close();

    // The runtime's share of "starting": the same stop (of a ready container) + run timed inside each
    // node (no SSH, no Edgeward), five nodes at a time like a wave, two rounds.
    const runtimeScript = [
      'set -e',
      `docker run -d --name rt-old -p 18803:8000 -e READY_AFTER_MS=${readyAfterS * 1000} ${bed.image} >/dev/null`,
      // Stopped once ready, as the rollout stops a revision that has been serving.
      `until [ "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:18803/v2/health/ready)" = 200 ]; do sleep 0.2; done`,
      't0=$(date +%s%N)',
      'docker stop -t 10 rt-old >/dev/null',
      `docker run -d --name rt-new -p 18802:8000 -e READY_AFTER_MS=${readyAfterS * 1000} ${bed.image} >/dev/null`,
      't1=$(date +%s%N)',
      'docker rm -f rt-old rt-new >/dev/null',
      'echo $(( (t1 - t0) / 1000000 ))',
    ].join('\n');
    const runtimeMs: number[] = [];
    for (let round = 0; round < 2; round++) {
      const wave = bed.nodes.slice(round * 5, round * 5 + 5);
      const outs = await Promise.all(
        wave.map(
          (n) =>
            new Promise<string>((resolve, reject) => {
              const c = spawn('ssh', [...sshArgs(bed, n), 'sh -s'], { stdio: ['pipe', 'pipe', 'pipe'] });
              let out = '';
              let err = '';
              c.stdout.on('data', (d: Buffer) => (out += d.toString()));
              c.stderr.on('data', (d: Buffer) => (err += d.toString()));
              c.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`runtime timing failed on ${n.name}: ${err}`))));
              c.stdin.end(runtimeScript);
            }),
        ),
      );
      for (const o of outs) runtimeMs.push(Number(o.trim().split('\n').at(-1)));
    }

    // The same steps by hand: for each node, stop the old container, run the new one, wait until
    // ready, soak, remove the old one, one node after the other.
    const script = (n: number) =>
      [
        'set -e',
        `docker stop -t 10 ew-bench-r2 >/dev/null`,
        `docker run -d --name seq-bench -p 18801:8000 -e READY_AFTER_MS=${readyAfterS * 1000} ${bed.image} >/dev/null`,
        `until [ "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:18801/v2/health/ready)" = 200 ]; do sleep 0.2; done`,
        `sleep ${soakS}`,
        `curl -sf -o /dev/null http://127.0.0.1:18801/v2/health/ready`,
        `docker rm -f ew-bench-r2 >/dev/null`,
        `echo node-${n} done`,
      ].join('\n');
    const s0 = performance.now();
    for (const [i, n] of bed.nodes.entries()) {
      const r = spawnSync('ssh', [...sshArgs(bed, n), 'sh -s'], { input: script(i), encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`sequential script failed on ${n.name}: ${r.stderr}`);
    }
    const sequentialS = (performance.now() - s0) / 1000;
    return {
      nodes,
      waves,
      readyAfterS,
      soakS,
      unavoidableS,
      edgewardS,
      overheadPct: ((edgewardS - unavoidableS) / unavoidableS) * 100,
      sequentialS,
      perNodeMs,
      runtimeStartMs: {
        median: percentile(runtimeMs, 50) ?? NaN,
        min: Math.min(...runtimeMs),
        max: Math.max(...runtimeMs),
        samples: runtimeMs.length,
      },
    };
  } finally {
    tmp.cleanup();
    await down();
  }
}
