import { z } from 'zod';

/** What the agent prints, one JSON object a line (agents/telemetry.sh). */
export const AgentFrame = z.discriminatedUnion('t', [
  z.object({ t: z.literal('hello'), agent: z.string(), v: z.number(), interval_ms: z.number(), host: z.string(), fields: z.string() }),
  z.object({ t: z.literal('fields'), fields: z.string(), dropped: z.string() }),
  z.object({ t: z.literal('gpu'), csv: z.string().max(8192) }),
  z.object({ t: z.literal('gpu_state'), state: z.enum(['missing', 'error', 'lost', 'stopped']), message: z.string().max(2000) }),
  z.object({ t: z.literal('xid'), line: z.string().max(4000) }),
  z.object({
    t: z.literal('xid_source'),
    available: z.boolean(),
    message: z.string().max(2000).optional(),
    baseline: z.number().optional(),
  }),
  z.object({
    t: z.literal('probe'),
    ep: z.string().max(64),
    ready: z.string().regex(/^\d{3}$/),
    ready_s: z.string().max(32),
    infer: z.string().regex(/^(\d{3})?$/),
    infer_s: z.string().max(32),
  }),
  z.object({ t: z.literal('probe_state'), available: z.boolean(), message: z.string().max(2000) }),
  z.object({
    t: z.literal('ctr'),
    name: z.string().max(256),
    state: z.string().max(64),
    health: z.string().max(64),
    restarts: z.number().int().nonnegative(),
    deployment: z.string().max(256),
    revision: z.string().max(256),
    image: z.string().max(1024),
  }),
  z.object({ t: z.literal('ctr_end'), n: z.number().int().nonnegative(), runtime: z.string().max(32) }),
  z.object({
    t: z.literal('host'),
    load1: z.number(),
    load5: z.number(),
    load15: z.number(),
    mem_total_kb: z.number(),
    mem_avail_kb: z.number(),
    uptime_s: z.number(),
    disk_free_kb: z.number(),
  }),
]);
export type AgentFrame = z.infer<typeof AgentFrame>;

/** One GPU at one moment. A value the driver does not report is null, never 0. */
export const GpuSample = z.strictObject({
  at: z.number(),
  index: z.number().int(),
  uuid: z.string(),
  name: z.string(),
  utilGpu: z.number().nullable(),
  utilMem: z.number().nullable(),
  memUsedMiB: z.number().nullable(),
  memTotalMiB: z.number().nullable(),
  tempC: z.number().nullable(),
  powerW: z.number().nullable(),
  powerLimitW: z.number().nullable(),
  smClockMHz: z.number().nullable(),
  eccCorrected: z.number().nullable(),
  eccUncorrected: z.number().nullable(),
  pcieGen: z.number().nullable(),
  pcieWidth: z.number().nullable(),
  pstate: z.string().nullable(),
  throttleReasons: z.string().nullable(),
  /** `00000000:01:00.0`: ties kernel Xid lines (which name the PCI bus) to a GPU index. */
  pciBusId: z.string().nullable().optional(),
  /** When the node took the sample, in the node's local time as nvidia-smi prints it (no zone). */
  sampledAt: z.string().nullable().optional(),
});
export type GpuSample = z.infer<typeof GpuSample>;

export const HostSample = z.strictObject({
  at: z.number(),
  load1: z.number(),
  memUsedPct: z.number().nullable(),
  uptimeS: z.number(),
  diskFreeGiB: z.number(),
});
export type HostSample = z.infer<typeof HostSample>;

/** The GPU side of a node as a state, so a broken driver is data, not a dead stream. */
export const GpuHealth = z.enum(['ok', 'missing', 'error', 'lost', 'unknown']);
export type GpuHealth = z.infer<typeof GpuHealth>;

/** One inference endpoint as the latest probes see it, with its SLO judged over sliding windows. */
export const EndpointStatus = z.strictObject({
  name: z.string(),
  /** The DICOM round trip (study in, AI result back); absent for the OIP probe. */
  probe: z.literal('dicom').optional(),
  model: z.string().optional(),
  profile: z.enum(['radiology', 'ehr-batch', 'cds']).optional(),
  /** Last probe: ready check passed (and the infer request, when a model is set). */
  lastOk: z.boolean().nullable(),
  lastMs: z.number().nullable(),
  lastError: z.string().optional(),
  /** Over the short window (5 min). */
  probes: z.number().int(),
  p50Ms: z.number().nullable(),
  p95Ms: z.number().nullable(),
  p99Ms: z.number().nullable(),
  availabilityPct: z.number().nullable(),
  /** The objective in words ("p95 < 1000 ms"), whether the short window meets it, and burn rates. */
  objective: z.string().nullable(),
  /** The latency line to draw on charts, when the objective has one. */
  objectiveMs: z.number().nullable(),
  meetsSlo: z.boolean().nullable(),
  burnRateShort: z.number().nullable(),
  burnRateLong: z.number().nullable(),
  /**
   * Answered probes' latency since the session started, cumulative per bucket (upper bounds in
   * LATENCY_BUCKETS_MS, then +Inf): what a Prometheus histogram needs.
   */
  histogram: z.strictObject({ buckets: z.array(z.number().int()), sumMs: z.number(), count: z.number().int() }).optional(),
});
/** Histogram bucket upper bounds (ms): from a fast CDS answer to a slow batch job. */
export const LATENCY_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] as const;
export type EndpointStatus = z.infer<typeof EndpointStatus>;

/** A container Edgeward manages on the node (labelled io.edgeward.deployment). */
export const ContainerStatus = z.strictObject({
  name: z.string(),
  state: z.string(),
  health: z.string(),
  restarts: z.number().int(),
  deployment: z.string(),
  revision: z.string(),
  image: z.string(),
});
export type ContainerStatus = z.infer<typeof ContainerStatus>;

/** An NVIDIA Xid event parsed from the node's kernel log. */
export const XidEvent = z.strictObject({
  at: z.number(),
  code: z.number().int(),
  pci: z.string(),
  gpu: z.number().int().nullable(),
  text: z.string(),
});
export type XidEvent = z.infer<typeof XidEvent>;

export const TelemetryFrame = z.strictObject({
  node: z.string(),
  at: z.number(),
  session: z.enum(['starting', 'live', 'lost', 'stopped']),
  gpuHealth: GpuHealth,
  gpuMessage: z.string().optional(),
  /** Set when the session waits for a person (a key to trust, a login to fix, a node to enable): not an outage. */
  parked: z.string().max(500).optional(),
  gpus: z.array(GpuSample),
  host: HostSample.optional(),
  /** Lines the decoder refused since the session started (oversized, not JSON, wrong shape). */
  rejected: z.number().int().nonnegative(),
  /** What the node sent beyond the per-node bounds, counted and not kept (a node that lies cannot grow the console). */
  dropped: z
    .strictObject({
      gpus: z.number().int().nonnegative(),
      containers: z.number().int().nonnegative(),
      xids: z.number().int().nonnegative(),
    })
    .optional(),
  endpoints: z.array(EndpointStatus).optional(),
  /**
   * Absent until the agent's first container snapshot; runtime "none" when neither docker nor podman
   * exists. `at` is when the snapshot arrived: the agent takes one every 30 intervals (a runtime call
   * is its costliest work), so the view says how old the list is.
   */
  containers: z.strictObject({ runtime: z.string(), at: z.number().int().optional(), list: z.array(ContainerStatus) }).optional(),
  /** Xid events within the alert window (10 min); `available` false when the kernel log cannot be read. */
  xid: z.strictObject({ available: z.boolean().nullable(), message: z.string().optional(), recent: z.array(XidEvent) }).optional(),
});
export type TelemetryFrame = z.infer<typeof TelemetryFrame>;

/**
 * Bounds on what one node can make the console keep. Real servers have at most 16 GPUs (HGX) and
 * tens of containers; beyond these a node is broken or hostile, and the excess is counted instead.
 */
export const NODE_BOUNDS = { gpus: 16, gpuIndexMax: 63, containers: 256, xids: 100 } as const;

/** The hottest GPU of a frame, or null when no GPU reported a temperature. */
export function hottestTemp(frame: TelemetryFrame): number | null {
  const temps = frame.gpus.map((g) => g.tempC).filter((t): t is number => t !== null);
  return temps.length ? Math.max(...temps) : null;
}

/** One node in the fleet overview: its worst signal in words, a few numbers, and sparklines. */
export const NodeSummary = z.strictObject({
  node: z.string(),
  session: z.enum(['starting', 'live', 'lost', 'stopped']),
  /** When the numbers were measured (the last sample, not the time of this frame). */
  at: z.number().nullable(),
  level: z.enum(['ok', 'warning', 'critical', 'unknown']),
  worst: z.string(),
  hottestC: z.number().nullable(),
  utilPct: z.number().nullable(),
  p95Ms: z.number().nullable(),
  gpus: z.number().int(),
  /** Oldest first, one value a sample: mean utilization and hottest temperature across the GPUs. */
  sparkUtil: z.array(z.number().nullable()).max(120),
  sparkTemp: z.array(z.number().nullable()).max(120),
});
export type NodeSummary = z.infer<typeof NodeSummary>;

export const FleetTelemetryFrame = z.strictObject({ at: z.number(), nodes: z.array(NodeSummary) });
export type FleetTelemetryFrame = z.infer<typeof FleetTelemetryFrame>;

/** A chart's worth of history, already downsampled to at most the requested points. */
/** Ranges of the history charts; hourly rollups are kept a year, so a year is the longest. */
export const HistoryRange = z.enum(['1h', '24h', '7d', '30d', '1y']);
export type HistoryRange = z.infer<typeof HistoryRange>;
export const RANGE_MS: Record<HistoryRange, number> = {
  '1h': 3600_000,
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
  '30d': 30 * 86_400_000,
  '1y': 365 * 86_400_000,
};
