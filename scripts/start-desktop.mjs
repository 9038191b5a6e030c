// `npm start`: build, then run the desktop app. Electron fetches its binary on first start; where
// that is impossible (an offline or locked-down machine) say so and offer the browser route.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { ensureElectronBinding } from './electron-native.mjs';

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
// The native SQLite addon npm built is for Node; Electron loads its own build of it.
let sqliteBinding;
try {
  sqliteBinding = ensureElectronBinding({ log: (m) => console.log(m) });
} catch (err) {
  console.error(`\n${err instanceof Error ? err.message : err}`);
  console.error('Run the same console in a browser instead:  npm run serve   (prints a local URL to open)');
  process.exit(1);
}
const child = spawn(electronPath, ['.', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, EDGEWARD_SQLITE_BINDING: sqliteBinding },
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
