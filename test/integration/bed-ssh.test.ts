import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BedState } from '../testbed/bed.js';
import { FLEET_SIZE, ensureBed, mainNodes, ssh, ssh2Connect, ssh2Exec } from './helpers/bed.js';

/** SHA256 fingerprint of an OpenSSH public key line, as ssh-keygen -l prints it. */
function fingerprint(pubLine: string): string {
  const blob = Buffer.from(pubLine.trim().split(/\s+/)[1] ?? '', 'base64');
  return `SHA256:${crypto.createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

describe('simulated fleet over SSH', () => {
  let bed: BedState;
  beforeAll(async () => {
    bed = await ensureBed();
  }, 180_000);

  it(`runs ${FLEET_SIZE} nodes, each answering with its own name and host key`, () => {
    expect(mainNodes(bed)).toHaveLength(FLEET_SIZE);
    const keys = new Set(mainNodes(bed).map((n) => fs.readFileSync(path.join(n.dir, 'ssh_host_ed25519_key.pub'), 'utf8').split(' ')[1]));
    expect(keys.size).toBe(FLEET_SIZE);
    for (const node of [bed.nodes[0]!, mainNodes(bed)[FLEET_SIZE - 1]!]) {
      const r = ssh(bed, node, 'hostname; echo "$NODE_NAME"');
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(`${node.name}\n${node.name}\n`);
    }
  });

  it('logs in as the unprivileged test user with the ed25519 key', () => {
    const r = ssh(bed, bed.nodes[1]!, 'id -un', 'edge');
    expect(r).toMatchObject({ status: 0, stdout: 'edge\n' });
  });

  it('is refused by OpenSSH when the pinned host key does not match', () => {
    // Pin node-01's key for node-02's address: exactly what a swapped or spoofed server looks like.
    const wrong = path.join(bed.dir, 'wrong_known_hosts');
    const n1 = bed.nodes[0]!;
    const n2 = bed.nodes[1]!;
    fs.writeFileSync(wrong, `${n2.address} ${fs.readFileSync(path.join(n1.dir, 'ssh_host_ed25519_key.pub'), 'utf8')}`);
    const r = ssh({ ...bed, knownHosts: wrong }, n2, 'true');
    expect(r.status).toBe(255);
    expect(r.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
  });

  it('is reached by the ssh2 library with a pinned host key fingerprint on two nodes', async () => {
    for (const node of bed.nodes.slice(0, 2)) {
      const expected = fingerprint(fs.readFileSync(path.join(node.dir, 'ssh_host_ed25519_key.pub'), 'utf8'));
      let seen = '';
      const client = await ssh2Connect(bed, node, {
        hostVerifier: (key: Buffer) => {
          seen = `SHA256:${crypto.createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
          return seen === expected;
        },
      });
      const r = await ssh2Exec(client, 'nvidia-smi -L');
      client.end();
      expect(seen).toBe(expected);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^GPU 0: NVIDIA L40S \(UUID: GPU-[0-9a-f-]{36}\)\n$/);
    }
  });

  it('makes the ssh2 library fail the handshake when the verifier rejects the key', async () => {
    await expect(ssh2Connect(bed, bed.nodes[2]!, { hostVerifier: () => false })).rejects.toThrow(/verification failed/i);
  });
});
