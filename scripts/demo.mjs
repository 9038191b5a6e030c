// `npm run demo`: a small simulated fleet (5 GPU nodes, real sshd + podman, as root) and the UI on
// the loopback bridge. Ctrl+C stops the UI and removes the fleet again.
import { spawn, spawnSync } from 'node:child_process';

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
const serve = spawn('npm', ['run', '--silent', 'serve', '--', ...process.argv.slice(2)], { stdio: 'inherit' });
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  serve.kill('SIGTERM');
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
serve.on('exit', () => {
  stopFleet();
  process.exit(0);
});
