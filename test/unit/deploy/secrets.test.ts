import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../../electron/app/backend.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const SPEC = `name: cxr
image: localhost/x:1
env:
  PACS_PASSWORD: {secret: pacs-pw}
ports: [{container: 8000, host: 18000}]
targets: {nodes: [n1]}
`;

describe('secrets named by deployment specs', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());

  it('are required before apply, set through the bridge, and never reach the audit log', async () => {
    const backend = await createBackend({ dataDir: tmp.dir, transport: 'cli' });
    try {
      const ctx = { transport: 'cli' as const, clientId: 't' };
      const before = await backend.router.invoke('deploy.validate', { text: SPEC }, ctx);
      expect(before).toMatchObject({
        ok: true,
        value: { problems: [{ path: 'env.PACS_PASSWORD', message: expect.stringMatching(/secret "pacs-pw" is not set/) }] },
      });
      const set = await backend.router.invoke(
        'deploy.secret.set',
        { name: 'pacs-pw', value: 'Tr0ub4dor&3-very-secret', persist: true },
        ctx,
      );
      // The test backend has no OS keychain: it says it kept the secret for the session only.
      expect(set).toEqual({ ok: true, value: { persisted: false } });
      expect(await backend.router.invoke('deploy.validate', { text: SPEC }, ctx)).toEqual({ ok: true, value: { problems: [] } });
      const rec = backend.audit.index.query({ action: 'settings.update' }, 0, 1).records[0];
      expect(rec?.params).toMatchObject({ entry: 'pacs-pw', persist: true });
    } finally {
      await backend.close();
    }
    const everything = fs
      .readdirSync(tmp.dir, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => fs.readFileSync(`${d.parentPath}/${d.name}`, 'latin1'))
      .join('');
    expect(everything).not.toContain('Tr0ub4dor');
  });

  it('come from EDGEWARD_SECRET_<NAME> for the command line, which stores none', async () => {
    process.env.EDGEWARD_SECRET_PACS_PW = 'from-the-environment';
    const backend = await createBackend({ dataDir: `${tmp.dir}/cli`, transport: 'cli' });
    try {
      expect(backend.deploy.validate(SPEC)).toEqual([]);
    } finally {
      delete process.env.EDGEWARD_SECRET_PACS_PW;
      await backend.close();
    }
  });
});
