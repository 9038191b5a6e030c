import type { Backend } from '../app/backend.js';
import { ageText } from '../../shared/age.js';
import type { AuditRecord } from '../../shared/audit.js';
import type { TelemetryFrame } from '../../shared/telemetry.js';
import { reportError, type CliOutput } from './output.js';
import { formatTable } from './table.js';
import { cliTime } from './time.js';

export interface OpenAlert {
  alertId: string;
  rule: string;
  severity: string;
  message: string;
  since: string;
  ageMs: number;
}

/**
 * Alerts still open for a node, from the audit log (every fire and resolve is recorded there), so
 * they are known offline and across restarts: a fire with no later resolve of the same alert.
 */
export function openAlertsOf(backend: Backend, node: string, now = Date.now()): OpenAlert[] {
  const records = (action: 'alert.fire' | 'alert.resolve') => backend.audit.index.query({ action, node }, 0, 10_000).records;
  const resolved = new Map<string, number>();
  for (const r of records('alert.resolve')) {
    const id = String(r.params.alertId);
    resolved.set(id, Math.max(resolved.get(id) ?? 0, r.seq));
  }
  const open = new Map<string, AuditRecord>();
  for (const r of records('alert.fire')) {
    const id = String(r.params.alertId);
    if ((resolved.get(id) ?? 0) > r.seq) continue;
    const prev = open.get(id);
    if (!prev || prev.seq < r.seq) open.set(id, r);
  }
  return [...open.values()]
    .sort((a, b) => a.seq - b.seq)
    .map((r) => ({
      alertId: String(r.params.alertId),
      rule: String(r.params.rule),
      severity: String(r.params.severity),
      message: String(r.params.message ?? ''),
      since: r.ts,
      ageMs: now - Date.parse(r.ts),
    }));
}

const v = (x: number | null | undefined, unit = '') => (x === null || x === undefined ? '—' : `${x}${unit}`);

/** The lines of one node's last known state, as a person reads it on a terminal. */
function describe(frame: TelemetryFrame, at: number, alerts: OpenAlert[], now: number): string[] {
  const age = ageText(now - at);
  const lines = [
    `${frame.node}: last seen ${cliTime(at)} (${age}) · session ${frame.session} · GPUs ${frame.gpuHealth}${frame.gpuMessage ? ` (${frame.gpuMessage})` : ''}`,
    '',
    `GPUs, as of ${age}:`,
    frame.gpus.length
      ? formatTable(
          ['GPU', 'MODEL', 'MEMORY MiB', 'UTIL', 'TEMP', 'POWER', 'ECC CORR/UNCORR', 'PCIE'],
          frame.gpus.map((g) => [
            String(g.index),
            g.name,
            `${v(g.memUsedMiB)}/${v(g.memTotalMiB)}`,
            v(g.utilGpu, ' %'),
            v(g.tempC, ' °C'),
            `${v(g.powerW, ' W')}/${v(g.powerLimitW, ' W')}`,
            `${v(g.eccCorrected)}/${v(g.eccUncorrected)}`,
            `Gen${v(g.pcieGen)} x${v(g.pcieWidth)}`,
          ]),
        )
      : '  none reported',
  ];
  if (frame.host)
    lines.push(
      '',
      `Host: load ${frame.host.load1} · memory ${v(frame.host.memUsedPct, ' %')} · model volume ${frame.host.diskFreeGiB} GiB free · up ${ageText(frame.host.uptimeS * 1000).replace(/ ago$/, '')}`,
    );
  if (frame.containers) {
    lines.push('', `Containers (${frame.containers.runtime}), as of ${age}:`);
    lines.push(
      frame.containers.list.length
        ? formatTable(
            ['NAME', 'STATE', 'HEALTH', 'RESTARTS', 'DEPLOYMENT', 'REV', 'IMAGE'],
            frame.containers.list.map((c) => [c.name, c.state, c.health, String(c.restarts), c.deployment, c.revision, c.image]),
          )
        : '  none managed by Edgeward',
    );
  }
  if (frame.endpoints?.length) {
    lines.push('', `Endpoints, SLO over the 5 minutes before ${age}:`);
    lines.push(
      formatTable(
        ['ENDPOINT', 'PROFILE', 'LAST', 'P95 MS', 'AVAILABLE', 'OBJECTIVE', 'SLO', 'BURN 5M/1H'],
        frame.endpoints.map((e) => [
          e.name,
          e.profile ?? '—',
          e.lastOk === null ? '—' : e.lastOk ? `ok ${v(e.lastMs)} ms` : `failed${e.lastError ? `: ${e.lastError}` : ''}`,
          v(e.p95Ms),
          v(e.availabilityPct === null ? null : Math.round(e.availabilityPct * 100) / 100, ' %'),
          e.objective ?? '—',
          e.meetsSlo === null ? 'not judged' : e.meetsSlo ? 'met' : 'MISSED',
          `${v(e.burnRateShort)}/${v(e.burnRateLong)}`,
        ]),
      ),
    );
  }
  if (frame.xid?.recent.length) {
    lines.push('', 'Xid events:');
    for (const x of frame.xid.recent) lines.push(`  ${cliTime(x.at)} (${ageText(now - x.at)}) Xid ${x.code} on ${x.pci}`);
  } else if (frame.xid?.available === false) lines.push('', `Xid events: ${frame.xid.message ?? 'kernel log not readable'}`);
  if (frame.dropped) lines.push('', `Dropped from this node's output: ${JSON.stringify(frame.dropped)}`);
  lines.push('', alerts.length ? 'Open alerts (from the audit log):' : 'Open alerts: none recorded');
  for (const a of alerts) lines.push(`  ${a.severity.toUpperCase()} ${a.rule}: ${a.message} (since ${a.since}, ${ageText(a.ageMs)})`);
  return lines;
}

/**
 * `edgeward status NODE [--json]`: one node's last known state in full, from local history and the
 * audit log only (no network), every part with its age.
 */
export function printNodeStatus(backend: Backend, node: string, out: CliOutput, now = Date.now()): number {
  if (!backend.inventory.get(node))
    return reportError({ code: 'NOT_FOUND', message: `No node named ${node}`, action: 'See edgeward nodes ls.' }, out);
  const known = backend.history.lastKnownOf(node);
  const alerts = openAlertsOf(backend, node, now);
  if (out.json) {
    out.print(
      JSON.stringify({
        node,
        lastSeen: known ? new Date(known.at).toISOString() : null,
        ageMs: known ? now - known.at : null,
        state: known?.frame ?? null,
        alerts,
      }),
    );
    return 0;
  }
  if (!known) {
    out.print(`${node}: never seen by this console (no local history).`);
    out.print(alerts.length ? 'Open alerts (from the audit log):' : 'Open alerts: none recorded');
    for (const a of alerts) out.print(`  ${a.severity.toUpperCase()} ${a.rule}: ${a.message} (since ${a.since})`);
    return 0;
  }
  for (const line of describe(known.frame, known.at, alerts, now)) out.print(line);
  return 0;
}
