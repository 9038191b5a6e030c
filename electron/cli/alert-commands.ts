import type { Backend } from '../app/backend.js';
import type { Alert, AlertEvent } from '../../shared/alerts.js';
import { ageText } from '../../shared/age.js';
import { reportError, type CliOutput } from './output.js';
import { formatTable } from './table.js';

export interface AlertCliOptions {
  node?: string;
  limit?: string;
  all?: boolean;
}

const iso = (ms: number | undefined) => (ms === undefined ? '' : new Date(ms).toISOString());

function alertRows(alerts: Alert[], now: number): string[][] {
  return alerts.map((a) => [
    a.id,
    a.state === 'firing' ? a.severity.toUpperCase() : 'resolved',
    a.node,
    `${iso(a.since)} (${ageText(now - a.since)})`,
    iso(a.lastSeen ?? a.updatedAt),
    a.acknowledged ? `${a.acknowledged.by} ${iso(a.acknowledged.at)}` : 'no',
    a.message + (a.unrecorded ? ` [${a.unrecorded}]` : ''),
  ]);
}

function eventRows(events: AlertEvent[]): string[][] {
  return events.map((e) => [iso(e.at), e.kind, e.severity, e.node, e.alertId, e.by ?? '', e.message]);
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
    const r = await backend.router.invoke('alerts.ack', { id: args[0]! }, ctx);
    if (!r.ok) return reportError(r.error, out);
    const a = r.value as Alert;
    if (out.json) out.print(JSON.stringify(a));
    else out.print(`acknowledged ${a.id} (${a.node}: ${a.message}) as ${a.acknowledged?.by ?? '?'}`);
    return 0;
  }
  return usageError(`unknown alerts command: ${rest.join(' ')}`);
}
