import type { Backend } from '../app/backend.js';
import { hottestTemp, type TelemetryFrame } from '../../shared/telemetry.js';
import { reportError, type CliOutput } from './output.js';
import { formatTable } from './table.js';
import { ageText } from '../../shared/age.js';
import { fleetHealth } from '../services/fleet/fleet-health.js';
import { cliTime } from './time.js';

export interface TelemetryCliOptions {
  count?: string;
  interval?: string;
}

const n = (v: number | null, unit = '') => (v === null ? '—' : `${v}${unit}`);

export function formatFrame(f: TelemetryFrame): string[] {
  const head = `${cliTime(f.at)} ${f.node} [${f.session}] gpu:${f.gpuHealth}${f.gpuMessage ? ` (${f.gpuMessage})` : ''}`;
  const host = f.host ? ` load ${f.host.load1} mem ${n(f.host.memUsedPct, '%')} disk free ${f.host.diskFreeGiB} GiB` : '';
  return [
    head + host,
    ...f.gpus.map(
      (g) =>
        `  gpu${g.index} ${g.name}  util ${n(g.utilGpu, '%')}  mem ${n(g.memUsedMiB)}/${n(g.memTotalMiB)} MiB  ${n(g.tempC, '°C')}  ${n(g.powerW, ' W')}  ECC ${n(g.eccUncorrected)}  PCIe Gen${n(g.pcieGen)} x${n(g.pcieWidth)}`,
    ),
  ];
}

/** `edgeward telemetry watch NODE [--count N] [--json]`: frames as they arrive, until Ctrl+C or N frames. */
export async function watchTelemetry(backend: Backend, node: string, out: CliOutput, opts: TelemetryCliOptions): Promise<number> {
  if (!backend.inventory.get(node))
    return reportError({ code: 'NOT_FOUND', message: `No node named ${node}`, action: 'See edgeward nodes ls.' }, out);
  const limit = opts.count ? Number(opts.count) : Infinity;
  if (!(limit > 0))
    return reportError({ code: 'VALIDATION', message: '--count must be a positive number', action: 'Give e.g. --count 10.' }, out);
  return new Promise<number>((resolve) => {
    let seen = 0;
    let stop = () => undefined as void;
    const finish = (code: number) => {
      stop();
      process.removeListener('SIGINT', onSigint);
      resolve(code);
    };
    const onSigint = () => finish(0);
    process.once('SIGINT', onSigint);
    stop = backend.telemetry.watch(node, (f) => {
      // The first frame only says a session is starting; count frames with data.
      if (f.session === 'starting') return;
      if (out.json) out.print(JSON.stringify(f));
      else for (const line of formatFrame(f)) out.print(line);
      if (++seen >= limit) setImmediate(() => finish(0));
    });
  });
}

/**
 * `edgeward status`: the last known state of every node from the local history, with its age.
 * Needs no network: this is what on-call staff see on a train.
 */
export function printStatus(backend: Backend, out: CliOutput, now = Date.now()): number {
  const known = new Map(backend.history.lastKnown().map((k) => [k.node, k]));
  // The health every view shows (alerts from the state store included, so offline too).
  const health = new Map(fleetHealth(backend, now).nodes.map((h) => [h.node, h]));
  const rows = backend.inventory.list().map((n) => {
    const k = known.get(n.name);
    const h = health.get(n.name);
    return {
      node: n.name,
      health: h?.level ?? 'unknown',
      why: h?.reason ?? '',
      lastSeen: k ? new Date(k.at).toISOString() : null,
      age: k ? ageText(now - k.at) : 'never seen',
      gpuHealth: k?.frame.gpuHealth ?? 'unknown',
      gpus: k?.frame.gpus.length ?? 0,
      hottestC: k ? hottestTemp(k.frame) : null,
    };
  });
  if (out.json) {
    out.print(JSON.stringify(rows));
    return 0;
  }
  if (rows.length === 0) {
    out.print('No nodes yet: edgeward nodes add NAME --host H');
    return 0;
  }
  out.print(
    formatTable(
      ['NODE', 'HEALTH', 'LAST SEEN', 'GPU', 'GPUS', 'HOTTEST', 'WHY'],
      rows.map((r) => [
        r.node,
        r.health.toUpperCase(),
        r.age,
        r.gpuHealth,
        String(r.gpus),
        r.hottestC === null ? '—' : `${r.hottestC} °C`,
        r.why,
      ]),
    ),
  );
  return 0;
}
