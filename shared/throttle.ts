/**
 * NVML's clock event ("throttle") reasons (nvml.h, `clocks_event_reasons.active` in nvidia-smi), in
 * words: what explains a slow model. The hard ones mean the server cannot hold its clocks (heat or
 * power delivery); the others are settings or an idle GPU.
 */
export const CLOCK_EVENT_REASONS: readonly { bit: number; words: string; hard: boolean }[] = [
  { bit: 0x1, words: 'GPU idle', hard: false },
  { bit: 0x2, words: 'applications clocks setting', hard: false },
  { bit: 0x4, words: 'SW power cap', hard: false },
  { bit: 0x8, words: 'HW slowdown', hard: true },
  { bit: 0x10, words: 'sync boost', hard: false },
  { bit: 0x20, words: 'SW thermal slowdown', hard: true },
  { bit: 0x40, words: 'HW thermal slowdown', hard: true },
  { bit: 0x80, words: 'HW power brake slowdown', hard: true },
  { bit: 0x100, words: 'display clock setting', hard: false },
];

/** The active reasons of a mask as nvidia-smi prints it (`0x0000000000000044`); [] for none or an unreadable value. */
export function clockEventReasons(mask: string | number | null | undefined, only: 'all' | 'hard' = 'all'): string[] {
  const n =
    typeof mask === 'number'
      ? mask
      : typeof mask === 'string' && /^0x[0-9a-f]{1,16}$/i.test(mask.trim())
        ? Number.parseInt(mask.trim(), 16)
        : NaN;
  if (!Number.isFinite(n)) return [];
  return CLOCK_EVENT_REASONS.filter((r) => n & r.bit && (only === 'all' || r.hard)).map((r) => r.words);
}
