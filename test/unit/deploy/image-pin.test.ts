import { describe, expect, it } from 'vitest';
import { checkNodeDigest, pinImage } from '../../../electron/services/deploy/image-pin.js';
import type { NodeFacts } from '../../../shared/deploy/placement.js';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const facts = (id?: string): NodeFacts => ({
  runtime: 'podman',
  gpuSupport: 'cdi',
  arch: 'amd64',
  gpus: [],
  gpuError: undefined,
  image: id ? { id, arch: 'amd64' } : undefined,
});

describe('pinning the image a rollout runs', () => {
  it('never takes a node’s word for a registry image: it asks the registry, and says so when it cannot', async () => {
    // A node "reports" another repository; nothing it says is used for a registry reference.
    const liar = [{ node: 'n1', facts: facts(`evil.example/x@${D1}`) }];
    await expect(pinImage('127.0.0.1:9/cxr:1', liar, { insecure: ['127.0.0.1:9'], timeoutMs: 2000 })).rejects.toMatchObject({
      appError: {
        code: 'UNAVAILABLE',
        message: expect.stringMatching(/Cannot resolve 127\.0\.0\.1:9\/cxr:1 to a digest: .*Nothing was deployed/),
      },
    });
  });

  it('takes a digest given in the spec as it is', async () => {
    expect((await pinImage(`reg.example/cxr@${D1}`, [], {})).pinnedImage).toBe(`reg.example/cxr@${D1}`);
  });

  it('pins a local-only image only when every node holds the same digest of the spec’s own repository', async () => {
    const same = await pinImage(
      'localhost/cxr:1',
      [
        { node: 'a', facts: facts(`localhost/cxr@${D1}`) },
        { node: 'b', facts: facts(`localhost/cxr@${D1}`) },
      ],
      {},
    );
    expect(same).toEqual({ pinnedImage: `localhost/cxr@${D1}`, refused: [] });
    await expect(
      pinImage(
        'localhost/cxr:1',
        [
          { node: 'a', facts: facts(`localhost/cxr@${D1}`) },
          { node: 'b', facts: facts(`localhost/cxr@${D2}`) },
        ],
        {},
      ),
    ).rejects.toMatchObject({ appError: { code: 'CONFLICT', message: expect.stringContaining(`${D1} on a; ${D2} on b`) } });
    const other = await pinImage(
      'localhost/cxr:1',
      [
        { node: 'a', facts: facts(`localhost/cxr@${D1}`) },
        { node: 'evil', facts: facts(`evil.example/miner@${D2}`) },
      ],
      {},
    );
    expect(other.pinnedImage).toBe(`localhost/cxr@${D1}`);
    expect(other.refused).toEqual([{ node: 'evil', reason: expect.stringContaining('not an image of localhost/cxr') }]);
  });

  it('refuses a node that holds another digest after the pull, naming both', () => {
    expect(() => checkNodeDigest('n1', `reg.example/cxr:1@${D1}`, `reg.example/cxr@${D1}\n`)).not.toThrow();
    expect(() => checkNodeDigest('n1', `reg.example/cxr:1@${D1}`, `reg.example/cxr@${D2}\n`)).toThrow(
      `n1 reports ${D2} for reg.example/cxr:1; the registry serves ${D1}: refused`,
    );
    expect(() => checkNodeDigest('n1', `reg.example/cxr:1@${D1}`, '')).toThrow(/reports no digest/);
  });
});
