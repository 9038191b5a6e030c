import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KnownHostsStore } from '../../../electron/services/ssh/known-hosts.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const writer = path.resolve(import.meta.dirname, '..', '..', 'helpers', 'pin-writer.ts');
const run = (file: string, prefix: string, count: number) =>
  new Promise<void>((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', writer, file, prefix, String(count)], { stdio: ['ignore', 'ignore', 'inherit'] });
    p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`pin writer exited ${code}`))));
  });

describe('host key pins written by several processes at once', () => {
  const tmp = makeTempDir('edgeward-pins-procs-');
  afterAll(() => tmp.cleanup());

  it('keeps every pin of three processes trusting keys at the same moment', async () => {
    const file = path.join(tmp.dir, 'known_hosts');
    await Promise.all([run(file, 'app', 60), run(file, 'cli-a', 60), run(file, 'cli-b', 60)]);
    const store = new KnownHostsStore(file);
    for (const prefix of ['app', 'cli-a', 'cli-b'])
      for (let i = 0; i < 60; i++) expect(store.lookup(`${prefix}-${i}`), `${prefix}-${i}`).toBeDefined();
  }, 60_000);
});
