import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execOnNode } from '../../electron/services/ssh/exec.js';
import { testNode } from '../../electron/services/fleet/node-test.js';
import { authorizeKey, type BedState } from '../testbed/bed.js';
import { ALT_SSH_PORT } from '../testbed/layout.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { ensureBed } from './helpers/bed.js';
import { addTrusted, fleetBackend, hostFingerprint, nodeInput, type FleetHarness } from './helpers/fleet.js';

const ctx = { transport: 'loopback' as const, clientId: 'test' };

/** The OpenSSH client with strict host key checking against one known_hosts file: the oracle. */
function openssh(knownHosts: string, key: string, address: string, extra: string[] = []) {
  return spawnSync(
    'ssh',
    [
      ...['-F', 'none', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${knownHosts}`],
      ...['-o', 'GlobalKnownHostsFile=/dev/null', ...extra, '-i', key, '-p', String(ALT_SSH_PORT), `root@${address}`, 'true'],
    ],
    { encoding: 'utf8', timeout: 20_000 },
  );
}

describe('host keys on other ports and behind gateways, decided as OpenSSH decides them', () => {
  let bed: BedState;
  let h: FleetHarness;
  const tmp = makeTempDir('edgeward-hostkeys-');
  const userKnownHosts = path.join(tmp.dir, 'user_known_hosts');

  beforeAll(async () => {
    bed = await ensureBed();
    h = await fleetBackend({ userKnownHostsFile: userKnownHosts });
  }, 180_000);
  afterAll(async () => {
    await h.close();
    tmp.cleanup();
  });

  it(`a node on port ${ALT_SSH_PORT} stays trusted once trusted, and OpenSSH reads its pin by node name`, async () => {
    const node = bed.nodes[3]!;
    await h.backend.inventory.add(nodeInput(bed, node, { name: 'alt-port', port: ALT_SSH_PORT }));
    expect((await testNode(h.backend.pool, 'alt-port')).needsTrust).toBe(true);
    await h.backend.pool.trust('alt-port', hostFingerprint(node));
    expect(await testNode(h.backend.pool, 'alt-port')).toMatchObject({ ok: true, status: 'connected' });
    expect((await execOnNode(h.backend.pool, 'alt-port', 'echo $NODE_NAME')).stdout.toString().trim()).toBe(node.name);
    const pins = path.join(h.dataDir, 'known_hosts');
    const r = openssh(pins, bed.privateKey, node.address, ['-o', 'HostKeyAlias=alt-port']);
    expect(r.status, r.stderr).toBe(0);
  });

  it('two machines at the same address and port behind different gateways keep a pin each', async () => {
    const [gwA, gwB] = [bed.nodes[1]!, bed.nodes[2]!];
    await addTrusted(h, bed, [gwA, gwB]);
    // Each gateway's own loopback: 127.0.0.1:2222 is a different machine behind each.
    await h.backend.inventory.add({ ...nodeInput(bed, gwA), name: 'site-a-cds', host: '127.0.0.1', port: ALT_SSH_PORT, via: [gwA.name] });
    await h.backend.inventory.add({ ...nodeInput(bed, gwB), name: 'site-b-cds', host: '127.0.0.1', port: ALT_SSH_PORT, via: [gwB.name] });
    await h.backend.pool.trust('site-a-cds', hostFingerprint(gwA));
    await h.backend.pool.trust('site-b-cds', hostFingerprint(gwB));
    expect((await execOnNode(h.backend.pool, 'site-a-cds', 'echo $NODE_NAME')).stdout.toString().trim()).toBe(gwA.name);
    expect((await execOnNode(h.backend.pool, 'site-b-cds', 'echo $NODE_NAME')).stdout.toString().trim()).toBe(gwB.name);
    // Re-trusting one (same key again) must not unpin the other.
    await h.backend.pool.trust('site-a-cds', hostFingerprint(gwA));
    await h.backend.pool.disconnect('site-b-cds');
    expect(await testNode(h.backend.pool, 'site-b-cds')).toMatchObject({ ok: true, fingerprint: hostFingerprint(gwB) });
  });

  it('accepts from ~/.ssh/known_hosts exactly what the OpenSSH client accepts', async () => {
    const node = bed.nodes[4]!;
    const real = fs.readFileSync(path.join(node.dir, 'ssh_host_ed25519_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
    const otherFile = path.join(tmp.dir, 'other');
    spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherFile]);
    const other = fs.readFileSync(`${otherFile}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
    const name = `[${node.address}]:${ALT_SSH_PORT}`;
    const salt = crypto.randomBytes(20);
    const hashed = `|1|${salt.toString('base64')}|${crypto.createHmac('sha1', salt).update(name).digest('base64')}`;
    const variants: Record<string, string> = {
      exact: `${name} ${real}`,
      'port-22 entry only': `${node.address} ${real}`,
      'revoked beside a plain line': `@revoked * ${real}\n${name} ${real}`,
      'revoked for another host': `@revoked other.example ${real}\n${name} ${real}`,
      'another key': `${name} ${other}`,
      'two keys, one right': `${name} ${other}\n${name} ${real}`,
      wildcard: `[198.18.0.*]:${ALT_SSH_PORT} ${real}`,
      'negated within the line': `!${name},[198.18.0.*]:${ALT_SSH_PORT} ${real}`,
      hashed: `${hashed} ${real}`,
      'cert-authority only': `@cert-authority * ${real}`,
      'upper-case pattern': `${name.toUpperCase()} ${real}`,
    };
    const results: Record<string, { openssh: boolean; edgeward: boolean }> = {};
    let i = 0;
    for (const [label, text] of Object.entries(variants)) {
      fs.writeFileSync(userKnownHosts, `${text}\n`);
      const r = openssh(userKnownHosts, bed.privateKey, node.address);
      const nodeName = `kh-${i++}`;
      await h.backend.inventory.add(nodeInput(bed, node, { name: nodeName, port: ALT_SSH_PORT }));
      const test = await testNode(h.backend.pool, nodeName);
      results[label] = { openssh: r.status === 0, edgeward: test.ok };
    }
    for (const [label, r] of Object.entries(results))
      expect(r.edgeward, `${label}: OpenSSH ${r.openssh ? 'accepts' : 'refuses'}`).toBe(r.openssh);
    // The variants are not all one answer: both decisions are exercised.
    expect(Object.values(results).filter((r) => r.openssh).length).toBeGreaterThanOrEqual(4);
    expect(Object.values(results).filter((r) => !r.openssh).length).toBeGreaterThanOrEqual(4);
  });

  it('refuses a revoked key even after it was pinned, and audits the refusal', async () => {
    const node = bed.nodes[5]!;
    fs.writeFileSync(userKnownHosts, '');
    await addTrusted(h, bed, [node]);
    await h.backend.pool.disconnect(node.name);
    const real = fs.readFileSync(path.join(node.dir, 'ssh_host_ed25519_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
    fs.writeFileSync(userKnownHosts, `@revoked ${node.address} ${real}\n`);
    const test = await testNode(h.backend.pool, node.name);
    expect(test).toMatchObject({ ok: false, status: 'hostkey-changed', message: expect.stringMatching(/HOST KEY REVOKED/) });
    const rec = h.backend.audit.index.query({ action: 'hostkey.mismatch', node: node.name }, 0, 5).records[0];
    expect(rec).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/@revoked/) });
    fs.writeFileSync(userKnownHosts, '');
  });

  it('unlocks a key given as ~/… with the passphrase set for that same path', async () => {
    const home = path.join(tmp.dir, 'home');
    fs.mkdirSync(path.join(home, '.ssh'), { recursive: true });
    const key = path.join(home, '.ssh', 'id_locked');
    spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'correct horse', '-f', key]);
    authorizeKey(bed, 'root', fs.readFileSync(`${key}.pub`, 'utf8'));
    const before = process.env.HOME;
    process.env.HOME = home;
    try {
      const node = bed.nodes[6]!;
      await h.backend.inventory.add(nodeInput(bed, node, { name: 'tilde-key', keyPath: '~/.ssh/id_locked' }));
      await h.backend.pool.trust('tilde-key', hostFingerprint(node));
      const set = await h.backend.router.invoke(
        'fleet.node.setSecret',
        { name: 'tilde-key', kind: 'passphrase', value: 'correct horse', persist: false },
        ctx,
      );
      expect(set.ok).toBe(true);
      expect(await testNode(h.backend.pool, 'tilde-key')).toMatchObject({ ok: true, status: 'connected' });
    } finally {
      process.env.HOME = before;
    }
  });
});
