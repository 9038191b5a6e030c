import { attributeToGateways, nodeHealth, type NodeHealth } from '../../../shared/node-health.js';
import { hottestTemp } from '../../../shared/telemetry.js';
import { isDrained } from '../../../shared/fleet.js';
import type { SshPool } from '../ssh/pool.js';
import type { AlertEngine } from '../telemetry/alerts.js';
import type { HistoryStore } from '../telemetry/history.js';
import type { TelemetryService } from '../telemetry/telemetry-service.js';
import type { Inventory } from './inventory.js';

export interface FleetHealthDeps {
  inventory: Inventory;
  pool: SshPool;
  telemetry: TelemetryService;
  history: HistoryStore;
  alerts: AlertEngine;
}

export interface FleetHealth {
  nodes: NodeHealth[];
  /** Firing alerts by severity, fleet-wide, silenced ones left out (the nav's count). */
  firing: { critical: number; warning: number };
}

/**
 * Every node's health, computed here once from the inventory, its connection, its telemetry (the
 * running session, else the last known sample) and its firing alerts; the views and the CLI show it.
 */
export function fleetHealth(d: FleetHealthDeps, now = Date.now()): FleetHealth {
  const alerts = d.alerts.list().filter((a) => a.state === 'firing');
  const known = new Map(d.history.lastKnown().map((k) => [k.node, k]));
  const inventory = d.inventory.list();
  const each = inventory.map((n) => {
    const live = d.telemetry.sampleState(n.name);
    const last = known.get(n.name);
    const telemetry =
      live && (live.at !== null || !last)
        ? live
        : last
          ? { session: live?.session ?? ('stopped' as const), at: last.at, hottestC: hottestTemp(last.frame) }
          : live;
    return nodeHealth({
      node: n.name,
      enabled: n.enabled,
      ...(n.disabledReason ? { disabledReason: n.disabledReason } : {}),
      ...(d.pool.statusOf(n.name) ? { connection: d.pool.statusOf(n.name)! } : {}),
      ...(telemetry ? { telemetry } : {}),
      gateway: n.role === 'gateway',
      ...(n.drain ? { drain: n.drain } : {}),
      alerts: alerts.filter((a) => a.node === n.name),
      now,
    });
  });
  const nodes = attributeToGateways(each, new Map(inventory.map((n) => [n.name, n.via])));
  // A drained node's alerts are recorded, not counted: its maintenance is expected to raise some.
  const drained = new Set(inventory.filter((n) => isDrained(n, now)).map((n) => n.name));
  const counted = alerts.filter((a) => !a.silenced && !drained.has(a.node));
  return {
    nodes,
    firing: {
      critical: counted.filter((a) => a.severity === 'critical').length,
      warning: counted.filter((a) => a.severity === 'warning').length,
    },
  };
}
