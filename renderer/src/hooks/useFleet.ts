import { useCallback, useEffect, useRef, useState } from 'react';
import { bridge } from '../bridge';
import { takeEarly } from '../early-requests';
import type { FleetNode, NodeStatus } from '../../../shared/fleet.js';
import type { AppError } from '../../../shared/errors.js';

/**
 * The inventory plus live connection status. Status frames arrive per node; they are merged and
 * rendered at most once per animation frame, so 500 nodes connecting do not mean 500 renders.
 */
export function useFleet() {
  const [nodes, setNodes] = useState<FleetNode[]>();
  const [statuses, setStatuses] = useState<Record<string, NodeStatus>>({});
  const [error, setError] = useState<AppError>();
  const pending = useRef<Record<string, NodeStatus>>({});
  const raf = useRef(0);

  const reload = useCallback(async () => {
    const r = await (takeEarly('fleet.list') ?? bridge.invoke('fleet.list', {}));
    if (!r.ok) return setError(r.error);
    setError(undefined);
    setNodes(r.value.nodes);
    setStatuses((prev) => ({ ...prev, ...Object.fromEntries(r.value.statuses.map((s) => [s.name, s])) }));
  }, []);

  useEffect(() => {
    void reload();
    const stop = bridge.subscribe('fleet.status', {}, (s) => {
      pending.current[s.name] = s;
      if (raf.current) return;
      raf.current = requestAnimationFrame(() => {
        raf.current = 0;
        const batch = pending.current;
        pending.current = {};
        setStatuses((prev) => ({ ...prev, ...batch }));
      });
    });
    return () => {
      stop();
      if (raf.current) cancelAnimationFrame(raf.current);
    };
  }, [reload]);

  return { nodes, statuses, error, reload };
}
