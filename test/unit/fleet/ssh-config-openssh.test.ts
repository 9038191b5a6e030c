import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseHop, previewSshConfig, previewSshConfigFile } from '../../../electron/services/fleet/import-ssh-config.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

/**
 * The oracle is OpenSSH itself: `ssh -G ALIAS` prints the settings ssh would use. Every node the
 * import makes must agree with it on host, port, user and jump chain.
 */
const tmp = makeTempDir('edgeward-sshcfg-');
afterAll(() => tmp.cleanup());
const home = tmp.dir;
const dotSsh = path.join(home, '.ssh');
fs.mkdirSync(path.join(dotSsh, 'conf.d'), { recursive: true });

function sshG(file: string, alias: string): Record<string, string> {
  const r = spawnSync('ssh', ['-G', '-F', file, alias], { encoding: 'utf8', env: { ...process.env, HOME: home } });
  expect(r.status, r.stderr).toBe(0);
  const out: Record<string, string> = {};
  for (const line of r.stdout.split('\n')) {
    const i = line.indexOf(' ');
    if (i > 0 && !(line.slice(0, i) in out)) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

async function agreesWithOpenSsh(text: string, aliases: string[]) {
  const file = path.join(dotSsh, 'config');
  fs.writeFileSync(file, text);
  const preview = await previewSshConfig(text, file, dotSsh);
  const byName = new Map(preview.nodes.map((n) => [n.name, n]));
  for (const alias of aliases) {
    const g = sshG(file, alias);
    const node = byName.get(alias);
    expect(node, `${alias} imported (${JSON.stringify(preview.errors.concat(preview.skipped ?? []))})`).toBeDefined();
    expect({ host: node!.host, port: String(node!.port), user: node!.user }, alias).toEqual({
      host: g.hostname,
      port: g.port,
      user: g.user,
    });
    const jumps = g.proxyjump ? g.proxyjump.split(',').map((h) => parseHop(h).host) : [];
    const viaHosts = node!.via.map((v) => {
      const gw = byName.get(v)!;
      return aliases.includes(v) ? v : gw.host;
    });
    expect(viaHosts, `${alias} jump chain`).toEqual(jumps);
  }
  return preview;
}

describe('ssh_config import agrees with ssh -G', () => {
  it('expands %h and %% in HostName, and first value wins across Host blocks', async () => {
    await agreesWithOpenSsh(
      `Host cds-01 cds-02
  HostName %h.cds.example.org
Host pct
  HostName 100%%.example
Host cds-*
  Port 2222
  User cds
  HostName ignored.example
Host *
  User fallback
  Port 2200
`,
      ['cds-01', 'cds-02'],
    );
  });

  it('matches Host patterns case-sensitively and lowercases the host it connects to, as ssh does', async () => {
    await agreesWithOpenSsh(
      `Host RAD-02
  HostName %h.Imaging.Example.ORG
Host rad-*
  User lower-only
Host Rad-01
  Port 2201
Host GW
  HostName GW.North.Example
`,
      ['RAD-02', 'Rad-01', 'GW'],
    );
  });

  it('follows Include inside a Host block only for that block, relative to ~/.ssh, globs sorted', async () => {
    fs.writeFileSync(path.join(dotSsh, 'conf.d', '20-b.conf'), 'User from-b\nPort 2202\n');
    fs.writeFileSync(path.join(dotSsh, 'conf.d', '10-a.conf'), 'User from-a\n');
    fs.writeFileSync(path.join(dotSsh, 'hub.conf'), 'Host hub\n  HostName 10.9.0.1\n  Port 2022\n');
    await agreesWithOpenSsh(
      `Include hub.conf
Host rad-01
  Include conf.d/*.conf
  HostName 10.20.0.11
Host rad-02
  HostName 10.20.0.12
Host *
  User everyone
`,
      ['rad-01', 'rad-02', 'hub'],
    );
  });

  it('evaluates Match host/originalhost/user/all where ssh would, with negation', async () => {
    await agreesWithOpenSsh(
      `Host rad-01
  HostName 10.20.0.11
Match host 10.20.* !originalhost rad-02
  User imaging
  Port 2222
Host rad-02
  HostName 10.20.0.12
Match originalhost rad-02
  User second
Match all
  User last
`,
      ['rad-01', 'rad-02'],
    );
  });

  it('imports ProxyJump chains of aliases and of plain hops', async () => {
    await agreesWithOpenSsh(
      `Host north-gw
  HostName gw.north.example
  User gate
Host rad-07
  HostName 10.20.1.7
  ProxyJump admin@jump.example:2200,north-gw
Host rad-08
  HostName 10.20.1.8
  ProxyJump north-gw
`,
      ['north-gw', 'rad-07', 'rad-08'],
    );
  });

  it('lists ProxyCommand and command-deciding Match hosts as not imported, with the reason, and imports the rest', async () => {
    const text = `Host ok
  HostName 10.0.0.1
Host tunnel
  ProxyCommand nc %h %p
Host probed
  HostName 10.0.0.3
Match exec "test -f /tmp/x" host 10.0.0.3
  User other
`;
    const preview = await agreesWithOpenSsh(text, ['ok']);
    expect(preview.errors).toEqual([]);
    expect(preview.nodes.map((n) => n.name)).toEqual(['ok']);
    expect(preview.skipped).toEqual([
      {
        file: expect.any(String),
        line: 3,
        message: expect.stringMatching(/^Host tunnel: not imported: ProxyCommand .* runs a local program/),
      },
      {
        file: expect.any(String),
        line: 5,
        message: expect.stringMatching(/^Host probed: not imported: Match exec .*:7\) may change its settings/),
      },
    ]);
  });

  it('refuses an unknown token in HostName with the host named, as ssh does', async () => {
    const preview = await previewSshConfig('Host a\n  HostName %p.example\nHost b\n  HostName 10.0.0.2\n', 'cfg', dotSsh);
    expect(preview.nodes.map((n) => n.name)).toEqual(['b']);
    expect(preview.errors[0]?.message).toMatch(/^Host a: not imported: unknown token %p/);
    const r = spawnSync('ssh', ['-G', '-F', '/dev/stdin', 'a'], { input: 'Host a\n  HostName %p.example\n', encoding: 'utf8' });
    expect(r.status).not.toBe(0);
  });
});

describe('ssh_config import is bounded and linear', () => {
  it('does not read a FIFO, a device or an oversized file named by Include, and says so', async () => {
    const fifo = path.join(dotSsh, 'fifo.conf');
    spawnSync('mkfifo', [fifo]);
    const big = path.join(dotSsh, 'big.conf');
    fs.writeFileSync(big, '#'.repeat(5 * 1024 * 1024));
    const text = `Include ${fifo}\nInclude /dev/zero\nInclude ${big}\nHost a\n  HostName 10.0.0.1\n`;
    const preview = await previewSshConfig(text, 'cfg', dotSsh);
    expect(preview.nodes.map((n) => n.name)).toEqual(['a']);
    expect(preview.errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/fifo\.conf: not a regular file/),
      expect.stringMatching(/\/dev\/zero: not a regular file/),
      expect.stringMatching(/big\.conf: larger than 4 MiB/),
    ]);
    await expect(previewSshConfigFile(fifo)).rejects.toThrow(/not a regular file/);
  });

  it('stops an Include loop at the depth limit', async () => {
    fs.writeFileSync(path.join(dotSsh, 'loop.conf'), 'Include loop.conf\nHost loop\n  HostName 10.0.0.9\n');
    const preview = await previewSshConfig('Include loop.conf\n', 'cfg', dotSsh);
    expect(preview.nodes.map((n) => n.name)).toEqual(['loop']);
    expect(preview.errors[0]?.message).toMatch(/nested deeper than 16 levels/);
  });

  // Linear: quadratic work for 8,000 hosts would run into the test's time-out (2,000 took 35 s before).
  it('imports 8,000 hosts with wildcard defaults', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 8000; i++) lines.push(`Host n${i}`, `  HostName 10.${(i >> 8) & 255}.${i & 255}.1`, `  User u${i % 7}`);
    lines.push('Host n1*', '  Port 2222', 'Host *', '  User default');
    const preview = await previewSshConfig(lines.join('\n'), 'cfg', dotSsh);
    expect(preview.nodes).toHaveLength(8000);
    expect(preview.nodes.find((n) => n.name === 'n12')?.port).toBe(2222);
  });
});
