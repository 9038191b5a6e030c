import { spawn } from 'node:child_process';
import path from 'node:path';
import { createBackend } from '../../electron/app/backend.js';
import { mintIntent } from '../../electron/services/audit/intent.js';
import { percentile } from '../../shared/stats.js';
import { makeTempDir } from '../helpers/temp-dir.js';

export interface PipelineFigures {
  direct: { p50Ms: number; p99Ms: number };
  pipeline: { p50Ms: number; p99Ms: number };
  editsPerS: number;
  kept: number;
  refused: number;
  processes: number;
}

const writer = path.resolve(import.meta.dirname, '..', 'helpers', 'inventory-router-writer.ts');

function runWriter(dataDir: string, prefix: string, count: number, seed: number): Promise<{ ok: boolean }[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', writer, dataDir, prefix, String(count), String(seed)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as { ok: boolean }[]) : reject(new Error(`writer exited ${code}`))));
  });
}

/**
 * What the pipeline costs one action (settings.update through the router: validation, durable
 * intent, the change, durable outcome) against the same change made directly on the service; and
 * inventory changes per second through the pipeline with three processes writing at once.
 */
export async function benchPipeline(n = 400): Promise<PipelineFigures> {
  const tmp = makeTempDir('edgeward-bench-pipeline-');
  try {
    const backend = await createBackend({ dataDir: path.join(tmp.dir, 'one'), transport: 'cli' });
    const ctx = { transport: 'cli' as const, clientId: 'bench' };
    const direct: number[] = [];
    const piped: number[] = [];
    const intent = mintIntent(1, 'settings.update');
    for (let i = 0; i < n; i++) {
      const theme = i % 2 ? 'dark' : 'light';
      let t0 = performance.now();
      backend.settings.set({ theme }, intent);
      direct.push(performance.now() - t0);
      t0 = performance.now();
      const r = await backend.router.invoke('settings.set', { theme }, ctx);
      piped.push(performance.now() - t0);
      if (!r.ok) throw new Error(r.error.message);
    }
    await backend.close();

    const shared = path.join(tmp.dir, 'shared');
    await (await createBackend({ dataDir: shared, transport: 'cli' })).close();
    const t0 = performance.now();
    const results = (
      await Promise.all([runWriter(shared, 'a', 200, 3), runWriter(shared, 'b', 200, 5), runWriter(shared, 'c', 200, 9)])
    ).flat();
    const seconds = (performance.now() - t0) / 1000;
    const kept = results.filter((r) => r.ok).length;
    return {
      direct: { p50Ms: percentile(direct, 50) ?? NaN, p99Ms: percentile(direct, 99) ?? NaN },
      pipeline: { p50Ms: percentile(piped, 50) ?? NaN, p99Ms: percentile(piped, 99) ?? NaN },
      // Process start-up included: what three terminals doing this at once see.
      editsPerS: results.length / seconds,
      kept,
      refused: results.length - kept,
      processes: 3,
    };
  } finally {
    tmp.cleanup();
  }
}
