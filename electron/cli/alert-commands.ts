import type { Backend } from '../app/backend.js';
import { AlertRuleKind, SILENCE_MAX_MS, SILENCE_MIN_MS, type Alert, type AlertEvent, type Silence } from '../../shared/alerts.js';
import { ageText } from '../../shared/age.js';
import { reportError, type CliOutput } from './output.js';
import { formatTable } from './table.js';
import { cliTime } from './time.js';

export interface AlertCliOptions {
  node?: string;
  limit?: string;
  all?: boolean;
  note?: string;
  for?: string;
  /** With `alerts ack`: also silence the alert in the Alertmanagers for this long. */
  'alertmanager-silence'?: string;
  rule?: string;
  reason?: string;
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "30m", "2h", "3d" in ms; undefined for anything else. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d{1,4})([mhd])$/.exec(text.trim());
  return m ? Number(m[1]) * UNIT_MS[m[2]!]! : undefined;
}

function silenceRows(silences: Silence[], now: number): string[][] {
  return silences.map((s) => [
    s.id,
    s.ended ? `ended by ${s.ended.by}` : s.endsAt > now ? 'active' : 'expired',
    s.alertId ?? [s.node ?? '*', s.rule ?? '*'].join(' '),
    iso(s.ended?.at ?? s.endsAt),
    s.by,
    s.reason,
  ]);
}

const iso = (ms: number | undefined) => (ms === undefined ? '' : cliTime(ms));

function alertRows(alerts: Alert[], now: number): string[][] {
  return alerts.map((a) => [
    a.id,
    a.state === 'firing' ? a.severity.toUpperCase() : 'resolved',
    a.node,
    `${iso(a.since)} (${ageText(now - a.since)})`,
    iso(a.lastSeen ?? a.updatedAt),
    a.acknowledged ? `${a.acknowledged.by} ${iso(a.acknowledged.at)}${a.acknowledged.note ? ` "${a.acknowledged.note}"` : ''}` : 'no',
    a.message +
      (a.silenced ? ` [silenced until ${iso(a.silenced.until)}: ${a.silenced.reason}]` : '') +
      (a.unrecorded ? ` [${a.unrecorded}]` : ''),
  ]);
}

function eventRows(events: AlertEvent[]): string[][] {
  return events.map((e) => [iso(e.at), e.kind, e.severity, e.node, e.alertId, e.by ?? '', e.message + (e.note ? ` "${e.note}"` : '')]);
}

/**
 * `edgeward alerts`: what fires now (and, with --all, what resolved), from the state store, so the
 * on-call sees the alerts the app raised, acknowledgements included, also with no app running.
 * `alerts history` pages through every firing, resolving and acknowledgement; `alerts ack ID`
 * acknowledges through the same router (and audit) as the Alerts view.
 */
export async function runAlertsCommand(
  backend: Backend,
  rest: string[],
  out: CliOutput,
  opts: AlertCliOptions,
  usageError: (m: string) => number,
): Promise<number> {
  const ctx = { transport: 'cli' as const, clientId: 'cli' };
  const [sub, ...args] = rest;
  const now = Date.now();
  if (sub === undefined) {
    const r = await backend.router.invoke('alerts.list', {}, ctx);
    if (!r.ok) return reportError(r.error, out);
    const alerts = (r.value as { alerts: Alert[] }).alerts.filter(
      (a) => (opts.all || a.state === 'firing') && (!opts.node || a.node === opts.node),
    );
    if (out.json) out.print(JSON.stringify({ alerts }));
    else if (alerts.length === 0)
      out.print(opts.all ? 'No alerts on record.' : 'Nothing is firing. (edgeward alerts --all shows resolved ones too.)');
    else out.print(formatTable(['ID', 'STATE', 'NODE', 'SINCE', 'LAST SEEN', 'ACKNOWLEDGED', 'MESSAGE'], alertRows(alerts, now)));
    return 0;
  }
  if (sub === 'history' && args.length === 0) {
    const limit = opts.limit === undefined ? 50 : Number(opts.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return usageError('--limit must be a whole number from 1 to 1000');
    const r = await backend.router.invoke('alerts.history', { ...(opts.node ? { node: opts.node } : {}), limit }, ctx);
    if (!r.ok) return reportError(r.error, out);
    const { events } = r.value as { events: AlertEvent[] };
    if (out.json) out.print(JSON.stringify({ events }));
    else if (events.length === 0) out.print('No alert history yet.');
    else out.print(formatTable(['AT', 'EVENT', 'SEVERITY', 'NODE', 'ALERT', 'BY', 'MESSAGE'], eventRows(events)));
    return 0;
  }
  if (sub === 'ack' && args.length === 1) {
    const amFor = opts['alertmanager-silence'];
    const amMs = amFor === undefined ? undefined : parseDuration(amFor);
    if (amFor !== undefined && (amMs === undefined || amMs < SILENCE_MIN_MS || amMs > SILENCE_MAX_MS))
      return usageError('--alertmanager-silence is how long, as 30m, 2h or 3d (5 minutes to 7 days)');
    const r = await backend.router.invoke(
      'alerts.ack',
      { id: args[0]!, ...(opts.note ? { note: opts.note } : {}), ...(amMs ? { silenceMinutes: Math.round(amMs / 60_000) } : {}) },
      ctx,
    );
    if (!r.ok) return reportError(r.error, out);
    const a = r.value as Alert & { alertmanager?: { url: string; id?: string; error?: string }[] };
    if (out.json) out.print(JSON.stringify(a));
    else {
      out.print(`acknowledged ${a.id} (${a.node}: ${a.message}) as ${a.acknowledged?.by ?? '?'}`);
      for (const s of a.alertmanager ?? [])
        out.print(s.id ? `  silenced in ${s.url} (silence ${s.id})` : `  NOT silenced in ${s.url}: ${s.error}`);
    }
    // Acknowledged, but an Alertmanager still pages: not a clean success.
    return a.alertmanager?.some((s) => s.error) ? 1 : 0;
  }
  if (sub === 'silence' && args.length <= 1) {
    const forMs = opts.for === undefined ? undefined : parseDuration(opts.for);
    if (forMs === undefined || forMs < SILENCE_MIN_MS || forMs > SILENCE_MAX_MS)
      return usageError('--for is needed: how long, as 30m, 2h or 3d (5 minutes to 7 days)');
    if (!opts.reason) return usageError('--reason is needed: why (a ticket, the repair under way), for the audit trail');
    if (args.length === 0 && !opts.node) return usageError('say what to silence: an alert ID, or --node N (and --rule R)');
    const rule = opts.rule === undefined ? undefined : AlertRuleKind.safeParse(opts.rule);
    if (rule && !rule.success) return usageError(`--rule must be one of ${AlertRuleKind.options.join(', ')}`);
    const r = await backend.router.invoke(
      'alerts.silence',
      {
        ...(args[0] ? { alertId: args[0] } : {}),
        ...(opts.node ? { node: opts.node } : {}),
        ...(rule?.success ? { rule: rule.data } : {}),
        forMs,
        reason: opts.reason,
      },
      ctx,
    );
    if (!r.ok) return reportError(r.error, out);
    const s = r.value as Silence;
    if (out.json) out.print(JSON.stringify(s));
    else out.print(`silenced ${s.alertId ?? [s.node ?? 'every node', s.rule ?? 'every rule'].join(' ')} until ${iso(s.endsAt)} (${s.id})`);
    return 0;
  }
  if (sub === 'silences' && args.length === 0) {
    const r = await backend.router.invoke('alerts.silences', {}, ctx);
    if (!r.ok) return reportError(r.error, out);
    const { silences } = r.value as { silences: Silence[] };
    if (out.json) out.print(JSON.stringify({ silences }));
    else if (silences.length === 0) out.print('No silences.');
    else out.print(formatTable(['ID', 'STATE', 'COVERS', 'UNTIL', 'BY', 'REASON'], silenceRows(silences, now)));
    return 0;
  }
  if (sub === 'unsilence' && args.length === 1) {
    const r = await backend.router.invoke('alerts.unsilence', { id: args[0]! }, ctx);
    if (!r.ok) return reportError(r.error, out);
    const s = r.value as Silence;
    if (out.json) out.print(JSON.stringify(s));
    else out.print(`ended silence ${s.id}`);
    return 0;
  }
  return usageError(`unknown alerts command: ${rest.join(' ')}`);
}
