import type { DiagnosticsBurstFrame } from '../../../shared/contract/index.js';

/**
 * Emits `count` frames as fast as the event loop allows, in slices so other work (and the
 * unsubscribe) still gets through. Bounded by the contract (≤ 100,000 frames, ≤ 4 KiB each).
 */
export function startBurst(count: number, payloadBytes: number, emit: (frame: DiagnosticsBurstFrame) => void): () => void {
  const payload = 'x'.repeat(payloadBytes);
  let seq = 0;
  let stopped = false;
  const slice = () => {
    const end = Math.min(count, seq + 500);
    while (!stopped && seq < end) emit({ seq: seq++, total: count, payload });
    if (!stopped && seq < count) setImmediate(slice);
  };
  setImmediate(slice);
  return () => {
    stopped = true;
  };
}
