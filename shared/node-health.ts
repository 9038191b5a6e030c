import { z } from 'zod';
import { ageText, spanText } from './age.js';
import type { Alert } from './alerts.js';
import type { NodeStatus } from './fleet.js';
import { HEALTH_LEVELS, HEALTH_RANK } from './health-level.js';

/**
 * One health model for a node, computed in one place from everything known about it: whether it is
 * enabled, its connection, its telemetry session and last sample, and its firing alerts. Every view
 * and the CLI show this, so no two places can disagree about a node.
 */
export const HealthLevel = z.enum(HEALTH_LEVELS);
export type HealthLevel = z.infer<typeof HealthLevel>;
export { HEALTH_RANK };

export const NodeHealth = z.strictObject({
  node: z.string(),
  level: HealthLevel,
  /** One line in plain words: the worst thing, never a raw socket error. */
  reason: z.string(),
  /** When this level began (ms), when known. */
  since: z.number().nullable(),
  /** The raw error behind the reason, one click away. */
  raw: z.string().optional(),
  /** Firing alerts by severity. */
  alerts: z.strictObject({ critical: z.number().int(), warning: z.number().int() }),
  /** Out of reach because this gateway (on its path) is: one fact, not one per node behind it. */
  behind: z.string().optional(),
});
export type NodeHealth = z.infer<typeof NodeHealth>;

/**
 * An unreachable node whose path runs through an unreachable gateway is said to be behind it: the
 * reason names the gateway first, so a gateway outage reads as one fact. The first gateway on the
 * path that is out of reach is named: the outermost one, to fix first.
 */
export function attributeToGateways(health: NodeHealth[], paths: ReadonlyMap<string, readonly string[]>): NodeHealth[] {
  const byNode = new Map(health.map((h) => [h.node, h]));
  return health.map((h) => {
    if (h.level !== 'unreachable') return h;
    const down = (paths.get(h.node) ?? []).find((g) => byNode.get(g)?.level === 'unreachable');
    if (!down) return h;
    return { ...h, behind: down, reason: `Behind ${down}, which is unreachable: ${h.reason.replace(/^Link lost/, 'link lost')}` };
  });
}

export interface HealthInput {
  node: string;
  enabled: boolean;
  disabledReason?: string;
  connection?: NodeStatus;
  /** The telemetry session and its last sample, when any. */
  telemetry?: {
    session: 'starting' | 'live' | 'lost' | 'stopped';
    at: number | null;
    hottestC?: number | null;
    parked?: string;
    /** A GPU whose clocks heat or power delivery hold back, in words. */
    throttled?: string;
  };
  /** A gateway carries no GPUs: reachable is healthy. */
  gateway?: boolean;
  /** In maintenance: the level says so first, with what else is true of it. */
  drain?: { reason: string; until?: number };
  /** The node's firing alerts. */
  alerts: Alert[];
  now: number;
}

/** A raw connection error in words an operator acts on. */
export function plainConnectionError(detail: string | undefined): string {
  const d = detail ?? '';
  if (/EHOSTUNREACH|ENETUNREACH|No route/i.test(d)) return 'no route to the node';
  if (/ECONNREFUSED/i.test(d)) return 'SSH refused the connection';
  if (/ETIMEDOUT|timed out|Keepalive timeout/i.test(d)) return 'the node stopped answering';
  if (/ENOTFOUND|EAI_AGAIN|getaddrinfo/i.test(d)) return 'its name does not resolve';
  if (/ECONNRESET|socket hang up|closed/i.test(d)) return 'the link was cut';
  return 'it cannot be reached';
}

export function nodeHealth(i: HealthInput): NodeHealth {
  const critical = i.alerts.filter((a) => a.state === 'firing' && a.severity === 'critical' && a.rule !== 'node-unreachable');
  const warning = i.alerts.filter((a) => a.state === 'firing' && a.severity === 'warning');
  const counts = { critical: critical.length, warning: warning.length };
  const out = (level: HealthLevel, reason: string, since: number | null, raw?: string): NodeHealth => ({
    node: i.node,
    level,
    reason,
    since,
    ...(raw ? { raw } : {}),
    alerts: counts,
  });
  const c = i.connection;
  const connSince = c ? Date.parse(c.since) : null;
  if (!i.enabled) return out('disabled', `Disabled${i.disabledReason ? `: ${i.disabledReason}` : ''}`, connSince);
  if (i.drain && (i.drain.until === undefined || i.drain.until > i.now)) {
    // Drained on purpose: that is the fact to read first; what the node would otherwise show follows.
    const { drain, ...rest } = i;
    const underneath = nodeHealth(rest);
    const left = drain.until !== undefined ? `ends in ${spanText(drain.until - i.now)}` : 'until undrained';
    return {
      ...underneath,
      level: 'drained',
      reason: `Drained (${left}): ${drain.reason}${underneath.level === 'ok' ? '' : `; ${underneath.level}: ${underneath.reason}`}`,
    };
  }
  if (c?.status === 'hostkey-changed')
    return out('critical', 'Host key changed: connections refused until it is checked', connSince, c.detail);
  if (c?.status === 'auth-failed') return out('critical', 'Login refused: check the key or password', connSince, c.detail);
  if (c?.status === 'hostkey-unknown')
    return out('unknown', 'Host key not trusted yet: compare its fingerprint, then trust it', connSince, c.detail);
  const t = i.telemetry;
  const last = t?.at
    ? `; last sample ${ageText(i.now - t.at)}${t.hottestC != null ? ` at ${Math.round(t.hottestC)} °C` : ''}`
    : '; never seen';
  // Waiting for a person (a key to trust, a login to fix) is not an outage.
  if (t?.parked && c?.status !== 'unreachable') return out('unknown', `Waiting: ${t.parked}`, t.at, t.parked);
  const lostAlert = i.alerts.find((a) => a.state === 'firing' && a.rule === 'node-unreachable');
  if (c?.status === 'unreachable' || t?.session === 'lost' || lostAlert) {
    const since = lostAlert?.since ?? connSince;
    return out(
      'unreachable',
      `Link lost${since ? ` ${ageText(i.now - since)}` : ''}: ${plainConnectionError(c?.detail)}${last}`,
      since,
      c?.detail,
    );
  }
  const worst = (xs: Alert[]) => [...xs].sort((a, b) => a.since - b.since);
  if (critical.length) {
    const [first] = worst(critical);
    return out('critical', `${first!.message}${critical.length > 1 ? ` (+${critical.length - 1} more)` : ''}`, first!.since);
  }
  if (warning.length) {
    const [first] = worst(warning);
    return out('warning', `${first!.message}${warning.length > 1 ? ` (+${warning.length - 1} more)` : ''}`, first!.since);
  }
  if (i.gateway && c?.status === 'connected') return out('ok', 'Gateway reachable', connSince);
  if (t?.session === 'live' && t.throttled) return out('warning', t.throttled, t.at);
  if (!t || t.at === null) return out('unknown', t?.session === 'starting' ? 'Connecting to its telemetry' : 'No telemetry yet', null);
  if (t.session !== 'live') return out('unknown', `Not watched now${last}`, t.at);
  return out('ok', 'All signals normal', connSince);
}
