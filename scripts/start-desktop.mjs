// `npm start`: build, then run the desktop app. Electron fetches its binary on first start; where
// that is impossible (an offline or locked-down machine) say so and offer the browser route.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const build = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

let electronPath;
try {
  electronPath = createRequire(import.meta.url)('electron');
} catch (err) {
  console.error(`\nThe Electron binary is not available on this machine: ${err instanceof Error ? err.message.split('\n')[0] : err}`);
  console.error('Run the same console in a browser instead:  npm run serve   (prints a local URL to open)');
  process.exit(1);
}
const child = spawn(electronPath, ['.', ...process.argv.slice(2)], { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
