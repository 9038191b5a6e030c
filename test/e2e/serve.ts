import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', '..');

/** Runs the built `serve` on a data directory, as a user would, and returns its URL (with token). */
export async function startServe(dataDir: string, options: { watchFleet?: boolean } = {}): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [path.join(root, 'dist/electron/serve.mjs'), '--json', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
    // The fleet view tests make up hundreds of nodes that do not exist: do not dial them all.
    env: { ...process.env, EDGEWARD_WATCH_FLEET: options.watchFleet ? '1' : '0' },
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error('serve did not print its URL within 20 s')), 20_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const nl = buffered.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      resolve((JSON.parse(buffered.slice(0, nl)) as { url: string }).url);
    });
    child.once('exit', (code) => reject(new Error(`serve exited early with ${code}`)));
  });
  return { url, child };
}
