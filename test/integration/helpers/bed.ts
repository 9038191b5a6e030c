import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { Client, type ConnectConfig } from 'ssh2';
import { loadState, sshArgs, stateFile, up, type BedState } from '../../testbed/bed.js';
import { SITE1_EXTRA, type BedNode } from '../../testbed/layout.js';

export const FLEET_SIZE = 20;

/** The shared fleet: reused when it is up and answering, started otherwise. */
export async function ensureBed(): Promise<BedState> {
  if (fs.existsSync(stateFile())) {
    const state = loadState();
    const first = state.nodes[0];
    if (state.nodes.length === FLEET_SIZE + 2 + SITE1_EXTRA && first && ssh(state, first, 'true').status === 0) return state;
  }
  return up({ nodes: FLEET_SIZE, hidden: true });
}

/** The nodes the host reaches directly (the hidden site nodes excluded). */
export function mainNodes(state: BedState) {
  return state.nodes.filter((n) => !n.behind);
}

export interface SshResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The real OpenSSH client, host key checked against the bed's known_hosts. */
export function ssh(state: BedState, node: BedNode, command: string, user = 'root', extra: string[] = []): SshResult {
  const r = spawnSync('ssh', [...extra, ...sshArgs(state, node, user), command], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** The ssh2 library, the one Edgeward uses, with a pinned host key. */
export function ssh2Connect(state: BedState, node: BedNode, extra: Partial<ConnectConfig> = {}): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.on('ready', () => resolve(client)).on('error', reject);
    client.connect({
      host: node.address,
      port: 22,
      username: 'root',
      privateKey: fs.readFileSync(state.privateKey),
      readyTimeout: 10_000,
      ...extra,
    });
  });
}

export function ssh2Exec(client: Client, command: string): Promise<SshResult> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, channel) => {
      if (err) return reject(err);
      let stdout = '';
      let stderr = '';
      channel.on('data', (d: Buffer) => (stdout += d.toString()));
      channel.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      channel.on('close', (code: number | null) => resolve({ status: code, stdout, stderr }));
    });
  });
}
