import type { Endpoint, WorkloadProfile } from '../../../shared/fleet.js';
import { BURN_WINDOWS, burnFromCounts, describeSlo, isBadProbe, meetsSlo, type Probe, type SloTarget } from '../../../shared/slo.js';
import { percentile } from '../../../shared/stats.js';
import { LATENCY_BUCKETS_MS, type EndpointStatus } from '../../../shared/telemetry.js';
import { ProbeRing } from './compact-rings.js';

/** What the agent reports for one probe: HTTP status codes ("000" = no answer) and curl's seconds. */
export interface ProbeReport {
  ready: string;
  readySeconds: string;
  infer: string;
  inferSeconds: string;
}

/** One probe as an SLO sample: ok only when ready (and the infer request, if any) answered 200. */
export function probeOf(endpoint: Endpoint, r: ProbeReport, at: number): { probe: Probe; error?: string } {
  const seconds = (s: string) => {
    const n = Number(s);
    return Number.isFinite(n) && n >= 0 ? Math.round(n * 100_000) / 100 : undefined;
  };
  if (r.ready !== '200') {
    const error =
      r.ready === '000'
        ? `no answer on port ${endpoint.port} (server down, refusing, or slower than 5 s)`
        : `ready check answered HTTP ${r.ready} (model not ready)`;
    return { probe: { at, ok: false }, error };
  }
  if (endpoint.model) {
    if (r.infer !== '200') {
      const error =
        r.infer === '000' || r.infer === ''
          ? `infer request to ${endpoint.model} got no answer within 5 s`
          : `infer request to ${endpoint.model} answered HTTP ${r.infer}`;
      return { probe: { at, ok: false }, error };
    }
    const ms = seconds(r.inferSeconds);
    return { probe: ms === undefined ? { at, ok: true } : { at, ok: true, latencyMs: ms } };
  }
  const ms = seconds(r.readySeconds);
  return { probe: ms === undefined ? { at, ok: true } : { at, ok: true, latencyMs: ms } };
}

/**
 * The probes of one endpoint for the longest SLO window (1 h), and its status: percentiles and
 * availability over the short window, burn rates over both. Status is recomputed at most once a
 * second, however often frames are published.
 */
export class EndpointTracker {
  private readonly probes: ProbeRing;
  private last: { probe: Probe; error?: string } | undefined;
  private cached: { at: number; status: EndpointStatus } | undefined;
  /** Cumulative counts per bucket (the last is +Inf), their sum and count: never reset while the session lives. */
  private readonly hist = { buckets: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0), sumMs: 0, count: 0 };

  constructor(
    readonly endpoint: Endpoint,
    private readonly profile: WorkloadProfile | undefined,
    private readonly slo: (profile: WorkloadProfile) => SloTarget,
    intervalMs: number,
    /** Which probe this tracker judges: the OIP request (the agent's curl) or the DICOM round trip. */
    readonly kind: 'oip' | 'dicom' = 'oip',
  ) {
    this.probes = new ProbeRing(Math.ceil(BURN_WINDOWS.longMs / Math.max(50, intervalMs)) + 10);
  }

  /** The node cannot probe at all (no curl): say so instead of showing an empty endpoint. */
  unavailable(message: string): void {
    this.last = { probe: { at: Date.now(), ok: false }, error: message };
    this.cached = undefined;
  }

  record(report: ProbeReport, at: number): Probe {
    return this.recordSample(probeOf(this.endpoint, report, at));
  }

  /** One judged sample, whichever probe made it. */
  recordSample(sample: { probe: Probe; error?: string }): Probe {
    this.last = sample;
    this.probes.push(sample.probe.at, sample.probe.ok, sample.probe.latencyMs);
    const ms = this.last.probe.ok ? this.last.probe.latencyMs : undefined;
    if (ms !== undefined) {
      LATENCY_BUCKETS_MS.forEach((le, i) => {
        if (ms <= le) this.hist.buckets[i]!++;
      });
      this.hist.buckets[LATENCY_BUCKETS_MS.length]!++;
      this.hist.sumMs += ms;
      this.hist.count++;
    }
    this.cached = undefined;
    return this.last.probe;
  }

  status(now: number): EndpointStatus {
    if (this.cached && now - this.cached.at < 1000) return this.cached.status;
    const target = this.profile ? this.slo(this.profile) : undefined;
    // One pass, newest first: the short window's latencies and counts, and both windows' bad counts.
    const shortFrom = now - BURN_WINDOWS.shortMs;
    const latencies: number[] = [];
    let shortN = 0;
    let shortOk = 0;
    let shortBad = 0;
    let longN = 0;
    let longBad = 0;
    for (const p of this.probes.since(now - BURN_WINDOWS.longMs)) {
      if (p.at > now) continue;
      const bad = target ? isBadProbe(p, target) : false;
      longN++;
      if (bad) longBad++;
      if (p.at < shortFrom) continue;
      shortN++;
      if (bad) shortBad++;
      if (p.ok) {
        shortOk++;
        if (p.latencyMs !== undefined) latencies.push(p.latencyMs);
      }
    }
    const short = {
      probes: shortN,
      p50Ms: percentile(latencies, 50),
      p95Ms: percentile(latencies, 95),
      p99Ms: percentile(latencies, 99),
      availabilityPct: shortN ? (100 * shortOk) / shortN : undefined,
    };
    const judged = (bad: number, n: number) => (target && n >= BURN_WINDOWS.minProbes ? (burnFromCounts(bad, n, target) ?? null) : null);
    const status: EndpointStatus = {
      name: this.endpoint.name,
      ...(this.kind === 'dicom' ? { probe: 'dicom' as const } : {}),
      ...(this.endpoint.model && this.kind === 'oip' ? { model: this.endpoint.model } : {}),
      ...(this.profile ? { profile: this.profile } : {}),
      lastOk: this.last ? this.last.probe.ok : null,
      lastMs: this.last?.probe.latencyMs ?? null,
      ...(this.last?.error ? { lastError: this.last.error } : {}),
      probes: short.probes,
      p50Ms: short.p50Ms ?? null,
      p95Ms: short.p95Ms ?? null,
      p99Ms: short.p99Ms ?? null,
      availabilityPct: short.availabilityPct ?? null,
      objective: target ? describeSlo(target) : null,
      objectiveMs: target?.latency?.belowMs ?? null,
      meetsSlo: target ? (meetsSlo(short, target) ?? null) : null,
      burnRateShort: judged(shortBad, shortN),
      burnRateLong: judged(longBad, longN),
      ...(this.hist.count ? { histogram: { buckets: [...this.hist.buckets], sumMs: this.hist.sumMs, count: this.hist.count } } : {}),
    };
    this.cached = { at: now, status };
    return status;
  }
}
