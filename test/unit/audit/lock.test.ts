import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DirLock } from '../../../electron/services/audit/lock.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

function hammer(dir: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.resolve(import.meta.dirname, '..', '..', 'helpers', 'lock-hammer.ts'), dir],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`lock hammer exited with ${code}`)));
  });
}

describe('audit directory lock', () => {
  const tmp = makeTempDir();
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
  });
  afterAll(() => tmp.cleanup());

  it('a waiter is served while another process re-takes the lock back to back', async () => {
    children.push(await hammer(tmp.dir), await hammer(tmp.dir));
    const lock = new DirLock(tmp.dir);
    for (let i = 0; i < 20; i++) {
      await lock.acquire(3_000);
      await lock.release();
    }
  }, 30_000);

  it('takes over a lock whose holder died, and only one of two waiters gets it', async () => {
    // A holder that died without releasing: a pid that does not exist.
    fs.writeFileSync(path.join(tmp.dir, '.lock'), '2147483646');
    const a = new DirLock(tmp.dir);
    const b = new DirLock(tmp.dir);
    const order: string[] = [];
    const take = async (name: string, lock: DirLock) => {
      await lock.acquire(3_000);
      order.push(`${name} in`);
      await new Promise((r) => setTimeout(r, 30));
      order.push(`${name} out`);
      await lock.release();
    };
    await Promise.all([take('a', a), take('b', b)]);
    // Never both inside at once.
    expect(order[1]).toMatch(/out$/);
    expect(order[3]).toMatch(/out$/);
  });
});
