import { useEffect, useState } from 'react';
import { bridge } from '../bridge';
import type { NodeHealth } from '../../../shared/node-health.js';

export interface HealthView {
  byNode: Record<string, NodeHealth>;
  firing: { critical: number; warning: number };
}

/**
 * The health model the main side computes for every node (level, reason, since), refreshed when an
 * alert or a connection changes and every few seconds (ages move on): the one truth every view shows.
 */
export function useHealth(): HealthView | undefined {
  const [view, setView] = useState<HealthView>();
  useEffect(() => {
    let alive = true;
    let queued: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      queued = undefined;
      const r = await bridge.invoke('fleet.health', {});
      if (alive && r.ok) setView({ byNode: Object.fromEntries(r.value.nodes.map((h) => [h.node, h])), firing: r.value.firing });
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
  }, []);
  return view;
}
