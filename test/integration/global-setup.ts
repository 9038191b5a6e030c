import { down, preflight } from '../testbed/bed.js';

/** Fails fast with the exact missing piece; removes the bed (and checks it left nothing) at the end. */
export function setup(): void {
  preflight();
}

export async function teardown(): Promise<void> {
  const report = await down();
  if (report.leftovers.length > 0) throw new Error(`test bed teardown left things behind:\n${report.leftovers.join('\n')}`);
}
