import { afterAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../../electron/app/backend.js';
import { DeploymentSpec } from '../../../shared/deploy/spec.js';
import { fixtureIntent } from '../../helpers/intent.js';
import { rolloutFixture } from '../../helpers/rollout-fixture.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { openDeployStore } from '../../helpers/deploy-store.js';

const spec = DeploymentSpec.parse({
  name: 'cxr',
  image: 'localhost/x:1',
  gpus: { count: 1 },
  ports: [{ container: 8000, host: 18000 }],
  targets: { nodes: ['n1'] },
});

describe('rolling back to a chosen revision', () => {
  const tmp = makeTempDir('edgeward-rollback-choice-');
  afterAll(() => tmp.cleanup());

  it('goes only to a revision that once ran everywhere, and says which ones those are', async () => {
    const store = openDeployStore(tmp.dir);
    const rev = (revision: number, succeededAt?: number) =>
      store.saveRevision(
        'cxr',
        { revision, spec, specHash: '', pinnedImage: 'localhost/x:1', createdAt: revision, ...(succeededAt ? { succeededAt } : {}) },
        fixtureIntent(),
      );
    rev(1, 10);
    rev(2);
    rev(3, 30);
    store.saveRollout(rolloutFixture({ revision: 3, status: 'succeeded' }), fixtureIntent());
    store.close();
    const b = await createBackend({ dataDir: tmp.dir, transport: 'cli' });
    try {
      const ctx = { transport: 'cli' as const, clientId: 't' };
      for (const revision of [2, 3, 9])
        expect(await b.router.invoke('deploy.control', { name: 'cxr', action: 'rollback', revision }, ctx)).toMatchObject({
          ok: false,
          error: {
            code: 'NOT_FOUND',
            message: `Revision ${revision} of cxr is not one to go back to: revisions that ran everywhere are 1`,
          },
        });
      // Nothing was begun for a refused choice.
      expect(b.audit.index.query({ action: 'deploy.rollback' }, 0, 1).total).toBe(0);
    } finally {
      await b.close();
    }
  });
});
