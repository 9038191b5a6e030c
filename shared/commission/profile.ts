import { parseDocument, LineCounter } from 'yaml';
import { z } from 'zod';

/** Versions like 550.127.05 or 12.4, compared part by part as numbers. */
const VERSION = /^\d+(\.\d+){0,3}$/;

/**
 * What a new GPU server must be before it joins the fleet, as the site's hardware standard says:
 * e.g. 4 × NVIDIA L40S 48 GB, driver ≥ 550, CUDA ≥ 12.4, PCIe Gen4 x16, 2 TB model volume.
 */
export const HardwareProfile = z.strictObject({
  name: z.string().min(1).max(100),
  gpu: z.strictObject({
    /** Matched against nvidia-smi's name, case-insensitively ("L40S" matches "NVIDIA L40S"). */
    model: z.string().min(1).max(100),
    count: z.number().int().min(1).max(16),
    minMemoryMiB: z.number().int().min(0).default(0),
  }),
  driverMin: z.string().regex(VERSION, 'a version like 550.54.15').optional(),
  cudaMin: z.string().regex(VERSION, 'a version like 12.4').optional(),
  pcie: z.strictObject({ gen: z.number().int().min(1).max(6), width: z.number().int().min(1).max(32) }).optional(),
  eccRequired: z.boolean().default(true),
  persistenceMode: z.boolean().default(true),
  idle: z.strictObject({ maxTempC: z.number().default(60), maxPowerW: z.number().optional() }).default({ maxTempC: 60 }),
  modelVolume: z
    .strictObject({ path: z.string().regex(/^\/[A-Za-z0-9._/-]{0,4095}$/, 'an absolute path'), minFreeGiB: z.number().min(0) })
    .optional(),
  minMemoryGiB: z.number().min(0).optional(),
  maxClockSkewMs: z.number().min(1).default(500),
  containerRuntime: z.boolean().default(true),
  /** An image present on the node, run with every GPU to prove a container sees them. */
  testImage: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._/:@-]{0,254}$/, 'an image reference')
    .optional(),
  /** What the test container runs; its output must show a GPU ("GPU 0:" or /dev/nvidia0). */
  testCommand: z.array(z.string().max(1000)).min(1).max(32).default(['nvidia-smi', '-L']),
});
export type HardwareProfile = z.infer<typeof HardwareProfile>;

export function parseProfile(text: string): { profile: HardwareProfile; problems: [] } | { profile?: undefined; problems: string[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  if (doc.errors.length) return { problems: doc.errors.map((e) => `line ${lines.linePos(e.pos[0]).line}: ${e.message.split('\n')[0]}`) };
  const r = HardwareProfile.safeParse(doc.toJS());
  if (r.success) return { profile: r.data, problems: [] };
  return { problems: r.error.issues.map((i) => `${i.path.join('.') || 'profile'}: ${i.message}`) };
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}
