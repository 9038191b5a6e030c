import type { Router } from '../../ipc/router.js';
import type { SecretStore } from '../../services/ssh/secrets.js';
import { prometheusHistory } from '../../services/telemetry/prometheus-history.js';
import type { Inventory } from '../../services/fleet/inventory.js';
import type { SettingsService } from '../../services/settings/settings-service.js';
import type { AlertEngine } from '../../services/telemetry/alerts.js';
import type { HistoryStore } from '../../services/telemetry/history.js';
import { historyCsv, historyForChart } from '../../services/telemetry/history-view.js';
import type { TelemetryService } from '../../services/telemetry/telemetry-service.js';
import { hottestTemp } from '../../../shared/telemetry.js';
import { fleetHealth } from '../../services/fleet/fleet-health.js';
import type { SshPool } from '../../services/ssh/pool.js';

export interface TelemetryDeps {
  pool: SshPool;
  telemetry: TelemetryService;
  history: HistoryStore;
  alerts: AlertEngine;
  inventory: Inventory;
  settings: SettingsService;
  /** Holds the Prometheus bearer token (`prometheus-token`), when one is set. */
  secrets?: SecretStore;
}

/** Live telemetry, its history, the alerts it raises, and the health of every node computed from them. */
export function registerTelemetry(router: Router, d: TelemetryDeps): void {
  const { telemetry, history, alerts, inventory, settings } = d;
  router
    .handle('fleet.health', () => fleetHealth(d))
    .handle('alerts.list', () => ({ alerts: alerts.list() }))
    .handle('alerts.history', (q) => ({ events: alerts.history(q) }))
    .handle('telemetry.lastFrame', ({ node }) => {
      const k = history.lastKnownOf(node);
      return { known: k ? { at: k.at, frame: k.frame } : null };
    })
    .handle('telemetry.lastKnown', () => ({
      nodes: history.lastKnown().map((k) => ({
        node: k.node,
        at: k.at,
        gpuHealth: k.frame.gpuHealth,
        gpus: k.frame.gpus.length,
        hottestC: hottestTemp(k.frame),
      })),
    }))
    .handle('telemetry.history', async ({ node, range, to, maxPoints }) => {
      const local = historyForChart(history, inventory.get(node), node, range, maxPoints, settings.get().slo, to);
      const url = settings.get().prometheusUrl;
      if (!url) return { ...local, source: 'local' as const };
      // Prometheus for the GPU rows when it answers; the local history (and latency) otherwise, saying why.
      try {
        const p = await prometheusHistory(
          url,
          d.secrets?.get('prometheus-token') ?? process.env.EDGEWARD_PROMETHEUS_TOKEN,
          node,
          range,
          maxPoints,
          local.to,
        );
        return { ...local, from: p.from, gpus: p.gpus, points: p.points, source: 'prometheus' as const, stepS: p.stepS };
      } catch (err) {
        return {
          ...local,
          source: 'local' as const,
          fallback: `Prometheus at ${url} did not answer (${(err as Error).message}): local history shown`,
        };
      }
    })
    .handle('telemetry.exportCsv', ({ node, range }) => historyCsv(history, node, range))
    .handle('alerts.ack', ({ id, note, silenceMinutes }) => alerts.acknowledge(id, note, silenceMinutes))
    .handle('alerts.silence', (m) => alerts.silence(m))
    .handle('alerts.unsilence', ({ id }) => alerts.unsilence(id))
    .handle('alerts.silences', () => ({ silences: alerts.silences() }))
    .topic('telemetry.node', ({ node }, emit) => telemetry.watch(node, emit))
    .topic('telemetry.fleet', (_params, emit) => telemetry.watchFleet(emit))
    .topic('alerts', (_params, emit) => alerts.onChange(emit));
}
