import { isDrained } from '../../../shared/fleet.js';
import type { Inventory } from './inventory.js';

/**
 * Ends drains whose end time has passed, as audited undrains. Every process may run it: the
 * inventory's lock and its "still drained?" check make the first one record it, the others nothing.
 */
export function startDrainExpiry(inventory: Inventory, everyMs = 15_000, onError: (err: unknown) => void = () => undefined): () => void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const now = Date.now();
      for (const n of inventory.list()) if (n.drain && !isDrained(n, now)) await inventory.undrain(n.name, 'ended').catch(onError);
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
