import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { BedState } from './bed.js';
import type { BedNode } from './layout.js';
import { pidsOf, waitForSsh } from './node-wait.js';
import { run, tryRun } from './sh.js';

/** Faults a test puts on a bed node: a cut cable, loss, delay, a reinstalled host key, MFA. */

export function findNode(state: BedState, name: string): BedNode {
  const node = state.nodes.find((n) => n.name === name);
  if (!node) throw new Error(`No node ${name} in the bed (have ${state.nodes.map((n) => n.name).join(', ')})`);
  return node;
}

/** Pulls the node's cable: new connections time out, open ones stall. */
export function cut(node: BedNode): void {
  run('ip', ['link', 'set', node.veth, 'down']);
}

export function restore(node: BedNode): void {
  run('ip', ['link', 'set', node.veth, 'up']);
}

/** Drops `percent` of packets both ways, inside the node (nftables; no netem on this kernel). */
export function setLoss(node: BedNode, percent: number): void {
  if (!(percent >= 0 && percent <= 100)) throw new Error(`loss must be 0..100 %, got ${percent}`);
  tryRun('nsenter', [`--net=/run/netns/${node.netns}`, 'nft', 'delete', 'table', 'inet', 'ewloss']);
  if (percent === 0) return;
  const verdict = percent >= 100 ? 'drop' : `numgen random mod 100 < ${percent} drop`;
  const rules = `table inet ewloss {
  chain input { type filter hook input priority 0; ${verdict}; }
  chain output { type filter hook output priority 0; ${verdict}; }
}
`;
  run('nsenter', [`--net=/run/netns/${node.netns}`, 'nft', '-f', '-'], { input: rules });
}

/** Delays the node's SSH port by `ms` each way through a proxy in the node's namespace (resolves once it answers). */
export async function setDelay(state: BedState, node: BedNode, ms: number): Promise<void> {
  const pidFile = path.join(node.dir, 'delay.pid');
  if (fs.existsSync(pidFile)) {
    try {
      process.kill(Number(fs.readFileSync(pidFile, 'utf8')), 'SIGKILL');
    } catch {
      /* gone */
    }
    fs.rmSync(pidFile);
  }
  tryRun('nsenter', [`--net=/run/netns/${node.netns}`, 'nft', 'delete', 'table', 'ip', 'ewdelay']);
  if (ms <= 0) return;
  const child = spawn(
    'nsenter',
    [
      `--net=/run/netns/${node.netns}`,
      process.execPath,
      path.join(state.dir, 'bin', 'delay-proxy.mjs'),
      '--listen',
      '0.0.0.0:2399',
      '--target',
      `${node.address}:22`,
      '--delay-ms',
      String(ms),
    ],
    { detached: true, stdio: 'ignore' },
  );
  child.unref();
  fs.writeFileSync(pidFile, String(child.pid));
  // Only traffic arriving from outside is redirected; the proxy's own connection to sshd is local.
  run('nsenter', [`--net=/run/netns/${node.netns}`, 'nft', '-f', '-'], {
    input: `table ip ewdelay {\n  chain pre { type nat hook prerouting priority -100; tcp dport 22 redirect to :2399; }\n}\n`,
  });
  // The proxy needs a moment to listen; until then the redirected port refuses connections.
  if (!node.behind) await waitForSsh(node, 10_000);
}

/** A reinstalled server: new host key, sshd told to reload it (resolves once it answers again). */
export async function regenerateHostKey(node: BedNode): Promise<void> {
  const key = path.join(node.dir, 'ssh_host_ed25519_key');
  fs.rmSync(key, { force: true });
  fs.rmSync(`${key}.pub`, { force: true });
  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${node.name}-reinstalled`, '-f', key]);
  // The bed's own known_hosts follows, so the rest of the suite still reaches the node.
  const knownHosts = path.resolve(node.dir, '..', '..', 'known_hosts');
  if (fs.existsSync(knownHosts)) {
    const lines = fs
      .readFileSync(knownHosts, 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith(`${node.address} `));
    lines.push(`${node.address} ${fs.readFileSync(`${key}.pub`, 'utf8').trim()}`);
    fs.writeFileSync(knownHosts, `${lines.join('\n')}\n`);
  }
  await reloadSshd(node);
}

/** Switches a node's sshd to PAM keyboard-interactive (the password as a prompt), as MFA setups do. */
export async function enableKeyboardInteractive(node: BedNode): Promise<void> {
  const file = path.join(node.dir, 'sshd_config');
  const text = fs
    .readFileSync(file, 'utf8')
    .replace(/^UsePAM no$/m, 'UsePAM yes')
    .replace(/^KbdInteractiveAuthentication no$/m, 'KbdInteractiveAuthentication yes')
    .replace(/^PasswordAuthentication yes$/m, 'PasswordAuthentication no');
  fs.writeFileSync(file, text);
  await reloadSshd(node);
}

async function reloadSshd(node: BedNode): Promise<void> {
  const listener = pidsOf(node.netns).find((pid) => {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return cmd.includes(path.join(node.dir, 'sshd_config')) && cmd.includes('listener');
    } catch {
      return false;
    }
  });
  if (!listener) throw new Error(`sshd of ${node.name} not found`);
  process.kill(listener, 'SIGHUP');
  // sshd re-executes itself on SIGHUP; it refuses connections for a moment.
  await new Promise((r) => setTimeout(r, 200));
  if (!node.behind) await waitForSsh(node, 10_000);
}
