import { z } from 'zod';

/**
 * The audit record: who did what to which target, when, with what result. The set of actions is
 * closed: a new kind of action needs a name here and a parameter allow-list on the main side.
 */
export const AUDIT_ACTIONS = [
  'settings.update',
  'secret.set',
  'audit.export',
  'audit.torn_tail_recovered',
  'node.add',
  'node.edit',
  'node.remove',
  'node.disable',
  'node.enable',
  'node.drain',
  'node.undrain',
  'nodes.import',
  'hostkey.trust',
  'hostkey.retrust',
  'hostkey.mismatch',
  'hostkey.migrate',
  'fleet.exec',
  'telemetry.session_start',
  'telemetry.history_trouble',
  'alert.fire',
  'alert.resolve',
  'alert.acknowledge',
  'alert.silence',
  'alert.unsilence',
  'deploy.apply',
  'deploy.pause',
  'deploy.resume',
  'deploy.abort',
  'deploy.rollback',
  'deploy.step',
  'deploy.takeover',
  'commission.run',
  'commission.override',
  'commission.signoff',
  'commission.report_pdf',
  'commission.profile_save',
  'service.apply',
  'service.remove',
  'site.windows',
  'drill.run',
  'probe.dicom',
  'probe.dicomweb',
  'probe.smart',
  'job.apply',
  'job.run',
  'job.retry',
  'job.cancel',
  'audit.forward_add',
  'audit.forward_remove',
] as const;
export const AuditAction = z.enum(AUDIT_ACTIONS);
export type AuditAction = z.infer<typeof AuditAction>;

/**
 * `intent` is written before an action acts and `ok`/`failed`/`partial` after it, pointing back at
 * the intent. `unknown` closes an intent whose process died before it could say what happened.
 */
export const AuditOutcome = z.enum(['ok', 'failed', 'partial', 'intent', 'unknown']);
export type AuditOutcome = z.infer<typeof AuditOutcome>;

export const AuditTarget = z.strictObject({
  site: z.string().optional(),
  node: z.string().optional(),
  deployment: z.string().optional(),
  service: z.string().optional(),
});
export type AuditTarget = z.infer<typeof AuditTarget>;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
const JsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(JsonValue), z.record(z.string(), JsonValue)]),
);

export const AuditRecord = z.strictObject({
  seq: z.number().int().positive(),
  /** UTC, ISO 8601 with milliseconds. */
  ts: z.string(),
  actor: z.strictObject({ osUser: z.string(), operator: z.string() }),
  action: AuditAction,
  target: AuditTarget,
  params: z.record(z.string(), JsonValue),
  outcome: AuditOutcome,
  error: z.string().optional(),
  durationMs: z.number().int().nonnegative(),
  /** SHA256 fingerprint of the host key of the connection used. */
  hostKey: z.string().optional(),
  /** sha256 of the node-side script that ran. */
  scriptHash: z.string().optional(),
  reason: z.string().optional(),
  /** On an outcome: the seq of the intent it closes. */
  intent: z.number().int().positive().optional(),
  /** On an intent: the process that acts, so a later start can tell whether it is still alive. */
  proc: z.strictObject({ host: z.string(), pid: z.number().int().positive() }).optional(),
  prev: z.string().regex(/^[0-9a-f]{64}$/),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type AuditRecord = z.infer<typeof AuditRecord>;

export const AuditFilter = z.strictObject({
  since: z.string().optional(),
  until: z.string().optional(),
  actor: z.string().max(200).optional(),
  action: AuditAction.optional(),
  node: z.string().max(200).optional(),
  outcome: AuditOutcome.optional(),
  /** Free text over action, target, params, error and reason (case-insensitive substring). */
  text: z.string().max(200).optional(),
});
export type AuditFilter = z.infer<typeof AuditFilter>;

export const BreakKind = z.enum(['edited', 'deleted', 'inserted', 'reordered', 'malformed', 'file-missing', 'anchor-missing']);
export type BreakKind = z.infer<typeof BreakKind>;

export const VerifyResult = z.discriminatedUnion('intact', [
  z.strictObject({
    intact: z.literal(true),
    records: z.number().int().nonnegative(),
    files: z.number().int().nonnegative(),
    head: z.strictObject({ seq: z.number().int().nonnegative(), hash: z.string() }),
    anchor: z.strictObject({ seq: z.number().int(), hash: z.string() }).optional(),
  }),
  z.strictObject({
    intact: z.literal(false),
    records: z.number().int().nonnegative(),
    files: z.number().int().nonnegative(),
    kind: BreakKind,
    /** Human account of the first broken link. */
    message: z.string(),
    file: z.string(),
    line: z.number().int().nonnegative(),
    seq: z.number().int().nonnegative(),
  }),
]);
export type VerifyResult = z.infer<typeof VerifyResult>;

/** 64 zeros: the `prev` of the very first record. */
export const GENESIS_HASH = '0'.repeat(64);
