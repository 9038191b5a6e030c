import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { previewCsv } from '../../../electron/services/fleet/import-csv.js';
import { previewSshConfig } from '../../../electron/services/fleet/import-ssh-config.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

describe('ssh_config import', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());
  fs.mkdirSync(path.join(tmp.dir, 'config.d'));
  fs.writeFileSync(
    path.join(tmp.dir, 'config.d', '10-radiology.conf'),
    `Host rad-01 rad-02
  User radadmin
  ProxyJump north-gw

Host rad-03
  HostName 10.20.0.13
  ProxyJump admin@jump.hospital.example:2222,north-gw
`,
  );
  fs.writeFileSync(
    path.join(tmp.dir, 'config.d', '20-hub.conf'),
    'Host hub\n  HostName hub.hospital.example\n  Port 2200\n  IdentityFile ~/.ssh/hub_ed25519\n',
  );
  const main = `Include config.d/*.conf

Host north-gw
  HostName gw.north.example
  User gate

Host rad-*
  Port 2022

Host *
  User fallback
  ServerAliveInterval 30
`;

  it('imports concrete hosts with Include, wildcard defaults and ProxyJump chains', async () => {
    const { nodes, errors } = await previewSshConfig(main, path.join(tmp.dir, 'config'), tmp.dir);
    expect(errors).toEqual([]);
    const byName = Object.fromEntries(nodes.map((n) => [n.name, n]));
    expect(Object.keys(byName).sort()).toEqual(['hub', 'jump.hospital.example', 'north-gw', 'rad-01', 'rad-02', 'rad-03']);
    expect(byName['rad-01']).toMatchObject({ host: 'rad-01', port: 2022, user: 'radadmin', auth: 'agent', via: ['north-gw'] });
    expect(byName['rad-03']).toMatchObject({
      host: '10.20.0.13',
      port: 2022,
      user: 'fallback',
      via: ['jump.hospital.example', 'north-gw'],
    });
    expect(byName['jump.hospital.example']).toMatchObject({ host: 'jump.hospital.example', port: 2222, user: 'admin', role: 'gateway' });
    expect(byName['north-gw']).toMatchObject({ host: 'gw.north.example', user: 'gate', role: 'gateway' });
    expect(byName.hub).toMatchObject({ host: 'hub.hospital.example', port: 2200, auth: 'key', keyPath: '~/.ssh/hub_ed25519' });
  });

  it('reports a host it cannot import with the file and line it came from', async () => {
    const { errors } = await previewSshConfig('Host ok\n  HostName 10.0.0.1\n\nHost bad\n  HostName "evil;rm -rf /"\n', 'cfg', tmp.dir);
    expect(errors).toEqual([{ file: 'cfg', line: 4, message: expect.stringMatching(/^Host bad: host: /) }]);
  });
});

describe('CSV import', () => {
  it('imports rows and reports bad ones with their line numbers', () => {
    const csv = `name,host,port,user,site,department,tags,role,profiles,via
rad-01,10.1.0.11,22,edge,north,radiology,gpu;l40s,edge,radiology,
rad-02,10.1.0.12,99999,edge,north,radiology,,edge,,
"cds 1",10.1.0.13,22,edge,north,icu,,edge,cds,
cds-01,10.1.0.14,22,edge,north,icu,,edge,cds,rad-01
`;
    const { nodes, errors } = previewCsv(csv);
    expect(nodes.map((n) => n.name)).toEqual(['rad-01', 'cds-01']);
    expect(nodes[0]).toMatchObject({ tags: ['gpu', 'l40s'], profiles: ['radiology'], site: 'north' });
    expect(nodes[1]).toMatchObject({ via: ['rad-01'] });
    expect(errors).toEqual([
      { file: 'nodes.csv', line: 3, message: expect.stringMatching(/^port: /) },
      { file: 'nodes.csv', line: 4, message: expect.stringMatching(/^name: /) },
    ]);
  });

  it('names unknown columns', () => {
    expect(previewCsv('name,hostname\na,b\n').errors[0]?.message).toMatch(/unknown column\(s\): hostname/);
  });
});
