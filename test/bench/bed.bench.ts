import { down, up } from '../testbed/bed.js';

export interface BedFigures {
  nodes: number;
  upS: number;
  downS: number;
  leftovers: number;
}

/** Time to start and remove the simulated fleet (target: 20 nodes in under a minute). */
export async function benchBed(nodes: number): Promise<BedFigures> {
  let t0 = performance.now();
  await up({ nodes });
  const upS = (performance.now() - t0) / 1000;
  t0 = performance.now();
  const report = await down();
  return { nodes, upS, downS: (performance.now() - t0) / 1000, leftovers: report.leftovers.length };
}
