import path from 'node:path';
import { createBackend } from '../../electron/app/backend.js';
import { hostFingerprint, nodeInput } from '../integration/helpers/fleet.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { down, up } from '../testbed/bed.js';
import { startFrontDoor } from '../testbed/front-door.js';

export interface ServiceBench {
  readyAfterS: number;
  soakS: number;
  unavoidableS: number;
  edgewardS: number;
  overheadPct: number;
  probeIntervalMs: number;
  probes: number;
  failures: number;
  /** The longest time between two answered front-door probes during the rollout. */
  longestGapMs: number;
}

/**
 * A two-member service (minimum 1) behind a failover front door, on two bed nodes (real podman):
 * the rollout of a new revision against its unavoidable waits (the members go one at a time, each
 * with its model load and soak), and the front door probed every 100 ms throughout.
 */
export async function benchServiceRollout(readyAfterS = 8, soakS = 15, probeIntervalMs = 100): Promise<ServiceBench> {
  const bed = await up({ nodes: 2, scenario: () => ({ count: 1 }) });
  const tmp = makeTempDir('edgeward-bench-service-');
  const port = 18820;
  const door = await startFrontDoor(bed.nodes.map((n) => `${n.address}:${port}`));
  try {
    const backend = await createBackend({ dataDir: tmp.dir, transport: 'cli', userKnownHostsFile: path.join(tmp.dir, 'none') });
    for (const n of bed.nodes) {
      await backend.inventory.add(nodeInput(bed, n, { tags: ['bench'] }));
      await backend.pool.trust(n.name, hostFingerprint(n));
    }
    const spec = (version: string) => `name: cds-bench
image: ${bed.image}
env: {READY_AFTER_MS: "${readyAfterS * 1000}", MODEL_VERSION: "${version}"}
ports: [{container: 8000, host: ${port}}]
health: {successThreshold: 1, intervalS: 0.2, timeoutS: 60}
targets: {tags: [bench]}
strategy: {canary: 0, waves: {size: 2}, maxUnavailable: 2, groupBy: none, soakS: ${soakS}}
`;
    await backend.services.apply(`name: cds
deployment: cds-bench
members: [${bed.nodes.map((n) => n.name).join(', ')}]
redundancy: {minHealthy: 1}
frontDoor: {url: "${door.url('/v2/health/ready')}"}
`);
    // Revision 1 on both (nothing serves yet, so both start at once); the measured one replaces it.
    const first = await (await backend.deploy.apply(spec('1'))).done;
    if (first.status !== 'succeeded') throw new Error(`first rollout ${first.status}: ${first.message}`);
    let probing = true;
    let probes = 0;
    let failures = 0;
    let lastOk = performance.now();
    let longestGapMs = 0;
    const prober = (async () => {
      while (probing) {
        const at = performance.now();
        probes++;
        const res = await fetch(door.url('/v2/health/ready'), { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
        if (res?.status === 200) {
          longestGapMs = Math.max(longestGapMs, performance.now() - lastOk);
          lastOk = performance.now();
        } else failures++;
        await new Promise((r) => setTimeout(r, Math.max(0, probeIntervalMs - (performance.now() - at))));
      }
    })();
    const t0 = performance.now();
    const final = await (await backend.deploy.apply(spec('2'))).done;
    const edgewardS = (performance.now() - t0) / 1000;
    probing = false;
    await prober;
    if (final.status !== 'succeeded') throw new Error(`bench rollout ${final.status}: ${final.message}`);
    await backend.close();
    const unavoidableS = 2 * (readyAfterS + soakS);
    return {
      readyAfterS,
      soakS,
      unavoidableS,
      edgewardS,
      overheadPct: ((edgewardS - unavoidableS) / unavoidableS) * 100,
      probeIntervalMs,
      probes,
      failures,
      longestGapMs,
    };
  } finally {
    await door.close();
    tmp.cleanup();
    await down();
  }
}
