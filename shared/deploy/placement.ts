import type { DeploymentSpec } from './spec.js';

/** What agents/placement.sh found on a node. */
export interface NodeFacts {
  runtime: 'docker' | 'podman' | 'none';
  gpuSupport: 'nvidia-runtime' | 'cdi' | 'none';
  arch: string;
  gpus: { index: number; totalMiB: number; usedMiB: number }[];
  gpuError: string | undefined;
  image: { id: string; arch: string } | undefined;
  /** Whether the node reached the image's registry (any HTTP answer), when asked; `auto` delivery decides by it. */
  registry?: 'reachable' | 'unreachable' | 'unknown';
}

export function parseFacts(text: string): NodeFacts {
  const facts: NodeFacts = { runtime: 'none', gpuSupport: 'none', arch: 'unknown', gpus: [], gpuError: undefined, image: undefined };
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1).trim();
    if (key === 'runtime' && (value === 'docker' || value === 'podman')) facts.runtime = value;
    else if (key === 'gpu_support' && (value === 'nvidia-runtime' || value === 'cdi')) facts.gpuSupport = value;
    else if (key === 'arch') facts.arch = value.slice(0, 32);
    else if (key === 'gpu_error') facts.gpuError = value.slice(0, 300);
    else if (key === 'gpu') {
      const [i, total, used] = value.split(',').map(Number);
      if (Number.isInteger(i) && Number.isFinite(total) && Number.isFinite(used))
        facts.gpus.push({ index: i!, totalMiB: total!, usedMiB: used! });
    } else if (key === 'registry') {
      facts.registry = /^[1-5]\d\d$/.test(value) ? 'reachable' : /^0+$/.test(value) ? 'unreachable' : 'unknown';
    } else if (key === 'image') {
      const [id, arch] = value.split(' ');
      // A repository digest (what a registry would serve on every node) or a local image id.
      if (id && (/^[a-z0-9][a-z0-9._/:[\]-]*@sha256:[0-9a-f]{64}$/.test(id) || /^(sha256:)?[0-9a-f]{12,64}$/.test(id))) {
        facts.image = { id, arch: arch ?? 'unknown' };
      }
    }
  }
  return facts;
}

export type Placement = { ok: true; gpuIndices: number[] } | { ok: false; reason: string };

/**
 * Whether a node can run the spec, and on which GPUs. Refusals say what is missing in the words an
 * admin would use to fix it. GPUs held by the deployment's previous revision count as free: they
 * are released when it stops.
 */
export function place(spec: DeploymentSpec, facts: NodeFacts, heldByPrevious: ReadonlySet<number> = new Set()): Placement {
  if (facts.runtime === 'none') return { ok: false, reason: 'no container runtime: install docker or podman' };
  if (facts.image && facts.image.arch !== 'unknown' && facts.arch !== 'unknown' && facts.image.arch !== facts.arch) {
    return { ok: false, reason: `the image is built for ${facts.image.arch}, the node is ${facts.arch}` };
  }
  const req = spec.gpus;
  if (!req) return { ok: true, gpuIndices: [] };
  if (facts.gpuError) return { ok: false, reason: `GPUs cannot be read: ${facts.gpuError}` };
  if (facts.gpuSupport === 'none') {
    return {
      ok: false,
      reason: `${facts.runtime} has no GPU support: install the NVIDIA container toolkit${facts.runtime === 'podman' ? ' and generate CDI specs (nvidia-ctk cdi generate)' : ''}`,
    };
  }
  const free = (g: NodeFacts['gpus'][number]) => g.totalMiB - (heldByPrevious.has(g.index) ? 0 : g.usedMiB);
  if (req.indices) {
    const have = facts.gpus.map((g) => g.index);
    for (const i of req.indices) {
      const g = facts.gpus.find((x) => x.index === i);
      if (!g) return { ok: false, reason: `GPU ${i} does not exist (the node has ${have.length ? `GPU ${have.join(', ')}` : 'no GPUs'})` };
      if (free(g) < req.minFreeMemoryMiB)
        return { ok: false, reason: `GPU ${i} has ${free(g)} MiB free, the spec needs ${req.minFreeMemoryMiB} MiB` };
    }
    return { ok: true, gpuIndices: [...req.indices] };
  }
  const count = req.count ?? 1;
  const fitting = facts.gpus.filter((g) => free(g) >= req.minFreeMemoryMiB).sort((a, b) => free(b) - free(a) || a.index - b.index);
  if (fitting.length < count) {
    return {
      ok: false,
      reason: `needs ${count} GPU(s) with ${req.minFreeMemoryMiB} MiB free; ${fitting.length} of ${facts.gpus.length} qualify`,
    };
  }
  return {
    ok: true,
    gpuIndices: fitting
      .slice(0, count)
      .map((g) => g.index)
      .sort((a, b) => a - b),
  };
}
