import type { ServiceSpec } from '../../../shared/service/service-spec.js';
import type { HistoryStore } from '../telemetry/history.js';
import type { ChangeGuard } from './change-guard.js';
import { probeFrontDoor } from './front-door.js';
import type { ServiceCatalog } from './service-catalog.js';

/** The history series of a service: its front door, or else "any member ready". */
export function serviceSeries(spec: ServiceSpec): { node: string; endpoint: string } {
  return { node: `service:${spec.name}`, endpoint: spec.frontDoor ? 'front-door' : 'members' };
}

/**
 * Probes every service on a schedule, the way clinicians would reach it (its front door; without
 * one, whether any member answers ready), into the history store: the 30-day availability and
 * error budget come from these samples. Long-running processes only (the CLI runs one command).
 */
export function startServiceRecorder(
  catalog: ServiceCatalog,
  guard: ChangeGuard,
  history: HistoryStore,
  everyMs = 30_000,
  onError: (err: unknown) => void = () => undefined,
): () => void {
  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      for (const s of catalog.list()) {
        if (!s.service) continue;
        const spec = s.service.spec;
        const { node, endpoint } = serviceSeries(spec);
        const at = Date.now();
        if (spec.frontDoor) {
          const r = await probeFrontDoor(spec.frontDoor);
          history.recordProbe(node, endpoint, { at, ok: r.ok, ...(r.latencyMs !== undefined ? { latencyMs: r.latencyMs } : {}) });
        } else {
          const states = await Promise.all(spec.members.map((m) => guard.probe(m, guard.readyOf(spec))));
          const best = states.filter((x) => x.healthy).sort((a, b) => (a.latencyMs ?? 0) - (b.latencyMs ?? 0))[0];
          history.recordProbe(node, endpoint, {
            at,
            ok: best !== undefined,
            ...(best?.latencyMs !== undefined ? { latencyMs: best.latencyMs } : {}),
          });
        }
      }
    } catch (err) {
      onError(err);
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), everyMs);
  timer.unref();
  void tick();
  return () => clearInterval(timer);
}
