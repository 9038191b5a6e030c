import type { FleetNode } from '../fleet.js';
import { LATENCY_BUCKETS_MS, type GpuSample, type TelemetryFrame } from '../telemetry.js';

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

interface Family {
  name: string;
  type: 'gauge' | 'counter' | 'histogram' | 'summary';
  help: string;
  samples: string[];
}

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
}

/** The exposition text for a scrape. */
export function renderExposition(input: ExpositionInput, format: ExpositionFormat = 'prometheus'): string {
  const fams = new Map<string, Family>();
  const fam = (name: string, type: Family['type'], help: string) => {
    let f = fams.get(name);
    if (!f) fams.set(name, (f = { name, type, help, samples: [] }));
    return f;
  };
  for (const g of GPU_FIELDS) fam(g.name, g.type ?? 'gauge', g.help);
  // dcgm-exporter's meaning kept (the last code), but only within the window: 0 once it is over,
  // never a sticky code from last week; the count per code in the window beside it.
  fam('DCGM_FI_DEV_XID_ERRORS', 'gauge', 'Value of the last XID error encountered.');
  const xidCount = fam(
    'DCGM_EXP_XID_ERRORS_COUNT',
    'gauge',
    'Xid errors the kernel reported for this GPU in the last 10 minutes, per code.',
  );
  const reach = fam('edgeward_node_reachable', 'gauge', '1 while the telemetry session of the node is live, 0 when it is lost or stopped.');
  const age = fam('edgeward_node_last_seen_age_seconds', 'gauge', 'Seconds since the node last sent a sample.');
  const rejected = fam('edgeward_node_rejected_lines', 'gauge', 'Lines from the node the decoder refused since its session started.');
  const avail = fam('edgeward_endpoint_availability_ratio', 'gauge', 'Share of the endpoint probes answered over the last 5 minutes.');
  const latency = fam(
    'edgeward_endpoint_latency_seconds',
    'histogram',
    'Round trip of the endpoint probes answered since the telemetry session started.',
  );
  const quantiles = fam(
    'edgeward_endpoint_latency_5m_seconds',
    'summary',
    'Endpoint probe round trip over the last 5 minutes, by quantile.',
  );
  const burn = fam('edgeward_endpoint_slo_burn_rate', 'gauge', 'Error-budget burn rate of the endpoint objective, per window.');
  const sessions = fam('edgeward_sessions', 'gauge', 'Telemetry sessions by state.');
  const byState = new Map<string, number>([
    ['starting', 0],
    ['live', 0],
    ['lost', 0],
    ['stopped', 0],
  ]);

  for (const node of [...input.nodes].sort((a, b) => a.name.localeCompare(b.name))) {
    const f = input.frames.get(node.name);
    if (!f) continue;
    const nodeLabels = { node: node.name, site: node.site, department: node.department, role: node.role };
    byState.set(f.session, (byState.get(f.session) ?? 0) + 1);
    reach.samples.push(`edgeward_node_reachable${labels(nodeLabels)} ${f.session === 'live' ? 1 : 0}`);
    const seen = Math.max(0, ...f.gpus.map((g) => g.at), f.host?.at ?? 0);
    if (seen > 0)
      age.samples.push(`edgeward_node_last_seen_age_seconds${labels(nodeLabels)} ${num(Math.max(0, (input.now - seen) / 1000))}`);
    rejected.samples.push(`edgeward_node_rejected_lines${labels(nodeLabels)} ${f.rejected}`);
    for (const g of [...f.gpus].sort((a, b) => a.index - b.index)) {
      const gl = labels({
        gpu: String(g.index),
        UUID: g.uuid,
        device: `nvidia${g.index}`,
        modelName: g.name,
        Hostname: node.name,
        ...nodeLabels,
      });
      for (const field of GPU_FIELDS) {
        const v = field.value(g);
        if (v !== null) fams.get(field.name)!.samples.push(`${field.name}${gl} ${num(v)}`);
      }
      if (f.xid?.available) {
        const mine = f.xid.recent.filter((x) => x.gpu === g.index).sort((a, b) => a.at - b.at);
        fams.get('DCGM_FI_DEV_XID_ERRORS')!.samples.push(`DCGM_FI_DEV_XID_ERRORS${gl} ${mine.at(-1)?.code ?? 0}`);
        const byCode = new Map<number, number>();
        for (const x of mine) byCode.set(x.code, (byCode.get(x.code) ?? 0) + 1);
        for (const [code, n] of [...byCode].sort((a, b) => a[0] - b[0]))
          xidCount.samples.push(`DCGM_EXP_XID_ERRORS_COUNT${gl.slice(0, -1)},xid="${code}"} ${n}`);
      }
    }
    for (const ep of f.endpoints ?? []) {
      const el = { ...nodeLabels, endpoint: ep.name, model: ep.model, profile: ep.profile };
      if (ep.availabilityPct !== null)
        avail.samples.push(`edgeward_endpoint_availability_ratio${labels(el)} ${num(ep.availabilityPct / 100)}`);
      for (const [q, v] of [
        ['0.5', ep.p50Ms],
        ['0.95', ep.p95Ms],
        ['0.99', ep.p99Ms],
      ] as const) {
        if (v !== null) quantiles.samples.push(`edgeward_endpoint_latency_5m_seconds${labels({ ...el, quantile: q })} ${num(v / 1000)}`);
      }
      quantiles.samples.push(`edgeward_endpoint_latency_5m_seconds_count${labels(el)} ${ep.probes}`);
      const h = ep.histogram;
      if (h && h.buckets.length === LATENCY_BUCKETS_MS.length + 1) {
        LATENCY_BUCKETS_MS.forEach((le, i) =>
          latency.samples.push(`edgeward_endpoint_latency_seconds_bucket${labels({ ...el, le: String(le / 1000) })} ${h.buckets[i]}`),
        );
        latency.samples.push(
          `edgeward_endpoint_latency_seconds_bucket${labels({ ...el, le: '+Inf' })} ${h.buckets[LATENCY_BUCKETS_MS.length]}`,
        );
        latency.samples.push(`edgeward_endpoint_latency_seconds_sum${labels(el)} ${num(h.sumMs / 1000)}`);
        latency.samples.push(`edgeward_endpoint_latency_seconds_count${labels(el)} ${h.count}`);
      }
      if (ep.burnRateShort !== null)
        burn.samples.push(`edgeward_endpoint_slo_burn_rate${labels({ ...el, window: '5m' })} ${num(ep.burnRateShort)}`);
      if (ep.burnRateLong !== null)
        burn.samples.push(`edgeward_endpoint_slo_burn_rate${labels({ ...el, window: '1h' })} ${num(ep.burnRateLong)}`);
    }
  }
  for (const [state, n] of byState) sessions.samples.push(`edgeward_sessions${labels({ state })} ${n}`);

  const out: string[] = [];
  for (const f of fams.values()) {
    if (!f.samples.length) continue;
    out.push(`# HELP ${f.name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
    // OpenMetrics wants a counter's samples to end in _total; dcgm-exporter's counter names do not,
    // so there they are "unknown" (any name allowed), and stay counters in the classic format.
    const type = format === 'openmetrics' && f.type === 'counter' && !f.name.endsWith('_total') ? 'unknown' : f.type;
    out.push(`# TYPE ${f.name} ${type}`);
    out.push(...f.samples);
  }
  if (format === 'openmetrics') out.push('# EOF');
  return out.join('\n') + '\n';
}
