import { dicomSeries, type DicomIngress, type DicomProbeErrorKind, type DicomRoundTrip } from '../../../shared/clinical/dicom-target.js';
import { sleep } from '../deploy/node-exec.js';
import type { Endpoint, FleetNode, WorkloadProfile } from '../../../shared/fleet.js';
import type { Probe, SloTarget } from '../../../shared/slo.js';
import type { EndpointStatus } from '../../../shared/telemetry.js';
import { EndpointTracker } from './endpoint-probes.js';

/** Runs one DICOM round trip on a node (over SSH in the app, anything alike in tests). */
export type DicomRunner = (node: string, target: DicomIngress, signal: AbortSignal) => Promise<DicomRoundTrip>;

/**
 * Failures of the probe itself, not of the AI's path: they say why no sample was taken and do not
 * count against the SLO (a missing dcmtk is not the AI being down).
 */
// The PACS not answering QIDO is the result destination's fault, not the AI's: shown, not counted.
const PROBE_SIDE = new Set<DicomProbeErrorKind>(['tools', 'generate', 'result_port', 'pacs', 'pacs_refused']);

/** For the session's audit record: each round trip stores a synthetic study at the AI, so say which run and how often. */
export function dicomSchedule(n: FleetNode): { dicomRoundTrips?: string[] } {
  const eps = n.endpoints.filter((e) => e.dicom);
  return eps.length ? { dicomRoundTrips: eps.map((e) => `${e.name} every ${e.dicom!.intervalMs / 1000} s`) } : {};
}

interface DicomLoop {
  config: string;
  tracker: EndpointTracker;
  abort: AbortController;
}

/**
 * A node's inference endpoints as the telemetry session judges them: one tracker per endpoint for
 * the agent's OIP probes, and, for an endpoint with a DICOM ingress, a loop of timed round trips
 * with a tracker of its own, so the radiology SLO and its burn-rate alerts see what a study sees.
 */
export class NodeEndpoints {
  private oip = new Map<string, EndpointTracker>();
  private dicom = new Map<string, DicomLoop>();
  private stopped = false;
  /** The node's round trips run one at a time: endpoints often share the port results come back on. */
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly node: string,
    private readonly deps: {
      slo: (profile: WorkloadProfile) => SloTarget;
      runDicom: DicomRunner;
      /** Each judged sample, for the history (`series` is the endpoint's name, or dicomSeries of it). */
      onSample: (series: string, probe: Probe) => void;
      /** Something changed that a frame should show. */
      changed: () => void;
    },
  ) {}

  /** Follows the node's endpoints as the inventory has them; unchanged ones keep their samples. */
  configure(config: FleetNode, probeIntervalMs: number): void {
    const oip = new Map<string, EndpointTracker>();
    const dicom = new Map<string, DicomLoop>();
    for (const ep of config.endpoints) {
      const profile = ep.profile ?? config.profiles[0];
      const prev = this.oip.get(ep.name);
      const same = prev && JSON.stringify(prev.endpoint) === JSON.stringify(ep);
      oip.set(ep.name, same ? prev : new EndpointTracker(ep, profile, this.deps.slo, probeIntervalMs));
      if (!ep.dicom) continue;
      const key = JSON.stringify([ep, profile]);
      const loop = this.dicom.get(ep.name);
      if (loop && loop.config === key) {
        dicom.set(ep.name, loop);
        this.dicom.delete(ep.name);
      } else dicom.set(ep.name, this.startDicom(ep, ep.dicom, profile, key));
    }
    for (const gone of this.dicom.values()) gone.abort.abort();
    this.oip = oip;
    this.dicom = dicom;
  }

  oipTracker(name: string): EndpointTracker | undefined {
    return this.oip.get(name);
  }

  /** The node cannot run the agent's probes (no curl). */
  oipUnavailable(message: string): void {
    for (const t of this.oip.values()) t.unavailable(message);
  }

  /** Each endpoint's OIP status, its DICOM round trip's right after it. */
  statuses(now: number): EndpointStatus[] {
    const out: EndpointStatus[] = [];
    for (const [name, t] of this.oip) {
      out.push(t.status(now));
      const d = this.dicom.get(name);
      if (d) out.push(d.tracker.status(now));
    }
    return out;
  }

  stop(): void {
    this.stopped = true;
    for (const d of this.dicom.values()) d.abort.abort();
    this.dicom.clear();
  }

  private startDicom(ep: Endpoint, target: DicomIngress, profile: WorkloadProfile | undefined, config: string): DicomLoop {
    const tracker = new EndpointTracker(ep, profile, this.deps.slo, target.intervalMs, 'dicom');
    const loop: DicomLoop = { config, tracker, abort: new AbortController() };
    void this.runDicom(ep.name, target, loop);
    return loop;
  }

  /** One round trip at a time per endpoint, started every interval (a slow one delays the next). */
  private async runDicom(name: string, target: DicomIngress, loop: DicomLoop): Promise<void> {
    const { signal } = loop.abort;
    while (!signal.aborted && !this.stopped) {
      const started = Date.now();
      try {
        const mine = this.turn.then(() => (signal.aborted ? undefined : this.deps.runDicom(this.node, target, signal)));
        this.turn = mine.catch(() => undefined);
        const r = await mine;
        if (!r || signal.aborted) return;
        if (r.ok || !r.error || !PROBE_SIDE.has(r.error.kind)) {
          const at = Date.now();
          const probe: Probe = r.ok ? { at, ok: true, ...(r.resultMs !== undefined ? { latencyMs: r.resultMs } : {}) } : { at, ok: false };
          loop.tracker.recordSample(r.error ? { probe, error: `${r.error.message}. ${r.error.next}` } : { probe });
          this.deps.onSample(dicomSeries(name), probe);
        } else loop.tracker.unavailable(`DICOM probe could not run: ${r.error.message}. ${r.error.next}`);
      } catch (err) {
        if (signal.aborted) return;
        // The node could not be reached: its session says so; the AI's SLO is not judged on it.
        loop.tracker.unavailable(`DICOM probe could not run: ${err instanceof Error ? err.message : String(err)}`);
      }
      this.deps.changed();
      await sleep(Math.max(0, target.intervalMs - (Date.now() - started)), signal);
    }
  }
}
