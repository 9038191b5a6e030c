import type { Rollout } from '../../shared/deploy/rollout.js';

/** A one-node rollout of `cxr` as the store keeps it; tests change what they are about. */
export function rolloutFixture(extra: Partial<Rollout> = {}): Rollout {
  return {
    id: 'r1',
    deployment: 'cxr',
    revision: 1,
    previousRevision: null,
    kind: 'apply',
    specHash: '',
    image: 'localhost/x:1',
    pinnedImage: 'localhost/x:1',
    status: 'interrupted',
    message: '',
    startedAt: 1,
    updatedAt: 1,
    waves: [['n1']],
    nodes: { n1: { node: 'n1', wave: 0, state: 'pending', detail: '', progress: null, updatedAt: 1, runtime: 'podman', gpuIndices: [] } },
    refused: [],
    by: 'op',
    ...extra,
  };
}
