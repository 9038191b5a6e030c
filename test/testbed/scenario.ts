import { z } from 'zod';

/**
 * What one simulated node's GPUs look like and do. Written by the bed per node
 * (`nodes/NAME/scenario.json`); tests rewrite it to inject faults while the node runs.
 */
export const GPU_MODELS = ['l40s', 'h100-80gb-hbm3', 'rtx-4080-super'] as const;
export type GpuModel = (typeof GPU_MODELS)[number];

export const Scenario = z.strictObject({
  /** Which real capture the values come from. */
  model: z.enum(GPU_MODELS).default('l40s'),
  count: z.number().int().min(0).max(16).default(1),
  /** Whole-tool failures, each printing the real tool's message. */
  failure: z.enum(['none', 'no-driver', 'no-devices', 'no-supported-gpus', 'version-mismatch', 'nvml-unknown']).default('none'),
  /** idle and load replay the captures; sine swings between them over periodS. */
  load: z.enum(['idle', 'load', 'sine']).default('idle'),
  periodS: z.number().positive().default(60),
  /** Degrees C added per minute since startedAt (a failing fan), capped at 105. */
  temperatureDriftCPerMin: z.number().default(0),
  eccUncorrectedVolatile: z.number().int().nonnegative().default(0),
  eccCorrectedVolatile: z.number().int().nonnegative().default(0),
  /** GPU `index` is lost `afterS` seconds after startedAt (Xid 79). */
  fallOffBus: z.strictObject({ index: z.number().int().nonnegative(), afterS: z.number().nonnegative() }).optional(),
  /** Kernel Xid events (dmesg) at `afterS` seconds after startedAt, besides the Xid 79 of fallOffBus. */
  xids: z
    .array(z.strictObject({ afterS: z.number().nonnegative(), index: z.number().int().nonnegative(), code: z.number().int().positive() }))
    .default([]),
  /** dmesg refuses to read the kernel log, as with kernel.dmesg_restrict=1 for a non-root user. */
  dmesgRestricted: z.boolean().default(false),
  /** A util-linux older than 2.36 (RHEL 8, Ubuntu 20.04): dmesg has no --follow-new, so the agent polls. */
  dmesgNoFollow: z.boolean().default(false),
  /** Raw cell values by canonical field name, for every GPU (e.g. "pcie.link.width.current": "8"). */
  overrides: z.record(z.string(), z.string()).default({}),
  /** Per-GPU raw overrides, keyed by index. */
  gpuOverrides: z.record(z.string(), z.record(z.string(), z.string())).default({}),
  /** Epoch ms the patterns count from; the bed sets it at start-up. */
  startedAt: z.number().default(0),
  /** Identity seed (uuids, serials) so nodes differ but stay stable. */
  seed: z.string().default('node'),
});
export type Scenario = z.infer<typeof Scenario>;
export type ScenarioInput = z.input<typeof Scenario>;
