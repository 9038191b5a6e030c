import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hostFieldMatches, judgeKnownHosts, KnownHostsStore } from '../../../electron/services/ssh/known-hosts.js';
import { fingerprintOf } from '../../../electron/services/ssh/host-key.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { fixtureIntent } from '../../helpers/intent.js';

const tmp = makeTempDir('edgeward-kh-');
afterAll(() => tmp.cleanup());

/** A real ed25519 public key line from ssh-keygen, as `type base64`. */
function newKey(): { type: string; b64: string; fp: string } {
  const f = path.join(tmp.dir, `k${crypto.randomUUID()}`);
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', f]);
  const [type, b64] = fs.readFileSync(`${f}.pub`, 'utf8').split(' ');
  return { type: type!, b64: b64!, fp: fingerprintOf(Buffer.from(b64!, 'base64')) };
}

/** Line numbers OpenSSH's own `ssh-keygen -F NAME` finds in a file: the oracle for host matching. */
function keygenFinds(file: string, name: string): number[] {
  const r = spawnSync('ssh-keygen', ['-F', name, '-f', file], { encoding: 'utf8' });
  return [...r.stdout.matchAll(/found: line (\d+)/g)].map((m) => Number(m[1]));
}

function hashed(name: string): string {
  const salt = crypto.randomBytes(20);
  return `|1|${salt.toString('base64')}|${crypto.createHmac('sha1', salt).update(name).digest('base64')}`;
}

describe('known_hosts host matching, against ssh-keygen -F', () => {
  const k = newKey();
  const fields = [
    '[10.0.0.6]:2222',
    '10.0.0.6',
    '[10.0.0.*]:2222',
    '[10.0.0.?]:22*',
    'rad-*.north.example,!rad-09.north.example',
    'RAD-01.north.example',
    '*.north.example',
    '!10.0.0.6,10.0.0.*',
    hashed('[10.0.0.6]:2222'),
    hashed('rad-01.north.example'),
    '[10.0.0.6]:22',
    'x[10.0.0.6]:2222',
    '10.0.0.6:2222',
  ];
  const file = path.join(tmp.dir, 'oracle_known_hosts');
  fs.writeFileSync(file, fields.map((f) => `${f} ${k.type} ${k.b64}\n`).join(''));
  const text = fs.readFileSync(file, 'utf8');
  const cases: [string, number][] = [
    ['10.0.0.6', 2222],
    ['10.0.0.6', 22],
    ['10.0.0.7', 2222],
    ['10.0.0.7', 22],
    ['rad-01.north.example', 22],
    ['rad-09.north.example', 22],
    ['rad-01.north.example', 2022],
    ['cds.north.example', 22],
  ];
  for (const [host, port] of cases) {
    const name = port === 22 ? host : `[${host}]:${port}`;
    it(`${name} matches the lines OpenSSH matches`, () => {
      const ours = text
        .split('\n')
        .map((l, i) => (l && hostFieldMatches(l.split(' ')[0]!, name) ? i + 1 : 0))
        .filter(Boolean);
      expect(ours).toEqual(keygenFinds(file, name));
      // Where a line names the host, the verdict over the whole file is that its key is trusted.
      if (ours.length) expect(judgeKnownHosts(text, host, port, k.fp).kind).toBe('trusted');
    });
  }
});

describe('known_hosts verdicts', () => {
  const good = newKey();
  const other = newKey();
  it('a key marked @revoked is refused even when a plain line lists it too', () => {
    const text = `@revoked * ${good.type} ${good.b64}\n[10.0.0.6]:2222 ${good.type} ${good.b64}\n`;
    expect(judgeKnownHosts(text, '10.0.0.6', 2222, good.fp)).toEqual({ kind: 'revoked', line: 1 });
  });
  it('on another port, a bare-host entry vouches only when no [host]:port entry exists (OpenSSH: "checking without port identifier")', () => {
    expect(judgeKnownHosts(`h ${good.type} ${good.b64}\n`, 'h', 2222, good.fp).kind).toBe('trusted');
    expect(judgeKnownHosts(`h ${other.type} ${other.b64}\n`, 'h', 2222, good.fp).kind).toBe('unknown');
    expect(judgeKnownHosts(`[h]:2222 ${other.type} ${other.b64}\nh ${good.type} ${good.b64}\n`, 'h', 2222, good.fp).kind).toBe('changed');
  });
  it('a @cert-authority key never vouches for a plain host key', () => {
    expect(judgeKnownHosts(`@cert-authority * ${good.type} ${good.b64}\n`, 'h', 22, good.fp)).toEqual({ kind: 'unknown' });
  });
  it('any of several keys for one host is accepted; another key is a changed key', () => {
    const text = `h ${other.type} ${other.b64}\nh ${good.type} ${good.b64}\n`;
    expect(judgeKnownHosts(text, 'h', 22, good.fp).kind).toBe('trusted');
    expect(judgeKnownHosts(`h ${other.type} ${other.b64}\n`, 'h', 22, good.fp)).toEqual({ kind: 'changed', expected: [other.fp] });
  });
});

describe("Edgeward's pins", () => {
  const a = newKey();
  const b = newKey();

  it('are per node, readable by OpenSSH as HostKeyAlias entries', () => {
    const store = new KnownHostsStore(path.join(tmp.dir, 'pins-1'));
    store.pin('site-a-cds', a.type, a.b64, fixtureIntent('hostkey.trust'));
    store.pin('site-b-cds', b.type, b.b64, fixtureIntent('hostkey.trust'));
    expect(store.lookup('site-a-cds')?.fingerprint).toBe(a.fp);
    expect(store.lookup('site-b-cds')?.fingerprint).toBe(b.fp);
    // Re-trusting one node leaves the other's pin alone.
    store.pin('site-a-cds', b.type, b.b64, fixtureIntent('hostkey.trust'));
    expect(store.lookup('site-b-cds')?.fingerprint).toBe(b.fp);
    expect(keygenFinds(store.file, 'site-a-cds')).toHaveLength(1);
    expect(keygenFinds(store.file, 'site-b-cds')).toHaveLength(1);
    store.forget('site-a-cds', fixtureIntent('node.remove'));
    expect(store.lookup('site-a-cds')).toBeUndefined();
    expect(keygenFinds(store.file, 'site-b-cds')).toHaveLength(1);
  });

  it('written by address before move to every node at that address, once, keeping the old file', () => {
    const file = path.join(tmp.dir, 'pins-old');
    fs.writeFileSync(file, `[10.0.0.6]:2222 ${a.type} ${a.b64}\n10.0.0.5 ${b.type} ${b.b64}\n`);
    const store = new KnownHostsStore(file);
    const nodes = [
      { name: 'cds-1', host: '10.0.0.6', port: 2222 },
      { name: 'rad-a', host: '10.0.0.5', port: 22 },
      { name: 'rad-b', host: '10.0.0.5', port: 22 },
      { name: 'new', host: '10.0.0.9', port: 22 },
    ];
    const plan = store.planMigration(nodes)!;
    expect(plan.moved.map((m) => [m.node, m.from])).toEqual([
      ['cds-1', '[10.0.0.6]:2222'],
      ['rad-a', '10.0.0.5'],
      ['rad-b', '10.0.0.5'],
    ]);
    store.applyMigration(plan, fixtureIntent('hostkey.migrate'));
    expect(store.lookup('cds-1')?.fingerprint).toBe(a.fp);
    expect(store.lookup('rad-b')?.fingerprint).toBe(b.fp);
    expect(store.lookup('new')).toBeUndefined();
    expect(fs.existsSync(`${file}.before-node-pins`)).toBe(true);
    expect(store.planMigration(nodes)).toBeUndefined();
  });
});
