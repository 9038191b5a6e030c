import { z } from 'zod';
import { Selection } from './fleet.js';

/** Read-only checks a person may run on any selection without a confirm step. */
export const PALETTE = [
  {
    id: 'gpu-summary',
    label: 'GPU summary',
    command: 'nvidia-smi --query-gpu=index,name,temperature.gpu,utilization.gpu,memory.used,memory.total --format=csv,noheader',
  },
  { id: 'disk', label: 'Disk space', command: 'df -h /' },
  { id: 'uptime', label: 'Uptime and load', command: 'uptime' },
  { id: 'containers', label: 'Running containers', command: "docker ps --format '{{.Names}}\\t{{.Image}}\\t{{.Status}}'" },
] as const;
export type PaletteId = (typeof PALETTE)[number]['id'];

export const FleetRunRequest = z.strictObject({
  selection: Selection,
  /** A palette entry, or a free command (which needs `confirmed`). */
  palette: z.enum(PALETTE.map((p) => p.id) as [PaletteId, ...PaletteId[]]).optional(),
  command: z.string().min(1).max(8192).optional(),
  confirmed: z.boolean().default(false),
  concurrency: z.number().int().min(1).max(256).default(32),
  timeoutS: z.number().int().min(1).max(3600).default(60),
});
export type FleetRunRequest = z.infer<typeof FleetRunRequest>;

export const NodeRunOutcome = z.enum([
  'ok',
  'failed',
  'unreachable',
  'timeout',
  'cancelled',
  'auth-failed',
  'hostkey',
  'disabled',
  'not-found',
]);
export type NodeRunOutcome = z.infer<typeof NodeRunOutcome>;

export const NodeRunResult = z.strictObject({
  node: z.string(),
  outcome: NodeRunOutcome,
  exitCode: z.number().int().nullable(),
  stdout: z.string(),
  stderr: z.string(),
  /** Bytes beyond the kept output, not shown. */
  droppedBytes: z.number().int().nonnegative(),
  durationMs: z.number().int().nonnegative(),
  message: z.string().optional(),
  action: z.string().optional(),
  fingerprint: z.string().optional(),
});
export type NodeRunResult = z.infer<typeof NodeRunResult>;

export const FleetRunSummary = z.strictObject({
  runId: z.string(),
  command: z.string(),
  total: z.number().int(),
  counts: z.record(NodeRunOutcome, z.number().int()),
  durationMs: z.number().int(),
  results: z.array(NodeRunResult),
});
export type FleetRunSummary = z.infer<typeof FleetRunSummary>;

export const FleetRunFrame = z.union([
  z.strictObject({ runId: z.string(), node: z.string(), stream: z.enum(['stdout', 'stderr']), text: z.string() }),
  z.strictObject({ runId: z.string(), node: z.string(), done: NodeRunResult }),
  z.strictObject({ runId: z.string(), summary: FleetRunSummary }),
]);
export type FleetRunFrame = z.infer<typeof FleetRunFrame>;
