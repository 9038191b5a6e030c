import { z } from 'zod';
import { NodeName, type FleetNode } from '../fleet.js';
import { parseImageRef } from './image-ref.js';

// A rollout is read back from disk and acted on (its values reach node commands): each field is
// checked as strictly as if a user had typed it, so an edited file cannot smuggle a word in.
const DeploymentName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,47}$/);
export const SpecHash = z.string().regex(/^(?:sha256:[0-9a-f]{64})?$/, 'a sha256: hash');
/** An image as docker/podman take it: an OCI reference, or a local image id. */
export const ImageReference = z
  .string()
  .refine((s) => /^sha256:[0-9a-f]{64}$/.test(s) || !('error' in parseImageRef(s)), 'not an image reference or image id');
export const ContainerRuntime = z.enum(['docker', 'podman']);
import type { Strategy, Targets } from './spec.js';

/** The nodes a spec targets: enabled nodes matching any of the named sites, departments, tags, roles or nodes. */
export function targetNodes(nodes: readonly FleetNode[], t: Targets): FleetNode[] {
  return nodes.filter(
    (n) =>
      n.enabled &&
      ((t.sites?.includes(n.site) ?? false) ||
        (t.departments?.includes(n.department) ?? false) ||
        (t.tags?.some((tag) => n.tags.includes(tag)) ?? false) ||
        (t.roles?.includes(n.role) ?? false) ||
        (t.nodes?.includes(n.name) ?? false)),
  );
}

/**
 * Waves: the canary nodes alone first, then the rest by size or percent. Nodes are interleaved
 * across groups (sites or departments) so each wave spreads over groups instead of emptying one,
 * and the first canary comes from the largest group.
 */
export function planWaves(nodes: readonly { name: string; group: string }[], s: Strategy): string[][] {
  const groups = new Map<string, string[]>();
  for (const n of [...nodes].sort((a, b) => a.name.localeCompare(b.name))) {
    groups.set(n.group, [...(groups.get(n.group) ?? []), n.name]);
  }
  const queues = [...groups.values()].sort((a, b) => b.length - a.length || a[0]!.localeCompare(b[0]!));
  const order: string[] = [];
  while (queues.some((q) => q.length)) for (const q of queues) if (q.length) order.push(q.shift()!);
  const waves: string[][] = [];
  const canary = Math.min(s.canary, order.length);
  if (canary > 0) waves.push(order.slice(0, canary));
  const rest = order.slice(canary);
  const size = 'size' in s.waves ? s.waves.size : Math.max(1, Math.ceil((rest.length * s.waves.percent) / 100));
  for (let i = 0; i < rest.length; i += size) waves.push(rest.slice(i, i + size));
  return waves;
}

/**
 * The canary tells whether a revision works, with as little of any service at stake as possible:
 * at most one member of each redundancy group goes in it; the others move to the next wave.
 */
export function canaryOnePerGroup(waves: string[][], canary: number, groupsOf: (node: string) => string[]): string[][] {
  if (canary === 0 || waves.length === 0) return waves;
  const taken = new Set<string>();
  const keep: string[] = [];
  const moved: string[] = [];
  for (const n of waves[0]!) {
    const groups = groupsOf(n);
    if (groups.some((g) => taken.has(g))) moved.push(n);
    else {
      keep.push(n);
      for (const g of groups) taken.add(g);
    }
  }
  if (!moved.length) return waves;
  return [keep, ...(waves.length > 1 ? [[...moved, ...waves[1]!], ...waves.slice(2)] : [moved])];
}

/** The group a node counts in for "never take a whole group down": its site, its department, or itself. */
export function groupKey(node: Pick<FleetNode, 'name' | 'site' | 'department'>, groupBy: Strategy['groupBy']): string {
  return groupBy === 'site' ? node.site : groupBy === 'department' ? `${node.site}/${node.department}` : node.name;
}

/**
 * How many nodes of a group may be out of service at once: maxUnavailable, but never the whole
 * group when it has more than one node (its other replicas keep serving).
 */
export function groupLimit(groupSize: number, maxUnavailable: number): number {
  return Math.max(1, Math.min(maxUnavailable, groupSize > 1 ? groupSize - 1 : 1));
}

export const NodeStepState = z.enum([
  'pending',
  'pulling',
  'starting',
  'health',
  'soak',
  'done',
  'failed',
  'rolling-back',
  'rolled-back',
  'skipped',
]);
export type NodeStepState = z.infer<typeof NodeStepState>;

export const NodeStep = z.strictObject({
  node: NodeName,
  wave: z.number().int(),
  state: NodeStepState,
  detail: z.string(),
  /** 0..1 within the current step, when the step can tell (pull, health checks, soak). */
  progress: z.number().nullable(),
  updatedAt: z.number(),
  runtime: ContainerRuntime.optional(),
  gpuIndices: z.array(z.number().int().min(0).max(255)).max(64).default([]),
  /** How the node gets the image (the plan's choice, `auto` decided by its probe), and its platform for a push. */
  delivery: z.enum(['pull', 'push']).optional(),
  arch: z
    .string()
    .regex(/^[a-z0-9]{1,32}$/)
    .optional(),
  /** The container this rollout replaced on the node, kept until the node is done. */
  previous: z.strictObject({ container: z.string().regex(/^ew-[a-z0-9-]+-r\d+$/), revision: z.number().int() }).optional(),
});
export type NodeStep = z.infer<typeof NodeStep>;

export const RolloutStatus = z.enum([
  'running',
  'paused',
  'succeeded',
  'failed',
  'rolling-back',
  'rolled-back',
  'aborted',
  'interrupted',
  'halted',
]);
export type RolloutStatus = z.infer<typeof RolloutStatus>;

export const Rollout = z.strictObject({
  id: z.string(),
  deployment: DeploymentName,
  revision: z.number().int(),
  previousRevision: z.number().int().nullable(),
  kind: z.enum(['apply', 'rollback']),
  specHash: SpecHash,
  image: ImageReference,
  /** The image as pinned for this rollout (digest, or local image id). */
  pinnedImage: ImageReference.or(z.literal('')),
  status: RolloutStatus,
  message: z.string(),
  startedAt: z.number(),
  updatedAt: z.number(),
  waves: z.array(z.array(NodeName)),
  nodes: z.record(NodeName, NodeStep),
  refused: z.array(z.strictObject({ node: z.string(), reason: z.string() })),
  /** The user who started it, as the audit log has it. */
  by: z.string(),
  /** A change made outside the maintenance windows: why, and who said so (audited with the apply). */
  emergency: z.strictObject({ reason: z.string().min(1).max(500), by: z.string().max(200) }).optional(),
  /** The process running it, renewed while it runs: a lease no other process breaks while it holds. */
  owner: z.strictObject({ pid: z.number().int().positive(), host: z.string().max(255), renewedAt: z.number() }).optional(),
});
export type Rollout = z.infer<typeof Rollout>;

export const DeploymentSummary = z.strictObject({
  name: z.string(),
  revision: z.number().int(),
  image: z.string(),
  specHash: z.string(),
  rollout: Rollout.nullable(),
  /** Set when its files on disk are damaged or were edited by hand: why, and it is not acted on. */
  damaged: z.string().optional(),
});
export type DeploymentSummary = z.infer<typeof DeploymentSummary>;
