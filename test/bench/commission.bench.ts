import path from 'node:path';
import { createBackend } from '../../electron/app/backend.js';
import { hostFingerprint, nodeInput } from '../integration/helpers/fleet.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { down, up } from '../testbed/bed.js';

export interface CommissionBench {
  totalS: number;
  loadS: number;
  /** Median wall time of each section over the runs, in ms. */
  sectionMs: Record<string, number>;
  runs: number;
}

/**
 * A whole commissioning of a bed node (2 × L40S, real podman for the GPU container and the load),
 * profile with every local section: what a technician waits for beyond the load itself.
 */
export async function benchCommission(runs = 5, loadS = 10): Promise<CommissionBench> {
  const bed = await up({ nodes: 1, scenario: () => ({ count: 2, overrides: { persistence_mode: 'Enabled' } }) });
  const tmp = makeTempDir('edgeward-bench-commission-');
  try {
    const backend = await createBackend({ dataDir: tmp.dir, transport: 'cli', userKnownHostsFile: path.join(tmp.dir, 'none') });
    const node = bed.nodes[0]!;
    await backend.inventory.add(nodeInput(bed, node));
    await backend.pool.trust(node.name, hostFingerprint(node));
    const profile = `name: bench
gpu: {model: L40S, count: 2}
idle: {maxTempC: 90}
testImage: ${bed.image}
testCommand: [/usr/bin/node, -e, "console.log(require('fs').readdirSync('/dev').join(' '))"]
load: {seconds: ${loadS}, command: [/usr/bin/node, -e, "setTimeout(() => {}, 600000)"], minUtilizationPct: 0}
dns: [localhost, ${node.name}]
`;
    const per = new Map<string, number[]>();
    const totals: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const s = await backend.commission.start(node.name, profile);
      totals.push(performance.now() - t0);
      for (const x of s.sections) per.set(x.id, [...(per.get(x.id) ?? []), (x.finishedAt ?? 0) - (x.startedAt ?? 0)]);
    }
    await backend.close();
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    return {
      totalS: median(totals) / 1000,
      loadS,
      sectionMs: Object.fromEntries([...per].map(([k, v]) => [k, median(v)])),
      runs,
    };
  } finally {
    tmp.cleanup();
    await down();
  }
}
