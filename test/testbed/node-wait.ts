import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { BedNode } from './layout.js';
import { tryRun } from './sh.js';

/** Waiting for a bed node to come up, and finding its processes. */

export async function waitForPidFile(node: BedNode, timeoutMs: number): Promise<void> {
  const file = path.join(node.dir, 'sshd.pid');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (fs.existsSync(file)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(
    `${node.name} (behind ${node.behind}) did not start sshd within ${timeoutMs / 1000} s; see ${path.join(node.dir, 'sshd.log')}`,
  );
}

export async function waitForSsh(node: BedNode, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const banner = await new Promise<string>((resolve) => {
      const s = net.connect({ host: node.address, port: 22, timeout: 1000 });
      let data = '';
      s.on('data', (d) => {
        data += d.toString();
        if (data.includes('\n')) s.destroy();
      });
      s.on('close', () => resolve(data));
      s.on('timeout', () => s.destroy());
      s.on('error', () => resolve(''));
    });
    if (banner.startsWith('SSH-2.0-')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  const logTail = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split('\n').slice(-10).join('\n') : '(none)');
  throw new Error(
    `${node.name} (${node.address}) did not answer SSH within ${timeoutMs / 1000} s.\ninit.log:\n${logTail(path.join(node.dir, 'init.log'))}\nsshd.log:\n${logTail(path.join(node.dir, 'sshd.log'))}`,
  );
}

export function pidsOf(netns: string): number[] {
  return tryRun('ip', ['netns', 'pids', netns]).stdout.split('\n').filter(Boolean).map(Number);
}
