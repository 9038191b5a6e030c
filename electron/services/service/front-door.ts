import type { FrontDoorState } from '../../../shared/service/service-health.js';
import type { FrontDoor } from '../../../shared/service/service-spec.js';

/**
 * One request to a service's front door from this console, the way a client would call it: a 2xx
 * answer within the timeout is up. No redirect is followed (a VIP that redirects is misconfigured).
 */
export async function probeFrontDoor(door: FrontDoor, signal?: AbortSignal): Promise<FrontDoorState> {
  const started = performance.now();
  const timeout = AbortSignal.timeout(door.timeoutMs);
  try {
    const res = await fetch(door.url, {
      redirect: 'manual',
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      headers: { 'user-agent': 'edgeward-front-door-probe' },
    });
    await res.body?.cancel().catch(() => undefined);
    const latencyMs = Math.round(performance.now() - started);
    const ok = res.status >= 200 && res.status < 300;
    return { url: door.url, ok, latencyMs, detail: `HTTP ${res.status} in ${latencyMs} ms` };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const why =
      e.name === 'TimeoutError' || timeout.aborted
        ? `no answer within ${door.timeoutMs} ms`
        : (e.cause?.code ?? e.cause?.message ?? e.message).slice(0, 200);
    return { url: door.url, ok: false, detail: why };
  }
}
