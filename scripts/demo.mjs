// `npm run demo`: a small simulated fleet (5 GPU nodes, real sshd + podman, as root) and the UI on
// the loopback bridge. Ctrl+C stops the UI and removes the fleet again.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { seedDemoFleet } from './demo-seed.mjs';

if (process.getuid?.() !== 0) {
  console.error(
    'The demo fleet uses network namespaces, sshd and podman: run "npm run demo" as root (or just "npm run serve" for the UI alone).',
  );
  process.exit(1);
}
const deps = spawnSync('bash', ['scripts/ensure-test-deps.sh'], { stdio: 'inherit' });
if (deps.status !== 0) process.exit(1);
const up = spawnSync(process.execPath, ['--import', 'tsx', 'test/testbed/cli.ts', 'up', '--nodes', process.env.DEMO_NODES ?? '5'], {
  stdio: 'inherit',
});
if (up.status !== 0) process.exit(up.status ?? 1);

const stopFleet = () => spawnSync(process.execPath, ['--import', 'tsx', 'test/testbed/cli.ts', 'down'], { stdio: 'inherit' });
// The fleet the demo started is in the console from the first screen: a data directory of the
// demo's own (inside the bed, so it goes with it), each node added and its key pinned.
const build = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const state = JSON.parse(fs.readFileSync(path.join(process.env.EDGEWARD_BED ?? '/tmp/edgeward-bed', 'state.json'), 'utf8'));
const dataDir = path.join(state.dir, 'demo-data');
try {
  console.log(`Demo fleet in the console: ${seedDemoFleet(state, dataDir).join(', ')} (data in ${dataDir})`);
} catch (err) {
  console.error(`The demo could not add its nodes to the console: ${err instanceof Error ? err.message : err}`);
  stopFleet();
  process.exit(1);
}
const serve = spawn(process.execPath, ['dist/electron/serve.mjs', '--data-dir', dataDir, ...process.argv.slice(2)], { stdio: 'inherit' });
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  serve.kill('SIGTERM');
};
// The scenario switcher: one key puts a node into a state, so every state of the console shows in a minute.
const names = state.nodes.filter((n) => !n.behind).map((n) => n.name);
const KEYS = {
  1: [names[0], 'hot-gpu'],
  2: [names[1] ?? names[0], 'xid'],
  3: [names[2] ?? names[0], 'cut'],
  0: null,
};
const scenario = (node, name) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'test/testbed/cli.ts', 'scenario', node, name], { stdio: 'inherit' });
if (process.stdin.isTTY) {
  console.log(`Scenarios: [1] hot GPU on ${KEYS[1][0]}  [2] Xid 48 on ${KEYS[2][0]}  [3] cut ${KEYS[3][0]}  [0] all normal  [q] quit`);
  process.stdin.setRawMode(true);
  process.stdin.on('data', (b) => {
    const k = b.toString();
    if (k === 'q' || k === '\u0003') return stop();
    if (k === '0') for (const n of names) scenario(n, 'normal');
    else if (KEYS[k]) scenario(...KEYS[k]);
  });
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
serve.on('exit', () => {
  stopFleet();
  process.exit(0);
});
