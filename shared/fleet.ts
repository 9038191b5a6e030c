import { z } from 'zod';
import { DicomIngress } from './clinical/dicom-target.js';
import { HOST, NODE_NAME, USER } from './names.js';

export { HOST, NODE_NAME, USER };

/**
 * The fleet inventory: sites → departments → nodes. Every string that can end up in a command line,
 * a file name or a log is constrained here, once, for the UI, the CLI and imports alike.
 */
const LABEL = /^[A-Za-z0-9][A-Za-z0-9 ._/-]{0,62}$/;

export const NodeName = z.string().regex(NODE_NAME, 'letters, digits, ".", "_" and "-", starting with a letter or digit (max 63)');
export const Label = z.string().regex(LABEL, 'letters, digits, spaces and . _ / - (max 63)');

export const AuthMethod = z.enum(['agent', 'key', 'password', 'keyboard-interactive']);
export type AuthMethod = z.infer<typeof AuthMethod>;

export const NodeRole = z.enum(['hub', 'gateway', 'edge']);
export type NodeRole = z.infer<typeof NodeRole>;

export const WorkloadProfile = z.enum(['radiology', 'ehr-batch', 'cds']);
export type WorkloadProfile = z.infer<typeof WorkloadProfile>;

/** A model name as inference servers accept it in a URL path segment. */
export const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * An inference endpoint on the node, probed from the node itself (127.0.0.1:port) so the latency is
 * the server's, not the WAN's: an Open Inference Protocol ready check, and, with a model, a small
 * infer request (one FP32 tensor of shape [1, 4], named by `input`).
 */
export const Endpoint = z.strictObject({
  name: NodeName,
  port: z.number().int().min(1).max(65535),
  model: z.string().regex(MODEL_NAME, 'a model name: letters, digits, ".", "_" and "-" (max 128)').optional(),
  input: z.string().regex(MODEL_NAME, 'an input tensor name').default('INPUT0'),
  /** Whose SLO applies; defaults to the node's first workload profile. */
  profile: WorkloadProfile.optional(),
  /** A radiology AI's DICOM ingress: timed round trips (study in, result back) beside the OIP probe. */
  dicom: DicomIngress.optional(),
});
export type Endpoint = z.infer<typeof Endpoint>;

export const FleetNode = z.strictObject({
  name: NodeName,
  host: z.string().regex(HOST, 'a host name or IP address'),
  port: z.number().int().min(1).max(65535).default(22),
  user: z.string().regex(USER, 'a POSIX user name').default('root'),
  auth: AuthMethod.default('agent'),
  /** Private key file, for auth "key". */
  keyPath: z.string().max(4096).optional(),
  /** Gateways to jump through, outermost first (ProxyJump a,b). */
  via: z.array(NodeName).max(8).default([]),
  site: Label.default('default'),
  department: Label.default('general'),
  tags: z.array(Label).max(32).default([]),
  role: NodeRole.default('edge'),
  profiles: z.array(WorkloadProfile).default([]),
  notes: z.string().max(2000).default(''),
  endpoints: z
    .array(Endpoint)
    .max(8)
    .refine((eps) => new Set(eps.map((e) => e.name)).size === eps.length, 'endpoint names must be unique on a node')
    .default([]),
  /** Telemetry sample interval for this node; the app default (1 s) when absent. */
  telemetryIntervalMs: z.number().int().min(200).max(60_000).optional(),
  /** How often the endpoints are probed (each probe starts a curl on the node); 5 s when absent. */
  probeIntervalMs: z.number().int().min(1000).max(300_000).optional(),
  enabled: z.boolean().default(true),
  disabledReason: z.string().max(500).optional(),
  /** Maintenance: no new placements, alerts recorded but not notified, down for redundancy; ends at `until` or on undrain. */
  drain: z.strictObject({ reason: z.string().min(1).max(500), at: z.number(), until: z.number().optional() }).optional(),
});
export type FleetNode = z.infer<typeof FleetNode>;

/** Drained now: set, and not past its end time. */
export const isDrained = (n: Pick<FleetNode, 'drain'>, now = Date.now()): boolean =>
  n.drain !== undefined && (n.drain.until === undefined || n.drain.until > now);
export type FleetNodeInput = z.input<typeof FleetNode>;

/**
 * A change to some fields. Built without the defaults: zod applies a field's default even inside
 * .partial(), which would turn "set the profiles" into "and reset the port, user, site …".
 */
const editable = FleetNode.omit({ name: true, enabled: true, disabledReason: true }).shape;
export const NodePatch = z.strictObject(
  Object.fromEntries(Object.entries(editable).map(([k, v]) => [k, (v instanceof z.ZodDefault ? v.unwrap() : v).optional()])) as {
    [K in keyof typeof editable]: z.ZodOptional<(typeof editable)[K] extends z.ZodDefault<infer I> ? I : (typeof editable)[K]>;
  },
);
export type NodePatch = z.infer<typeof NodePatch>;

/** Which nodes a fleet command runs on. */
export const Selection = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('all') }),
  z.strictObject({ kind: z.literal('site'), site: Label }),
  z.strictObject({ kind: z.literal('department'), site: Label, department: Label }),
  z.strictObject({ kind: z.literal('tag'), tag: Label }),
  z.strictObject({ kind: z.literal('role'), role: NodeRole }),
  z.strictObject({ kind: z.literal('nodes'), nodes: z.array(NodeName).min(1).max(1000) }),
]);
export type Selection = z.infer<typeof Selection>;

export function selectNodes(nodes: readonly FleetNode[], selection: Selection): FleetNode[] {
  switch (selection.kind) {
    case 'all':
      return nodes.filter((n) => n.enabled);
    case 'site':
      return nodes.filter((n) => n.enabled && n.site === selection.site);
    case 'department':
      return nodes.filter((n) => n.enabled && n.site === selection.site && n.department === selection.department);
    case 'tag':
      return nodes.filter((n) => n.enabled && n.tags.includes(selection.tag));
    case 'role':
      return nodes.filter((n) => n.enabled && n.role === selection.role);
    case 'nodes': {
      const wanted = new Set(selection.nodes);
      // Named explicitly: disabled nodes are included so the run reports them as disabled.
      return nodes.filter((n) => wanted.has(n.name));
    }
  }
}

/** Connection state of one node, as the pool sees it. */
export const ConnectionStatus = z.enum([
  'idle',
  'connecting',
  'connected',
  'unreachable',
  'auth-failed',
  'hostkey-unknown',
  'hostkey-changed',
  'disabled',
]);
export type ConnectionStatus = z.infer<typeof ConnectionStatus>;

export const NodeStatus = z.strictObject({
  name: z.string(),
  status: ConnectionStatus,
  /** Why, in words, for anything but connected/idle. */
  detail: z.string().optional(),
  fingerprint: z.string().optional(),
  since: z.string(),
});
export type NodeStatus = z.infer<typeof NodeStatus>;
