// Types for demo-seed.mjs (run by `npm run demo`; the tests import it too).
export function seedDemoFleet(
  state: { nodes: { name: string; address: string; dir: string; behind?: string }[]; privateKey: string },
  dataDir: string,
  cli?: string,
): string[];
