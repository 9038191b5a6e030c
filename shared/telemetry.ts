import { z } from 'zod';

/** What the agent prints, one JSON object a line (agents/telemetry.sh). */
export const AgentFrame = z.discriminatedUnion('t', [
  z.object({ t: z.literal('hello'), agent: z.string(), v: z.number(), interval_ms: z.number(), host: z.string(), fields: z.string() }),
  z.object({ t: z.literal('fields'), fields: z.string(), dropped: z.string() }),
  z.object({ t: z.literal('gpu'), csv: z.string().max(8192) }),
  z.object({ t: z.literal('gpu_state'), state: z.enum(['missing', 'error', 'lost', 'stopped']), message: z.string().max(2000) }),
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

export const TelemetryFrame = z.strictObject({
  node: z.string(),
  at: z.number(),
  session: z.enum(['starting', 'live', 'lost', 'stopped']),
  gpuHealth: GpuHealth,
  gpuMessage: z.string().optional(),
  gpus: z.array(GpuSample),
  host: HostSample.optional(),
  /** Lines the decoder refused since the session started (oversized, not JSON, wrong shape). */
  rejected: z.number().int().nonnegative(),
});
export type TelemetryFrame = z.infer<typeof TelemetryFrame>;

/** The hottest GPU of a frame, or null when no GPU reported a temperature. */
export function hottestTemp(frame: TelemetryFrame): number | null {
  const temps = frame.gpus.map((g) => g.tempC).filter((t): t is number => t !== null);
  return temps.length ? Math.max(...temps) : null;
}
