import type { AuditAction, JsonValue } from '../../../shared/audit.js';
import { redactCommand } from '../../../shared/command-redaction.js';

/**
 * Parameters reach the audit log only through this allow-list, per action. Anything else is dropped
 * (its name is kept, so an auditor sees that something was withheld). Within allowed values, keys
 * that name secrets and values that look like secrets are redacted too: defence in depth, because a
 * password in the audit log would be a breach the log itself then preserves forever.
 */
const NODE_PARAMS = [
  'name',
  'host',
  'port',
  'user',
  'auth',
  'via',
  'site',
  'department',
  'tags',
  'role',
  'profiles',
  'notes',
  'endpoints',
  'telemetryIntervalMs',
  'probeIntervalMs',
  'changes',
  'source',
  'count',
  'rows',
  'until',
  'ended',
];
const DEPLOY_PARAMS = [
  'spec',
  'specHash',
  'model',
  'revision',
  'image',
  'digest',
  'strategy',
  'wave',
  'step',
  'env',
  'nodes',
  'refused',
  'resume',
  'status',
  'owner',
  'emergency',
  'held',
];
const SERVICE_PARAMS = ['deployment', 'members', 'groups', 'specHash', 'frontDoor', 'maintenance', 'reason'];
const COMMISSION_PARAMS = [
  'profile',
  'commissioning',
  'check',
  'evidence',
  'verdict',
  'reportSha256',
  'report',
  'checks',
  'sections',
  'overrides',
  'signer',
  'role',
  'pdf',
  'sha256',
];

export const PARAM_ALLOW_LIST: Record<AuditAction, readonly string[]> = {
  'settings.update': [
    'theme',
    'operatorName',
    'slo',
    'timeZone',
    'alertmanagers',
    'prometheusUrl',
    'metricsListen',
    'registries',
    'entry',
    'persist',
  ],
  'secret.set': ['entry', 'persist', 'verifier', 'registry', 'clientId', 'kid'],
  'audit.export': ['format', 'filter', 'count', 'file', 'sha256'],
  'audit.torn_tail_recovered': ['file', 'bytes', 'keptAs'],
  'node.add': NODE_PARAMS,
  'node.edit': NODE_PARAMS,
  'node.remove': NODE_PARAMS,
  'node.disable': NODE_PARAMS,
  'node.enable': NODE_PARAMS,
  'node.drain': NODE_PARAMS,
  'node.undrain': NODE_PARAMS,
  'nodes.import': NODE_PARAMS,
  'hostkey.trust': ['fingerprint', 'expected', 'presented', 'source'],
  'hostkey.retrust': ['fingerprint', 'expected', 'presented', 'source'],
  'hostkey.mismatch': ['fingerprint', 'expected', 'presented', 'source'],
  'hostkey.migrate': ['from', 'file', 'keptAs'],
  'fleet.exec': ['command', 'run', 'selection', 'concurrency', 'timeoutS', 'nodes', 'summary'],
  'telemetry.session_start': ['intervalS', 'endpoints', 'dicomRoundTrips'],
  // The token endpoint as authServer: a param named like a token is redacted whatever it holds.
  // Counts and exit codes only: a batch's output may hold record contents and is never kept.
  'job.apply': ['job', 'image', 'shards', 'maintenanceWindows', 'nodes'],
  'job.run': [
    'job',
    'run',
    'trigger',
    'shards',
    'nodes',
    'state',
    'shardsDone',
    'shardsFailed',
    'itemsDone',
    'itemsTotal',
    'retries',
    'durationS',
    'exitCodes',
  ],
  'job.retry': ['job', 'run', 'shard', 'attempt', 'reason', 'inS'],
  'job.cancel': ['job', 'run', 'state'],
  'probe.smart': ['fhirBaseUrl', 'clientId', 'scope', 'authServer', 'expiresIn', 'grantedScope', 'kind'],
  'probe.dicomweb': ['baseUrl', 'studyUid', 'checks'],
  'probe.dicom': ['endpoint', 'host', 'port', 'calledAE', 'callingAE', 'studyUid', 'resultMs', 'sentMs', 'kind'],
  'telemetry.history_trouble': ['kind', 'message', 'movedTo', 'file'],
  'alert.fire': ['rule', 'alertId', 'severity', 'message', 'gpu', 'endpoint', 'silence'],
  'alert.resolve': ['rule', 'alertId', 'severity', 'message', 'gpu', 'endpoint'],
  'alert.acknowledge': ['rule', 'alertId', 'note', 'alertmanagerSilenceUntil', 'alertmanagerSilences'],
  'alert.silence': ['alertId', 'node', 'rule', 'reason', 'until'],
  'alert.unsilence': ['silence', 'reason'],
  'deploy.apply': DEPLOY_PARAMS,
  'deploy.pause': DEPLOY_PARAMS,
  'deploy.resume': DEPLOY_PARAMS,
  'deploy.abort': DEPLOY_PARAMS,
  'deploy.rollback': DEPLOY_PARAMS,
  'deploy.step': DEPLOY_PARAMS,
  'deploy.takeover': DEPLOY_PARAMS,
  'commission.run': COMMISSION_PARAMS,
  'commission.override': COMMISSION_PARAMS,
  'commission.signoff': COMMISSION_PARAMS,
  'commission.report_pdf': COMMISSION_PARAMS,
  'commission.profile_save': COMMISSION_PARAMS,
  'service.apply': SERVICE_PARAMS,
  'service.remove': SERVICE_PARAMS,
  'site.windows': ['site', 'timeZone', 'windows', 'reason'],
  'audit.forward_add': ['url', 'format', 'ca', 'from'],
  'audit.forward_remove': ['url', 'cursor'],
  'drill.run': [
    'member',
    'mode',
    'seconds',
    'outsideWindow',
    'verdict',
    'report',
    'sha256',
    'p50Ms',
    'p99Ms',
    'failures',
    'probes',
    'restored',
  ],
};

const SECRET_KEY = /pass(word|phrase)?|secret|token|private.?key|credential|api.?key|authori[sz]ation|cookie|session/i;
const SECRET_VALUES: RegExp[] = [
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g,
  /\bauthori[sz]ation\s*[:=]\s*[^"'\r\n]*/gi,
  /\b(bearer|basic)\s+\S+/gi,
  /\b(password|passwd|pwd|passphrase|secret|token|api[_-]?key)\b\s*[=:]\s*\S+/gi,
  /\btoken\s+\S{8,}/gi,
  /\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^@\s/]+@/gi, // credentials in URLs
];
const MAX_STRING = 2000;
const MAX_DEPTH = 6;

export const REDACTED = '[redacted]';

function scrubString(s: string): string {
  // Command-line shapes first (they know where a value ends), then the general ones.
  let out = redactCommand(s).text;
  for (const re of SECRET_VALUES) out = out.replace(re, REDACTED);
  return out.length > MAX_STRING ? `${out.slice(0, MAX_STRING)}…[truncated ${out.length - MAX_STRING} chars]` : out;
}

function scrub(value: unknown, depth: number): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return scrubString(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean') return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (Array.isArray(value)) return value.slice(0, 200).map((v) => scrub(v, depth + 1));
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    // An env entry marked secret keeps its name, never its value.
    if (obj.secret === true && 'value' in obj) return { ...scrubObject({ ...obj, value: undefined }, depth), value: '[secret]' };
    return scrubObject(obj, depth);
  }
  return String(value);
}

function scrubObject(obj: Record<string, unknown>, depth: number): { [k: string]: JsonValue } {
  const out: { [k: string]: JsonValue } = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    // A flag such as `secret: true` says what a value is; it is not the secret itself.
    out[k] = SECRET_KEY.test(k) && typeof v !== 'boolean' ? REDACTED : scrub(v, depth + 1);
  }
  return out;
}

export function sanitizeParams(action: AuditAction, params: Record<string, unknown> = {}): Record<string, JsonValue> {
  const allowed = new Set(PARAM_ALLOW_LIST[action]);
  const out: Record<string, JsonValue> = {};
  const dropped: string[] = [];
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    if (!allowed.has(k)) dropped.push(k);
    else out[k] = SECRET_KEY.test(k) ? REDACTED : scrub(v, 0);
  }
  if (dropped.length > 0) out.droppedParams = dropped.sort().map((k) => scrubString(k).slice(0, 64));
  return out;
}

/** Free text fields (error, reason) pass the same value scrubbing. */
export const sanitizeText = (s: string | undefined) => (s === undefined ? undefined : scrubString(s));
