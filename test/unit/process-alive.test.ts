import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { processAlive } from '../../electron/services/common/process-alive.js';

describe('processAlive', () => {
  it('is true for a running process and false for one killed but not yet reaped (a zombie)', async () => {
    const child = spawn('sleep', ['30']);
    await new Promise((r) => child.once('spawn', r));
    expect(processAlive(child.pid!)).toBe(true);
    child.kill('SIGKILL');
    // Block the event loop so Node cannot reap it yet: the process is dead, but kill(pid, 0) still succeeds.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    expect(() => process.kill(child.pid!, 0)).not.toThrow();
    expect(processAlive(child.pid!)).toBe(false);
    await new Promise((r) => child.once('exit', r));
    expect(processAlive(child.pid!)).toBe(false);
    expect(processAlive(process.pid)).toBe(true);
  });
});
