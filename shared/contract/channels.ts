import { CommissionSession, Signer } from '../commission/session.js';
import { z } from 'zod';
import { MAX_IMPORT_TEXT_CHARS } from './wire.js';
import { AuditFilter, AuditRecord, VerifyResult } from '../audit.js';
import { RegistrySetting, Settings, SettingsPatch } from '../settings.js';
import { FleetNode, NodeName, NodePatch, NodeStatus } from '../fleet.js';
import { FleetRunRequest } from '../fleet-commands.js';
import { Alert, AlertEvent, AlertRuleKind, SILENCE_MAX_MS, SILENCE_MIN_MS, Silence } from '../alerts.js';
import { NodeHealth } from '../node-health.js';
import { HistoryRange, TelemetryFrame } from '../telemetry.js';
import { DeploymentSummary, Rollout } from '../deploy/rollout.js';
import { serviceChannels } from './service-channels.js';
import { clinicalChannels } from './clinical-channels.js';
import { jobChannels } from './job-channels.js';

const SpecText = z.string().max(256 * 1024);
const DeploymentName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,47}$/, 'a deployment name');

/**
 * Invoke channels: name → request schema → response schema. The main side validates every request
 * against these at runtime; both sides derive their types from them, so check and type cannot drift.
 */
export const AppInfo = z.strictObject({
  name: z.string(),
  version: z.string(),
  platform: z.string(),
  transport: z.enum(['electron', 'loopback', 'cli']),
  dataDir: z.string(),
  startedAt: z.string(),
});
export type AppInfo = z.infer<typeof AppInfo>;

const Empty = z.strictObject({});

const CheckpointSigningStatus = z.strictObject({
  signing: z.boolean(),
  /** `NAME+KEYID+BASE64`: what `audit verify --checkpoints` needs. */
  verifier: z.string().optional(),
  /** Whether this process can keep a key encrypted (the desktop app, with the OS keychain). */
  canKeepKey: z.boolean(),
});

export const AuditHead = z.strictObject({ seq: z.number().int().nonnegative(), hash: z.string() });
export const AuditQueryRequest = z.strictObject({
  filter: AuditFilter.default({}),
  offset: z.number().int().nonnegative().default(0),
  limit: z.number().int().min(1).max(500).default(100),
});
export const AuditQueryResponse = z.strictObject({ total: z.number().int().nonnegative(), records: z.array(AuditRecord) });
export const AuditExportRequest = z.strictObject({ format: z.enum(['csv', 'jsonl']), filter: AuditFilter.default({}) });
export const AuditExportResponse = z.strictObject({ file: z.string(), count: z.number().int().nonnegative(), sha256: z.string() });

const ImportPreview = z.strictObject({
  nodes: z.array(FleetNode),
  errors: z.array(z.strictObject({ file: z.string(), line: z.number().int(), message: z.string() })),
  /** Hosts left out on purpose (ProxyCommand, a Match that needs a command run), each with why: they do not block the rest. */
  skipped: z.array(z.strictObject({ file: z.string(), line: z.number().int(), message: z.string() })).optional(),
});
export const NodeTestResult = z.strictObject({
  name: z.string(),
  ok: z.boolean(),
  status: NodeStatus.shape.status,
  fingerprint: z.string().optional(),
  /** On first contact: the key to confirm before anything else happens. */
  needsTrust: z.boolean(),
  message: z.string().optional(),
  action: z.string().optional(),
  latencyMs: z.number().int().optional(),
});
export type NodeTestResult = z.infer<typeof NodeTestResult>;

export const channels = {
  'app.info': { request: Empty, response: AppInfo },
  'settings.get': { request: Empty, response: Settings },
  'settings.set': { request: SettingsPatch, response: Settings },
  'audit.query': { request: AuditQueryRequest, response: AuditQueryResponse },
  'audit.verify': {
    request: z.strictObject({
      anchor: z
        .string()
        .regex(/^\d+:[0-9a-f]{64}$/, 'anchor is SEQ:HASH')
        .optional(),
    }),
    response: VerifyResult,
  },
  'audit.head': { request: Empty, response: AuditHead },
  'audit.export': { request: AuditExportRequest, response: AuditExportResponse },
  'fleet.list': { request: Empty, response: z.strictObject({ nodes: z.array(FleetNode), statuses: z.array(NodeStatus) }) },
  'fleet.node.add': { request: FleetNode, response: FleetNode },
  'fleet.node.edit': { request: z.strictObject({ name: NodeName, patch: NodePatch }), response: FleetNode },
  'fleet.node.remove': { request: z.strictObject({ name: NodeName }), response: z.strictObject({}) },
  'fleet.node.setEnabled': {
    request: z.strictObject({ name: NodeName, enabled: z.boolean(), reason: z.string().max(500).optional() }),
    response: FleetNode,
  },
  /** Maintenance mode: no new placements, alerts recorded but not notified; ends at `until` (ms) or on undrain. Audited. */
  'fleet.node.drain': {
    request: z.strictObject({ name: NodeName, reason: z.string().trim().min(1).max(500), until: z.number().int().positive().optional() }),
    response: FleetNode,
  },
  'fleet.node.undrain': { request: z.strictObject({ name: NodeName }), response: FleetNode },
  'fleet.node.test': { request: z.strictObject({ name: NodeName }), response: NodeTestResult },
  'fleet.node.trust': {
    request: z.strictObject({ name: NodeName, fingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'a SHA256: fingerprint') }),
    response: z.strictObject({ fingerprint: z.string(), pinned: z.boolean(), previous: z.string().optional() }),
  },
  /** The secret goes one way only: into the main side's secret store. It is never sent back. */
  'fleet.node.setSecret': {
    request: z.strictObject({
      name: NodeName,
      kind: z.enum(['password', 'passphrase']),
      value: z.string().min(1).max(4096),
      persist: z.boolean().default(false),
    }),
    response: z.strictObject({ persisted: z.boolean() }),
  },
  'fleet.import.preview': {
    request: z.strictObject({ format: z.enum(['ssh-config', 'csv']), text: z.string().max(MAX_IMPORT_TEXT_CHARS) }),
    response: ImportPreview,
  },
  'fleet.import.commit': {
    request: z.strictObject({ nodes: z.array(FleetNode).min(1).max(5000), source: z.string().max(200) }),
    response: z.strictObject({ count: z.number().int() }),
  },
  'fleet.run.start': { request: FleetRunRequest, response: z.strictObject({ runId: z.string(), nodes: z.array(z.string()) }) },
  /** Answers to a keyboard-interactive prompt (omit them to cancel). Never stored or logged. */
  'fleet.prompt.answer': {
    request: z.strictObject({ id: z.string().uuid(), answers: z.array(z.string().max(1024)).max(16).optional() }),
    response: z.strictObject({ delivered: z.boolean() }),
  },
  /** From local history, no network: what each node looked like when last seen, and when. */
  /** A node's last known frame (GPUs, containers, endpoints) and when it was measured: what an unreachable node's page shows. */
  'telemetry.lastFrame': {
    request: z.strictObject({ node: NodeName }),
    response: z.strictObject({ known: z.strictObject({ at: z.number(), frame: TelemetryFrame }).nullable() }),
  },
  'telemetry.lastKnown': {
    request: Empty,
    response: z.strictObject({
      nodes: z.array(
        z.strictObject({
          node: z.string(),
          at: z.number(),
          gpuHealth: z.string(),
          gpus: z.number().int(),
          hottestC: z.number().nullable(),
        }),
      ),
    }),
  },
  /** GPU history of a node from local storage (works offline), one series per GPU, downsampled. */
  'telemetry.history': {
    request: z.strictObject({
      node: NodeName,
      range: HistoryRange,
      to: z.number().optional(),
      maxPoints: z.number().int().min(10).max(4000),
    }),
    response: z.strictObject({
      from: z.number(),
      to: z.number(),
      resolution: z.enum(['raw', '1m', '1h']),
      /** Where the GPU rows came from, its step when Prometheus, and why the local history was used instead. */
      source: z.enum(['local', 'prometheus']).default('local'),
      stepS: z.number().optional(),
      fallback: z.string().optional(),
      gpus: z.array(z.number().int()),
      /** Columns util0, temp0, power0, mem0, util1, …; null where there was no sample. */
      points: z.array(z.record(z.string(), z.number().nullable())),
      latency: z.array(
        z.strictObject({
          endpoint: z.string(),
          objectiveMs: z.number().nullable(),
          points: z.array(z.record(z.string(), z.number().nullable())),
        }),
      ),
    }),
  },
  /** The same history as CSV text (one row per GPU sample), for a spreadsheet or an incident report. */
  'telemetry.exportCsv': {
    request: z.strictObject({ node: NodeName, range: HistoryRange }),
    response: z.strictObject({ filename: z.string(), csv: z.string(), rows: z.number().int() }),
  },
  /** Deployment specs as YAML text: checked as the user types, problems with line and field. */
  'deploy.validate': {
    request: z.strictObject({ text: SpecText }),
    response: z.strictObject({
      problems: z.array(z.strictObject({ path: z.string(), line: z.number().int(), column: z.number().int(), message: z.string() })),
    }),
  },
  /** Placement on every target node before anything runs: who can take it, who cannot and why. */
  'deploy.plan': {
    request: z.strictObject({ text: SpecText }),
    response: z.strictObject({
      name: z.string(),
      specHash: z.string(),
      accepted: z.array(
        z.strictObject({
          node: z.string(),
          runtime: z.string(),
          gpuIndices: z.array(z.number().int()),
          /** How the node gets the image, and why (`auto` decided by its probe). */
          delivery: z.enum(['pull', 'push']),
          deliveryWhy: z.string(),
        }),
      ),
      refused: z.array(z.strictObject({ node: z.string(), reason: z.string() })),
      /** Each wave with what it would wait for if it started now (a closed maintenance window). */
      waves: z.array(z.strictObject({ nodes: z.array(z.string()), waitsFor: z.array(z.string()) })),
    }),
  },
  /** `emergency`: why this change may run outside its maintenance windows (audited with the apply). */
  'deploy.apply': {
    request: z.strictObject({ text: SpecText, emergency: z.string().trim().min(3).max(500).optional() }),
    response: Rollout,
  },
  'deploy.list': { request: Empty, response: z.strictObject({ deployments: z.array(DeploymentSummary) }) },
  'deploy.status': {
    request: z.strictObject({ name: DeploymentName }),
    response: z.strictObject({
      revisions: z.array(
        z.strictObject({
          revision: z.number().int(),
          image: z.string(),
          pinnedImage: z.string().nullable(),
          specHash: z.string(),
          createdAt: z.number(),
          succeededAt: z.number().nullable(),
          yaml: z.string(),
        }),
      ),
      rollout: Rollout.nullable(),
    }),
  },
  'deploy.control': {
    request: z.strictObject({
      name: DeploymentName,
      action: z.enum(['pause', 'resume', 'abort', 'halt', 'rollback']),
      /** For rollback: the revision to go back to (one that ran everywhere); the newest such by default. */
      revision: z.number().int().positive().optional(),
      /** For rollback: why it may run outside the maintenance windows (audited). */
      emergency: z.string().trim().min(3).max(500).optional(),
    }),
    response: Rollout,
  },
  /** What runs on each node against what should, and the repair of any difference. */
  'deploy.drift': {
    request: z.strictObject({ name: DeploymentName }),
    response: z.strictObject({
      nodes: z.array(
        z.strictObject({
          node: z.string(),
          expected: z.number().int().nullable(),
          running: z.array(z.number().int()),
          ok: z.boolean(),
          error: z.string().optional(),
        }),
      ),
    }),
  },
  'deploy.reconcile': {
    request: z.strictObject({ name: DeploymentName }),
    response: z.strictObject({ nodes: z.array(z.strictObject({ node: z.string(), ok: z.boolean(), detail: z.string() })) }),
  },
  /** A registry's password (Settings → Registries names the user); kept with safeStorage when asked, never logged or audited. */
  'registry.login': {
    request: z.strictObject({
      host: RegistrySetting.shape.host,
      password: z.string().min(1).max(1000),
      persist: z.boolean().default(false),
    }),
    response: z.strictObject({ persisted: z.boolean() }),
  },
  /** A secret a spec refers to ({secret: NAME}); kept with safeStorage when asked, never logged or audited. */
  'deploy.secret.set': {
    request: z.strictObject({
      name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a secret name: letters, digits, ".", "_", "-"'),
      value: z.string().min(1).max(65_536),
      persist: z.boolean(),
    }),
    response: z.strictObject({ persisted: z.boolean() }),
  },
  'deploy.logs': {
    request: z.strictObject({ name: DeploymentName, node: NodeName, tail: z.number().int().min(1).max(5000).default(200) }),
    response: z.strictObject({ text: z.string() }),
  },
  /**
   * Commissioning of a node against a hardware profile (YAML text). start and rerun return at once;
   * the checks run on and their progress arrives on the commission.session topic.
   */
  /** A hardware profile checked as the technician types: problems with line and field. */
  'commission.validate': {
    request: z.strictObject({ profile: z.string().max(64 * 1024) }),
    response: z.strictObject({
      problems: z.array(z.strictObject({ path: z.string(), line: z.number().int(), column: z.number().int(), message: z.string() })),
    }),
  },
  'commission.start': { request: z.strictObject({ node: NodeName, profile: z.string().max(64 * 1024) }), response: CommissionSession },
  'commission.rerun': {
    request: z.strictObject({ node: NodeName, which: z.enum(['remaining', 'failed']) }),
    response: CommissionSession,
  },
  'commission.cancel': { request: z.strictObject({ node: NodeName }), response: z.strictObject({ cancelled: z.boolean() }) },
  /** Accepts a failed check, only with a reason; audited. */
  'commission.override': {
    request: z.strictObject({ node: NodeName, check: z.string().max(64), reason: z.string().trim().min(10).max(1000) }),
    response: CommissionSession,
  },
  /** The saved hardware profiles, by name. */
  'commission.profiles': {
    request: Empty,
    response: z.strictObject({ profiles: z.array(z.strictObject({ name: z.string(), text: z.string(), updatedAt: z.number() })) }),
  },
  /** Save (or replace) a named profile; only a valid one is kept. Audited. */
  'commission.profile.save': {
    request: z.strictObject({ name: z.string().max(64), text: z.string().max(64 * 1024) }),
    response: z.strictObject({ name: z.string(), text: z.string(), updatedAt: z.number() }),
  },
  /** Sign off, saying who signs (name and role): asked each time, not taken from the operator setting. */
  'commission.signoff': { request: z.strictObject({ node: NodeName, signer: Signer }), response: CommissionSession },
  /**
   * Open a signed report: in the browser a one-time link to a new tab; in the desktop app a PDF printed
   * from it (its hash recorded in the audit log too). Says whether the report still matches its hash.
   */
  'commission.report.open': {
    request: z.strictObject({ node: NodeName, id: z.string().regex(/^[\w.-]{1,100}$/) }),
    response: z.strictObject({
      intact: z.boolean(),
      url: z.string().optional(),
      pdf: z.strictObject({ file: z.string(), sha256: z.string() }).optional(),
    }),
  },
  /** The node's latest commissioning, or a given one (reviewable offline). */
  'commission.session': {
    request: z.strictObject({ node: NodeName, id: z.string().max(100).optional() }),
    response: z.strictObject({ session: CommissionSession.nullable(), running: z.boolean() }),
  },
  'commission.reports': {
    request: z.strictObject({ node: NodeName }),
    response: z.strictObject({
      reports: z.array(
        z.strictObject({
          sessionId: z.string(),
          file: z.string(),
          signedAt: z.number(),
          by: z.string(),
          verdict: z.enum(['pass', 'warn', 'fail']),
          sha256: z.string(),
        }),
      ),
    }),
  },
  'alerts.list': { request: Empty, response: z.strictObject({ alerts: z.array(Alert) }) },
  /** Every node's health (level, reason in words, since) and the fleet's firing alerts by severity: what every view shows. */
  'fleet.health': {
    request: Empty,
    response: z.strictObject({
      nodes: z.array(NodeHealth),
      firing: z.strictObject({ critical: z.number().int(), warning: z.number().int() }),
    }),
  },
  'alerts.history': {
    request: z.strictObject({
      node: z.string().max(200).optional(),
      limit: z.number().int().min(1).max(1000).default(100),
      before: z.number().int().positive().optional(),
      /** Only events at or after this time (ms): the view's time range. */
      since: z.number().int().nonnegative().optional(),
    }),
    response: z.strictObject({ events: z.array(AlertEvent) }),
  },
  /** Acknowledge, optionally also silencing it in the Alertmanagers for `silenceMinutes` (audited). */
  'alerts.ack': {
    request: z.strictObject({
      id: z.string().max(300),
      note: z.string().max(500).optional(),
      silenceMinutes: z
        .number()
        .int()
        .min(5)
        .max(7 * 24 * 60)
        .optional(),
    }),
    response: Alert.extend({
      /** Each Alertmanager's silence id, or why it has none. */
      alertmanager: z.array(z.strictObject({ url: z.string(), id: z.string().optional(), error: z.string().optional() })).optional(),
    }),
  },
  /** Silence matching alerts for a time, with a reason (audited): one alert, or a node and/or a rule. */
  'alerts.silence': {
    request: z.strictObject({
      alertId: z.string().max(300).optional(),
      node: z.string().max(200).optional(),
      rule: AlertRuleKind.optional(),
      forMs: z.number().int().min(SILENCE_MIN_MS).max(SILENCE_MAX_MS),
      reason: z.string().trim().min(3).max(500),
    }),
    response: Silence,
  },
  'alerts.unsilence': { request: z.strictObject({ id: z.string().max(100) }), response: Silence },
  'alerts.silences': { request: Empty, response: z.strictObject({ silences: z.array(Silence) }) },
  'fleet.run.cancel': { request: z.strictObject({ runId: z.string().uuid() }), response: z.strictObject({ cancelled: z.boolean() }) },
  ...serviceChannels,
  ...clinicalChannels,
  ...jobChannels,
  /** Each SIEM collector the audit log goes to: its cursor, lag and last error. */
  'audit.forward.status': {
    request: Empty,
    response: z.strictObject({
      forwarders: z.array(
        z.strictObject({
          url: z.string(),
          /** `json` (the record in RFC 5424) or `atna` (IHE ATNA audit messages). */
          format: z.enum(['json', 'atna']),
          cursor: z.number().int(),
          head: z.number().int(),
          lag: z.number().int(),
          lastOkAt: z.number().optional(),
          lastError: z.string().optional(),
        }),
      ),
    }),
  },
  /** Whether this process signs checkpoints of the audit log, and the verifier key to give the SIEM. */
  'audit.checkpoints.status': { request: Empty, response: CheckpointSigningStatus },
  /** Makes the signing key, kept encrypted with safeStorage, and starts signing (audited, without the key). */
  'audit.checkpoints.create_key': { request: Empty, response: CheckpointSigningStatus },
  /** Delivers what each collector lacks now (the app also does every 2 s). */
  'audit.forward.run': {
    request: Empty,
    response: z.strictObject({
      results: z.array(z.strictObject({ url: z.string(), cursor: z.number().int().optional(), error: z.string().optional() })),
    }),
  },
} as const satisfies Record<string, { request: z.ZodType; response: z.ZodType }>;

export type Channels = typeof channels;
export type ChannelName = keyof Channels;
/** What a caller passes (defaults not yet applied). */
export type RequestOf<C extends ChannelName> = z.input<Channels[C]['request']>;
/** What a handler receives, after validation. */
export type ParsedRequestOf<C extends ChannelName> = z.output<Channels[C]['request']>;
export type ResponseOf<C extends ChannelName> = z.output<Channels[C]['response']>;

export function isChannelName(name: unknown): name is ChannelName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(channels, name);
}
