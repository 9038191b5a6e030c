import { parseYamlWith, type YamlProblem } from '../yaml-schema.js';
import { z } from 'zod';
import { Label, NodeName, NodeRole, WorkloadProfile } from '../fleet.js';
import { parseImageRef } from './image-ref.js';

/**
 * A deployment spec (YAML): what to run, where, and how to roll it out. Every string that reaches a
 * container command line is constrained here; the runtime driver quotes it as well.
 */
export const DEPLOYMENT_NAME = /^[a-z0-9][a-z0-9-]{0,47}$/;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const ABS_PATH = /^\/[A-Za-z0-9._/@+-]{0,4095}$/;
const SECRET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export const Delivery = z.enum(['pull', 'push', 'auto']);
export type Delivery = z.infer<typeof Delivery>;

const ImageReference = z
  .string()
  .max(512)
  .superRefine((v, ctx) => {
    const r = parseImageRef(v);
    if ('error' in r) ctx.addIssue({ code: 'custom', message: r.error });
  });

export const EnvValue = z.union([
  // Plain values arrive in the container byte for byte: $(…), quotes and newlines included.
  z.string().max(32_768),
  z.strictObject({ secret: z.string().regex(SECRET_NAME, 'a secret name: letters, digits, ".", "_", "-"') }),
]);

export const GpuRequest = z
  .strictObject({
    count: z.number().int().min(1).max(16).optional(),
    indices: z.array(z.number().int().min(0).max(15)).min(1).max(16).optional(),
    /** Each chosen GPU must have at least this much free memory before the rollout starts. */
    minFreeMemoryMiB: z.number().int().min(0).max(1_048_576).default(0),
  })
  .refine((g) => (g.count === undefined) !== (g.indices === undefined), 'give either count or indices, not both')
  .refine((g) => !g.indices || new Set(g.indices).size === g.indices.length, 'GPU indices must not repeat');

export const PortMapping = z.strictObject({
  container: z.number().int().min(1).max(65535),
  host: z.number().int().min(1).max(65535),
});

export const Strategy = z.strictObject({
  /** Nodes that go first, alone; the rest waits until they pass the health gate and the soak. */
  canary: z.number().int().min(0).max(100).default(1),
  waves: z
    .union([z.strictObject({ size: z.number().int().min(1).max(1000) }), z.strictObject({ percent: z.number().min(1).max(100) })])
    .default({ size: 5 }),
  /** At most this many nodes of a group are out of service at once. */
  maxUnavailable: z.number().int().min(1).max(1000).default(1),
  /** Never take every replica of a site (or department) down together. */
  groupBy: z.enum(['site', 'department', 'none']).default('site'),
  soakS: z.number().int().min(0).max(86_400).default(30),
  autoRollback: z.boolean().default(true),
});
export type Strategy = z.infer<typeof Strategy>;

export const Targets = z
  .strictObject({
    sites: z.array(Label).max(100).optional(),
    departments: z.array(Label).max(100).optional(),
    tags: z.array(Label).max(100).optional(),
    roles: z.array(NodeRole).max(3).optional(),
    nodes: z.array(NodeName).max(1000).optional(),
  })
  .refine((t) => Object.values(t).some((v) => v !== undefined && v.length > 0), 'name at least one site, department, tag, role or node');
export type Targets = z.infer<typeof Targets>;

export const DeploymentSpec = z
  .strictObject({
    /** A service stays up (the default); a batch job (`kind: job`) has a schema and a runner of its own. */
    kind: z.literal('service', { error: 'kind: job is a batch job: apply it with edgeward jobs apply FILE' }).optional(),
    name: z.string().regex(DEPLOYMENT_NAME, 'lowercase letters, digits and "-", starting with a letter or digit (max 48)'),
    image: ImageReference,
    profile: WorkloadProfile.optional(),
    gpus: GpuRequest.optional(),
    env: z
      .record(z.string().regex(ENV_KEY, 'an environment variable name: letters, digits and "_", not starting with a digit'), EnvValue)
      .default({}),
    ports: z
      .array(PortMapping)
      .max(16)
      .default([])
      .refine((p) => new Set(p.map((x) => x.host)).size === p.length, 'two mappings use the same host port'),
    volumes: z
      .array(
        z.strictObject({
          host: z.string().regex(ABS_PATH, 'an absolute path of letters, digits and . _ / @ + -'),
          container: z.string().regex(ABS_PATH, 'an absolute path of letters, digits and . _ / @ + -'),
          readOnly: z.boolean().default(true),
        }),
      )
      .max(16)
      .default([]),
    command: z.array(z.string().max(4096)).max(64).optional(),
    args: z.array(z.string().max(4096)).max(256).default([]),
    restart: z.enum(['no', 'always', 'unless-stopped', 'on-failure']).default('unless-stopped'),
    resources: z
      .strictObject({
        cpus: z.number().positive().max(512).optional(),
        memoryMiB: z.number().int().min(16).max(4_194_304).optional(),
      })
      .default({}),
    health: z
      .strictObject({
        /** The container port serving the Open Inference Protocol (mapped to a host port above). */
        port: z.number().int().min(1).max(65535).default(8000),
        path: z
          .string()
          .regex(/^\/[A-Za-z0-9._~/-]{0,200}$/, 'a URL path')
          .default('/v2/health/ready'),
        /** How long a new container may take to become ready. */
        timeoutS: z.number().int().min(1).max(3600).default(120),
        /** Consecutive successful checks that count as ready. */
        successThreshold: z.number().int().min(1).max(100).default(3),
        intervalS: z.number().min(0.2).max(60).default(1),
      })
      .default({ port: 8000, path: '/v2/health/ready', timeoutS: 120, successThreshold: 3, intervalS: 1 }),
    /**
     * How each node gets the image: `pull` from its registry (the default); `push`: the console
     * sends it over the node's own SSH connection (through its gateways), from `push.archive` or
     * else fetched from the registry by the console; `auto`: push where the placement probe finds
     * the node cannot reach the registry. Absent means pull, so older specs keep their hash.
     */
    delivery: Delivery.optional(),
    /** Per site, in place of `delivery` (a site behind a slow link pushes, the hub pulls). */
    siteDelivery: z.record(Label, Delivery).optional(),
    push: z
      .strictObject({
        /**
         * An archive on the console made by `podman save` / `docker save` (docker or OCI format),
         * for fleets with no registry at all; without it the console fetches the image from the
         * registry and pushes that.
         */
        archive: z.string().regex(ABS_PATH, 'an absolute path of letters, digits and . _ / @ + -').optional(),
        /** A cap on the link, KiB/s, so a daytime transfer leaves room for PACS traffic. */
        limitKiBps: z.number().int().min(64).max(10_000_000).optional(),
      })
      .optional(),
    /**
     * Model weights to place on the node before the container starts: a directory on the console,
     * or an OCI artifact in a registry (one layer per file, named by its title annotation, as
     * `oras push` makes them), synced to `hostPath/sha256-DIGEST` on the node (only changed files
     * cross the link, every file checked before the health gate) and mounted read-only at
     * `container`. The console fills in `digest` at apply (and pins an artifact to its manifest
     * digest), so the model is part of the revision.
     */
    model: z
      .strictObject({
        source: z
          .string()
          .max(4096)
          .refine(
            (v) => ABS_PATH.test(v) || (!v.startsWith('/') && !('error' in parseImageRef(v)) && /^[^/]*[.:][^/]*\//.test(v)),
            'a directory on this console (an absolute path) or an artifact in a registry (host/name:tag)',
          ),
        hostPath: z.string().regex(ABS_PATH, 'an absolute path of letters, digits and . _ / @ + -'),
        container: z.string().regex(ABS_PATH, 'an absolute path of letters, digits and . _ / @ + -'),
        digest: z
          .string()
          .regex(/^sha256:[0-9a-f]{64}$/, 'sha256:… (the console fills it in)')
          .optional(),
      })
      .optional(),
    targets: Targets,
    strategy: Strategy.default({ canary: 1, waves: { size: 5 }, maxUnavailable: 1, groupBy: 'site', soakS: 30, autoRollback: true }),
  })
  .superRefine((s, ctx) => {
    // An archive pins the image by its own id, which a node that pulls could not match.
    const modes = [s.delivery ?? 'pull', ...Object.values(s.siteDelivery ?? {})];
    if (s.push?.archive && modes.some((m) => m !== 'push'))
      ctx.addIssue({
        code: 'custom',
        path: ['push', 'archive'],
        message:
          'push.archive is for fleets that only push (delivery: push everywhere); with pull or auto, leave it out and the console fetches the image from the registry for the nodes it pushes to',
      });
  });

export type DeploymentSpec = z.infer<typeof DeploymentSpec>;
export type DeploymentSpecInput = z.input<typeof DeploymentSpec>;

export type { YamlProblem as SpecProblem } from '../yaml-schema.js';

/**
 * YAML text → spec, or every problem with its line, column and field. Parse errors (tabs, bad
 * indentation, duplicate keys) and schema errors are reported the same way, so an editor can mark
 * them as the user types.
 */
export function parseSpec(text: string): { spec: DeploymentSpec; problems: [] } | { spec?: undefined; problems: YamlProblem[] } {
  const r = parseYamlWith(DeploymentSpec, text, 256 * 1024, 'spec');
  return r.value ? { spec: r.value, problems: [] } : { problems: r.problems };
}

/** The spec's canonical form (sorted keys), so the same content always hashes the same. */
export function canonicalSpec(spec: DeploymentSpec): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v as object)
              .sort()
              .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
          )
        : v;
  return JSON.stringify(sort(spec));
}
