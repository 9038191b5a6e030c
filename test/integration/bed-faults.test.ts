import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cut, restore, setDelay, setLoss, type BedState } from '../testbed/bed.js';
import { ensureBed, ssh, ssh2Connect, ssh2Exec } from './helpers/bed.js';

describe('link faults on a node', () => {
  let bed: BedState;
  beforeAll(async () => {
    bed = await ensureBed();
  }, 180_000);
  const node = () => bed.nodes[6]!;
  afterEach(async () => {
    restore(node());
    setLoss(node(), 0);
    await setDelay(bed, node(), 0);
  });

  it('cut: an open ssh2 connection reports a keepalive timeout; restored, a new one works', async () => {
    const client = await ssh2Connect(bed, node(), { keepaliveInterval: 500, keepaliveCountMax: 2 });
    const error = new Promise<Error>((resolve) => client.on('error', resolve));
    cut(node());
    expect((await error).message).toMatch(/keepalive timeout/i);
    client.end();
    expect(ssh(bed, node(), 'true', 'root', ['-o', 'ConnectTimeout=2']).status).toBe(255);
    restore(node());
    await expect.poll(() => ssh(bed, node(), 'echo back').stdout, { timeout: 10_000 }).toBe('back\n');
  });

  it('loss 100%: nothing gets through; loss 0%: everything does', () => {
    setLoss(node(), 100);
    const r = ssh(bed, node(), 'true', 'root', ['-o', 'ConnectTimeout=2']);
    expect(r.status).toBe(255);
    expect(r.stderr).toMatch(/timed out/i);
    setLoss(node(), 0);
    expect(ssh(bed, node(), 'echo ok').stdout).toBe('ok\n');
  });

  it('delay: every round trip on the SSH port takes at least the added latency both ways', async () => {
    const client = await ssh2Connect(bed, node());
    const t0 = performance.now();
    await ssh2Exec(client, 'true');
    const fast = performance.now() - t0;
    client.end();
    await setDelay(bed, node(), 150);
    await expect
      .poll(
        async () => {
          try {
            const c = await ssh2Connect(bed, node());
            const t1 = performance.now();
            await ssh2Exec(c, 'true');
            const slow = performance.now() - t1;
            c.end();
            return slow;
          } catch {
            return 0;
          }
        },
        { timeout: 15_000 },
      )
      .toBeGreaterThan(fast + 300);
  });
});
