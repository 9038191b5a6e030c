import type { FleetNode } from '../fleet.js';
import { LATENCY_BUCKETS_MS, type EndpointStatus, type GpuSample, type TelemetryFrame } from '../telemetry.js';

/**
 * The fleet as Prometheus metrics: GPU gauges under DCGM's field names with dcgm-exporter's labels
 * (so existing Grafana dashboards work), plus Edgeward's own: reachability, last-seen age, windowed
 * Xid counts, endpoint latency, availability and burn rates, and the console's own health.
 * Prometheus text format 0.0.4, or OpenMetrics 1.0 when asked. Pure, so tests feed it frames.
 */
export type ExpositionFormat = 'prometheus' | 'openmetrics';

export const CONTENT_TYPE: Record<ExpositionFormat, string> = {
  prometheus: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
};

/** OpenMetrics when the scraper asks for it first (Prometheus 2.x sends it in Accept), else the classic text. */
export function negotiate(accept: string | undefined): ExpositionFormat {
  return /application\/openmetrics-text/i.test(accept ?? '') ? 'openmetrics' : 'prometheus';
}

/** A label value as the text format wants it: backslash, double quote and newline escaped. */
export function escapeLabel(v: string): string {
  // Most values need nothing: one test instead of three replacements per value and scrape.
  return /[\\"\n]/.test(v) ? v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : v;
}

/** Label values are bounded: a node that sends a 10 KB model name cannot blow up every scrape. */
const MAX_LABEL = 256;
const labels = (l: Record<string, string | undefined>) =>
  `{${Object.entries(l)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}="${escapeLabel(String(v).slice(0, MAX_LABEL))}"`)
    .join(',')}}`;

const num = (v: number) => (Number.isFinite(v) ? String(v) : v > 0 ? '+Inf' : v < 0 ? '-Inf' : 'NaN');

const GPU_FIELDS: { name: string; help: string; type?: 'counter'; value: (g: GpuSample) => number | null }[] = [
  { name: 'DCGM_FI_DEV_GPU_UTIL', help: 'GPU utilization (in %).', value: (g) => g.utilGpu },
  { name: 'DCGM_FI_DEV_MEM_COPY_UTIL', help: 'Memory utilization (in %).', value: (g) => g.utilMem },
  { name: 'DCGM_FI_DEV_FB_USED', help: 'Framebuffer memory used (in MiB).', value: (g) => g.memUsedMiB },
  {
    name: 'DCGM_FI_DEV_FB_FREE',
    help: 'Framebuffer memory free (in MiB).',
    value: (g) => (g.memTotalMiB !== null && g.memUsedMiB !== null ? g.memTotalMiB - g.memUsedMiB : null),
  },
  { name: 'DCGM_FI_DEV_GPU_TEMP', help: 'GPU temperature (in C).', value: (g) => g.tempC },
  { name: 'DCGM_FI_DEV_POWER_USAGE', help: 'Power draw (in W).', value: (g) => g.powerW },
  { name: 'DCGM_FI_DEV_SM_CLOCK', help: 'SM clock frequency (in MHz).', value: (g) => g.smClockMHz },
  // Counters, as dcgm-exporter types them (volatile: they restart with the driver, which rate() handles).
  {
    name: 'DCGM_FI_DEV_ECC_SBE_VOL_TOTAL',
    help: 'Total number of single-bit volatile ECC errors.',
    type: 'counter',
    value: (g) => g.eccCorrected,
  },
  {
    name: 'DCGM_FI_DEV_ECC_DBE_VOL_TOTAL',
    help: 'Total number of double-bit volatile ECC errors.',
    type: 'counter',
    value: (g) => g.eccUncorrected,
  },
  { name: 'DCGM_FI_DEV_PCIE_LINK_GEN', help: 'PCIe link generation in use.', value: (g) => g.pcieGen },
  { name: 'DCGM_FI_DEV_PCIE_LINK_WIDTH', help: 'PCIe link width in use (lanes).', value: (g) => g.pcieWidth },
];

export interface ExpositionInput {
  nodes: readonly FleetNode[];
  /** The latest frame of each node the console watches. */
  frames: ReadonlyMap<string, TelemetryFrame>;
  now: number;
  /** The console's own queues: what waits to be written or delivered, per target. */
  queues?: readonly QueueDepth[];
}

export interface QueueDepth {
  /** `history` (samples waiting for the next write), `audit_forward` (records a SIEM collector lacks), `alertmanager` (resolutions waiting). */
  queue: string;
  target?: string;
  depth: number;
}

/** One node as the families see it: its frame, its label sets made once per scrape. */
interface NodeRow {
  f: TelemetryFrame;
  nl: string;
  gpus: { g: GpuSample; gl: string }[];
  endpoints: { ep: EndpointStatus; el: Record<string, string | undefined>; els: string }[];
}

/**
 * The exposition for a scrape, one metric family per chunk, in order: a server writes each as it
 * is made, so no scrape holds the whole text (10 MB at 2,000 nodes) or an array of every line.
 */
export function* expositionChunks(input: ExpositionInput, format: ExpositionFormat = 'prometheus'): Generator<string> {
  const rows: NodeRow[] = [];
  const byState = new Map<string, number>([
    ['starting', 0],
    ['live', 0],
    ['lost', 0],
    ['stopped', 0],
  ]);
  for (const node of [...input.nodes].sort((a, b) => a.name.localeCompare(b.name))) {
    const f = input.frames.get(node.name);
    if (!f) continue;
    byState.set(f.session, (byState.get(f.session) ?? 0) + 1);
    const nodeLabels = { node: node.name, site: node.site, department: node.department, role: node.role };
    rows.push({
      f,
      nl: labels(nodeLabels),
      gpus: [...f.gpus]
        .sort((a, b) => a.index - b.index)
        .map((g) => ({
          g,
          gl: labels({
            gpu: String(g.index),
            UUID: g.uuid,
            device: `nvidia${g.index}`,
            modelName: g.name,
            Hostname: node.name,
            ...nodeLabels,
          }),
        })),
      endpoints: (f.endpoints ?? []).map((ep) => {
        const el = { ...nodeLabels, endpoint: ep.name, probe: ep.probe, model: ep.model, profile: ep.profile };
        return { ep, el, els: labels(el) };
      }),
    });
  }

  // A family's text: HELP and TYPE, then its samples; nothing at all when it has none.
  const family = (name: string, type: 'gauge' | 'counter' | 'histogram' | 'summary', help: string, body: string) => {
    if (!body) return '';
    // OpenMetrics wants a counter's samples to end in _total; dcgm-exporter's counter names do not,
    // so there they are "unknown" (any name allowed), and stay counters in the classic format.
    const shown = format === 'openmetrics' && type === 'counter' && !name.endsWith('_total') ? 'unknown' : type;
    return `# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${name} ${shown}\n${body}`;
  };
  const each = (f: (r: NodeRow) => string) => {
    let body = '';
    for (const r of rows) body += f(r);
    return body;
  };

  for (const field of GPU_FIELDS)
    yield family(
      field.name,
      field.type ?? 'gauge',
      field.help,
      each((r) => {
        let out = '';
        for (const { g, gl } of r.gpus) {
          const v = field.value(g);
          if (v !== null) out += `${field.name}${gl} ${num(v)}\n`;
        }
        return out;
      }),
    );
  // dcgm-exporter's meaning kept (the last code), but only within the window: 0 once it is over,
  // never a sticky code from last week; the count per code in the window beside it.
  const xidOf = (r: NodeRow, g: GpuSample) => r.f.xid!.recent.filter((x) => x.gpu === g.index).sort((a, b) => a.at - b.at);
  yield family(
    'DCGM_FI_DEV_XID_ERRORS',
    'gauge',
    'Value of the last XID error encountered.',
    each((r) =>
      r.f.xid?.available ? r.gpus.map(({ g, gl }) => `DCGM_FI_DEV_XID_ERRORS${gl} ${xidOf(r, g).at(-1)?.code ?? 0}\n`).join('') : '',
    ),
  );
  yield family(
    'DCGM_EXP_XID_ERRORS_COUNT',
    'gauge',
    'Xid errors the kernel reported for this GPU in the last 10 minutes, per code.',
    each((r) => {
      if (!r.f.xid?.available || !r.f.xid.recent.length) return '';
      let out = '';
      for (const { g, gl } of r.gpus) {
        const byCode = new Map<number, number>();
        for (const x of xidOf(r, g)) byCode.set(x.code, (byCode.get(x.code) ?? 0) + 1);
        for (const [code, n] of [...byCode].sort((a, b) => a[0] - b[0]))
          out += `DCGM_EXP_XID_ERRORS_COUNT${gl.slice(0, -1)},xid="${code}"} ${n}\n`;
      }
      return out;
    }),
  );
  yield family(
    'edgeward_node_reachable',
    'gauge',
    '1 while the telemetry session of the node is live, 0 when it is lost or stopped.',
    each((r) => `edgeward_node_reachable${r.nl} ${r.f.session === 'live' ? 1 : 0}\n`),
  );
  yield family(
    'edgeward_node_last_seen_age_seconds',
    'gauge',
    'Seconds since the node last sent a sample.',
    each((r) => {
      const seen = Math.max(0, ...r.f.gpus.map((g) => g.at), r.f.host?.at ?? 0);
      return seen > 0 ? `edgeward_node_last_seen_age_seconds${r.nl} ${num(Math.max(0, (input.now - seen) / 1000))}\n` : '';
    }),
  );
  yield family(
    'edgeward_node_rejected_lines',
    'gauge',
    'Lines from the node the decoder refused since its session started.',
    each((r) => `edgeward_node_rejected_lines${r.nl} ${r.f.rejected}\n`),
  );
  const eachEndpoint = (f: (e: NodeRow['endpoints'][number]) => string) => each((r) => r.endpoints.map(f).join(''));
  yield family(
    'edgeward_endpoint_availability_ratio',
    'gauge',
    'Share of the endpoint probes answered over the last 5 minutes.',
    eachEndpoint(({ ep, els }) =>
      ep.availabilityPct !== null ? `edgeward_endpoint_availability_ratio${els} ${num(ep.availabilityPct / 100)}\n` : '',
    ),
  );
  yield family(
    'edgeward_endpoint_latency_seconds',
    'histogram',
    'Round trip of the endpoint probes answered since the telemetry session started (probe="dicom": a study stored to the AI until its result arrived).',
    eachEndpoint(({ ep, el, els }) => {
      const h = ep.histogram;
      if (!h || h.buckets.length !== LATENCY_BUCKETS_MS.length + 1) return '';
      let out = '';
      LATENCY_BUCKETS_MS.forEach(
        (le, i) => (out += `edgeward_endpoint_latency_seconds_bucket${labels({ ...el, le: String(le / 1000) })} ${h.buckets[i]}\n`),
      );
      out += `edgeward_endpoint_latency_seconds_bucket${labels({ ...el, le: '+Inf' })} ${h.buckets[LATENCY_BUCKETS_MS.length]}\n`;
      return `${out}edgeward_endpoint_latency_seconds_sum${els} ${num(h.sumMs / 1000)}\nedgeward_endpoint_latency_seconds_count${els} ${h.count}\n`;
    }),
  );
  yield family(
    'edgeward_endpoint_latency_5m_seconds',
    'summary',
    'Endpoint probe round trip over the last 5 minutes, by quantile.',
    eachEndpoint(({ ep, el, els }) => {
      let out = '';
      for (const [q, v] of [
        ['0.5', ep.p50Ms],
        ['0.95', ep.p95Ms],
        ['0.99', ep.p99Ms],
      ] as const)
        if (v !== null) out += `edgeward_endpoint_latency_5m_seconds${labels({ ...el, quantile: q })} ${num(v / 1000)}\n`;
      return `${out}edgeward_endpoint_latency_5m_seconds_count${els} ${ep.probes}\n`;
    }),
  );
  yield family(
    'edgeward_endpoint_slo_burn_rate',
    'gauge',
    'Error-budget burn rate of the endpoint objective, per window.',
    eachEndpoint(
      ({ ep, el }) =>
        (ep.burnRateShort !== null ? `edgeward_endpoint_slo_burn_rate${labels({ ...el, window: '5m' })} ${num(ep.burnRateShort)}\n` : '') +
        (ep.burnRateLong !== null ? `edgeward_endpoint_slo_burn_rate${labels({ ...el, window: '1h' })} ${num(ep.burnRateLong)}\n` : ''),
    ),
  );
  yield family(
    'edgeward_sessions',
    'gauge',
    'Telemetry sessions by state.',
    [...byState].map(([state, n]) => `edgeward_sessions${labels({ state })} ${n}\n`).join(''),
  );
  yield family(
    'edgeward_queue_depth',
    'gauge',
    "Items waiting in the console's own queues: history writes, audit records a SIEM collector lacks, resolutions for an Alertmanager.",
    (input.queues ?? []).map((q) => `edgeward_queue_depth${labels({ queue: q.queue, target: q.target })} ${q.depth}\n`).join(''),
  );
  if (format === 'openmetrics') yield '# EOF\n';
}

/** The exposition text for a scrape, whole (tests, small fleets). */
export function renderExposition(input: ExpositionInput, format: ExpositionFormat = 'prometheus'): string {
  let text = '';
  for (const chunk of expositionChunks(input, format)) text += chunk;
  return text;
}
