import { useSyncExternalStore } from 'react';
import { bridge } from '../bridge';
import { takeEarly } from '../early-requests';
import type { NodeHealth } from '../../../shared/node-health.js';

export interface HealthView {
  byNode: Record<string, NodeHealth>;
  firing: { critical: number; warning: number };
}

let current: HealthView | undefined;
const listeners = new Set<() => void>();

/** One feed for the whole window, however many components show health: one request per refresh, not one each. */
function startFeed(): () => void {
  let alive = true;
  let queued: ReturnType<typeof setTimeout> | undefined;
  const load = async () => {
    queued = undefined;
    const r = await (takeEarly('fleet.health') ?? bridge.invoke('fleet.health', {}));
    if (!alive || !r.ok) return;
    current = { byNode: Object.fromEntries(r.value.nodes.map((h) => [h.node, h])), firing: r.value.firing };
    for (const l of listeners) l();
  };
  // Bursts of changes (a fleet connecting) cost one request, not one each.
  const soon = () => {
    queued ??= setTimeout(() => void load(), 250);
  };
  void load();
  const timer = setInterval(() => void load(), 5000);
  const stops = [bridge.subscribe('alerts', {}, soon), bridge.subscribe('fleet.status', {}, soon)];
  return () => {
    alive = false;
    clearInterval(timer);
    if (queued) clearTimeout(queued);
    for (const stop of stops) stop();
  };
}

let stopFeed: (() => void) | undefined;
function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  stopFeed ??= startFeed();
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) {
      stopFeed?.();
      stopFeed = undefined;
    }
  };
}

/**
 * The health model the main side computes for every node (level, reason, since), refreshed when an
 * alert or a connection changes and every few seconds (ages move on): the one truth every view shows.
 */
export function useHealth(): HealthView | undefined {
  return useSyncExternalStore(subscribe, () => current);
}
