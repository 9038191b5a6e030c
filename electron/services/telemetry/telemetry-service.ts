import { sparkSeries } from './spark-series.js';
import type {
  AgentFrame,
  ContainerStatus,
  FleetTelemetryFrame,
  GpuHealth,
  GpuSample,
  HostSample,
  TelemetryFrame,
  XidEvent,
} from '../../../shared/telemetry.js';
import { NODE_BOUNDS } from '../../../shared/telemetry.js';
import { summarizeNode } from '../../../shared/fleet-summary.js';
import { PROFILE_SLOS, type SloSettings } from '../../../shared/slo.js';
import type { FleetNode } from '../../../shared/fleet.js';
import { AppErrorException, appError } from '../../../shared/errors.js';
import type { AuditLog } from '../audit/audit-log.js';
import { coalesce } from '../common/coalesce.js';
import type { Inventory } from '../fleet/inventory.js';
import { dicomSchedule, NodeEndpoints, type DicomRunner } from './node-endpoints.js';
import { dicomRoundTrip } from '../clinical/dicom-probe.js';
import { parseXidLine } from './xid.js';
import type { SshPool } from '../ssh/pool.js';
import { loadAgent } from '../agents/agent-script.js';
import { agentCommand, DEFAULT_PROBE_MS, sshAgentTransport, type AgentTransport } from './agent-transport.js';
import { FrameDecoder } from './decoder.js';
import { parseGpuRow } from './gpu-row.js';
import { NumberRing } from './compact-rings.js';
import type { HistoryStore } from './history.js';
import type { AlertEngine } from './alerts.js';
import { sampleStateOf, type SampleState } from './sample-state.js';

export interface TelemetryOptions {
  intervalMs: number;
  /** Frames to the UI at most this often per node. */
  publishEveryMs: number;
}

const NO_RETRY = new Set(['CANCELLED', 'AUTH_FAILED', 'HOSTKEY_UNKNOWN', 'HOSTKEY_CHANGED', 'DISABLED', 'NOT_FOUND']);

const DEFAULTS: TelemetryOptions = { intervalMs: 1000, publishEveryMs: 250 };

/** Samples per sparkline in the fleet overview (a minute at the default interval). */
const SPARK_POINTS = 60;

/** Xid events count toward alerts for this long. */
export const XID_WINDOW_MS = 10 * 60_000;

/** One node's agent session: started while someone watches, restarted with backoff when it drops. */
class Session {
  state: TelemetryFrame['session'] = 'starting';
  gpuHealth: GpuHealth = 'unknown';
  gpuMessage: string | undefined;
  fields: string[] = [];
  readonly gpus = new Map<number, GpuSample>();
  /** Per GPU, the last minute of utilization and temperature for the overview's sparklines. */
  readonly sparkUtil = new Map<number, NumberRing>();
  readonly sparkTemp = new Map<number, NumberRing>();
  host: HostSample | undefined;
  lastLostAt = 0;
  intervalMs: number;
  readonly endpoints: NodeEndpoints;
  containers: { runtime: string; at: number; list: ContainerStatus[] } | undefined;
  private pendingContainers: ContainerStatus[] = [];
  /** GPU indexes seen since the last complete sample of all GPUs. */
  private batch = new Set<number>();
  xidAvailable: boolean | null = null;
  xidMessage: string | undefined;
  xids: XidEvent[] = [];
  /** Counted, not kept: GPUs beyond the bound, containers beyond it, Xid events pushed out of the window's cap. */
  readonly dropped = { gpus: 0, containers: 0, xids: 0 };
  decoder: FrameDecoder;
  readonly watchers = new Set<(f: TelemetryFrame) => void>();
  private abort = new AbortController();
  private attempt = 0;
  /** Stopped on a refusal retrying cannot fix (see NO_RETRY), until retryIfParked. */
  private parked = false;
  private lastConfig = '';
  private timer: NodeJS.Timeout | undefined;
  private readonly publisher;

  constructor(
    readonly node: string,
    private readonly svc: TelemetryService,
  ) {
    this.decoder = new FrameDecoder((f) => this.onFrame(f));
    this.publisher = coalesce(() => this.publish(), svc.options.publishEveryMs);
    this.intervalMs = svc.options.intervalMs;
    this.endpoints = new NodeEndpoints(node, {
      slo: (p) => svc.slo()[p],
      runDicom: (n, target, signal) => svc.runDicom(n, target, signal),
      onSample: (series, probe) => svc.history?.recordProbe(node, series, probe),
      changed: () => this.publisher.push(undefined),
    });
  }

  start(): void {
    this.abort = new AbortController();
    this.state = 'starting';
    this.publisher.push(undefined);
    void this.run();
  }

  stop(): void {
    this.abort.abort();
    this.endpoints.stop();
    if (this.timer) clearTimeout(this.timer);
    this.publisher.cancel();
    this.state = 'stopped';
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    this.lastConfig = JSON.stringify(this.svc.nodeConfig(this.node));
    try {
      await this.svc.startAudited(this.node, async (agent, config) => {
        this.decoder = new FrameDecoder((f) => this.onFrame(f));
        this.configure(config);
        const result = await this.svc.transport.run(this.node, agentCommand(config, this.intervalMs), {
          stdin: agent.text,
          signal,
          onStdout: (chunk) => this.decoder.push(chunk),
        });
        this.gpuMessage = result.lostConnection ?? this.gpuMessage;
      });
    } catch (err) {
      this.gpuMessage = err instanceof AppErrorException ? err.appError.message : String(err);
      // Retrying cannot fix these (and would re-ask MFA questions the user just cancelled): wait
      // until someone opens the node again.
      if (err instanceof AppErrorException && NO_RETRY.has(err.appError.code)) {
        this.parked = true;
        this.state = 'lost';
        this.gpuMessage = `${err.appError.message}. ${err.appError.action}`;
        this.publisher.push(undefined);
        return;
      }
    }
    if (signal.aborted) return;
    // The session ended without being asked to: show the gap, then try again with backoff.
    this.state = 'lost';
    this.publisher.push(undefined);
    const delay = Math.min(30_000, 1000 * 2 ** this.attempt) * (0.8 + Math.random() * 0.4);
    this.attempt++;
    this.timer = setTimeout(() => {
      if (!signal.aborted) void this.run();
    }, delay);
  }

  /** Whether the node's settings differ from those the session last ran with (an edit someone made). */
  configChanged(config: FleetNode | undefined): boolean {
    return config !== undefined && JSON.stringify(config) !== this.lastConfig;
  }

  private configure(config: FleetNode): void {
    this.intervalMs = Math.max(200, config.telemetryIntervalMs ?? this.svc.options.intervalMs);
    this.endpoints.configure(config, config.probeIntervalMs ?? DEFAULT_PROBE_MS);
  }

  private onFrame(f: AgentFrame): void {
    const now = Date.now();
    switch (f.t) {
      case 'hello':
        this.fields = f.fields.split(',');
        this.state = 'live';
        this.attempt = 0;
        break;
      case 'fields':
        this.fields = f.fields.split(',');
        break;
      case 'gpu': {
        const sample = parseGpuRow(f.csv, this.fields, now);
        if (!sample) {
          this.decoder.stats.wrongShape++;
          break;
        }
        if (
          sample.index < 0 ||
          sample.index > NODE_BOUNDS.gpuIndexMax ||
          (!this.gpus.has(sample.index) && this.gpus.size >= NODE_BOUNDS.gpus)
        ) {
          this.dropped.gpus++;
          break;
        }
        this.gpus.set(sample.index, sample);
        let util = this.sparkUtil.get(sample.index);
        let temp = this.sparkTemp.get(sample.index);
        if (!util) this.sparkUtil.set(sample.index, (util = new NumberRing(SPARK_POINTS)));
        if (!temp) this.sparkTemp.set(sample.index, (temp = new NumberRing(SPARK_POINTS)));
        util.push(sample.utilGpu);
        temp.push(sample.tempC);
        if (now - this.lastLostAt > 2 * this.intervalMs) {
          this.gpuHealth = 'ok';
          this.gpuMessage = undefined;
        }
        // Every GPU of this interval is in: publish at once rather than at the end of the window,
        // so a sample reaches the screen milliseconds after the node took it.
        this.batch.add(sample.index);
        if (this.batch.size >= this.gpus.size) {
          this.batch.clear();
          this.publisher.push(undefined);
          this.publisher.flush();
          return;
        }
        break;
      }
      case 'gpu_state':
        if (f.state === 'lost') this.lastLostAt = now;
        this.gpuHealth = f.state === 'stopped' ? 'error' : f.state;
        this.gpuMessage = f.message;
        break;
      case 'xid_source':
        this.xidAvailable = f.available;
        this.xidMessage = f.available ? undefined : `kernel log not readable (${f.message ?? 'dmesg failed'}): Xid events are not watched`;
        break;
      case 'xid': {
        const byBus = (bus: string) => {
          for (const g of this.gpus.values()) if (g.pciBusId?.split(':')[1]?.toLowerCase() === bus) return g.index;
          return null;
        };
        const event = parseXidLine(f.line, now, byBus);
        if (event) {
          const kept = [...this.xids.filter((x) => now - x.at < XID_WINDOW_MS), event];
          this.dropped.xids += Math.max(0, kept.length - NODE_BOUNDS.xids);
          this.xids = kept.slice(-NODE_BOUNDS.xids);
        }
        break;
      }
      case 'probe': {
        const tracker = this.endpoints.oipTracker(f.ep);
        if (!tracker) break;
        const probe = tracker.record({ ready: f.ready, readySeconds: f.ready_s, infer: f.infer, inferSeconds: f.infer_s }, now);
        this.svc.history?.recordProbe(this.node, f.ep, probe);
        break;
      }
      case 'probe_state':
        this.endpoints.oipUnavailable(f.message);
        break;
      case 'ctr':
        // A snapshot that never ends (no ctr_end) must not grow without bound.
        if (this.pendingContainers.length >= NODE_BOUNDS.containers) {
          this.dropped.containers++;
          break;
        }
        this.pendingContainers.push({
          name: f.name,
          state: f.state,
          health: f.health,
          restarts: f.restarts,
          deployment: f.deployment,
          revision: f.revision,
          image: f.image,
        });
        break;
      case 'ctr_end':
        this.containers = { runtime: f.runtime, at: now, list: this.pendingContainers };
        this.pendingContainers = [];
        break;
      case 'host':
        this.host = {
          at: now,
          load1: f.load1,
          memUsedPct: f.mem_total_kb > 0 ? Math.round((1000 * (f.mem_total_kb - f.mem_avail_kb)) / f.mem_total_kb) / 10 : null,
          uptimeS: f.uptime_s,
          diskFreeGiB: Math.round((f.disk_free_kb / 1024 / 1024) * 10) / 10,
        };
        break;
    }
    this.publisher.push(undefined);
  }

  frame(): TelemetryFrame {
    const now = Date.now();
    // Only samples from the last two intervals count as current; older ones are a gap, not a value.
    const fresh = [...this.gpus.values()].filter((g) => now - g.at <= 2 * this.intervalMs + 500).sort((a, b) => a.index - b.index);
    const live = this.state === 'live';
    this.xids = this.xids.filter((x) => now - x.at < XID_WINDOW_MS);
    return {
      node: this.node,
      at: now,
      session: this.state,
      gpuHealth: this.gpuHealth,
      ...(this.gpuMessage ? { gpuMessage: this.gpuMessage } : {}),
      ...(this.parked ? { parked: (this.gpuMessage ?? 'waiting for a person').slice(0, 500) } : {}),
      gpus: this.state === 'live' ? fresh : [],
      ...(this.host && this.state === 'live' ? { host: this.host } : {}),
      rejected: this.decoder.rejected,
      ...(this.dropped.gpus || this.dropped.containers || this.dropped.xids ? { dropped: { ...this.dropped } } : {}),
      endpoints: this.endpoints.statuses(now),
      ...(live && this.containers ? { containers: this.containers } : {}),
      ...(this.xidAvailable !== null || this.xids.length
        ? { xid: { available: this.xidAvailable, ...(this.xidMessage ? { message: this.xidMessage } : {}), recent: this.xids } }
        : {}),
    };
  }

  /** Sparkline series: per sample position, mean utilization and hottest temperature across GPUs. */
  sparks(n: number): { util: (number | null)[]; temp: (number | null)[] } {
    const utils = [...this.sparkUtil.values()].map((r) => r.last(n));
    const temps = [...this.sparkTemp.values()].map((r) => r.last(n));
    return sparkSeries(utils, temps);
  }

  /** While lost, frames keep coming (once a second) so ages and unreachable alerts move on. */
  tick(): void {
    if (this.state === 'lost') this.publisher.push(undefined);
  }

  /**
   * A session parked on something only a person can fix (a key to trust, a login to correct, a
   * node to enable) starts again once they did: after a trust, an edit, or a connection that worked.
   */
  retryIfParked(): void {
    if (!this.parked || this.abort.signal.aborted) return;
    this.parked = false;
    this.attempt = 0;
    this.state = 'starting';
    this.publisher.push(undefined);
    void this.run();
  }

  private publish(): void {
    const f = this.frame();
    this.svc.history?.record(f);
    this.svc.alerts?.evaluate(f);
    for (const w of this.watchers) w(f);
  }
}

/**
 * Live telemetry: one agent session per watched node over the shared SSH pool, decoded, kept in a
 * bounded live window, and published to watchers a few times a second.
 */
export class TelemetryService {
  readonly options: TelemetryOptions;
  private readonly sessions = new Map<string, Session>();
  private readonly agent = loadAgent('telemetry.sh');

  private readonly flushTimer: NodeJS.Timeout;

  constructor(
    readonly pool: SshPool,
    private readonly inventory: Inventory,
    private readonly audit: AuditLog,
    options: Partial<TelemetryOptions> = {},
    /** Where samples and the last known state go; absent in tools that only watch. */
    readonly history?: HistoryStore,
    readonly alerts?: AlertEngine,
    /** The SLO per workload profile, as Settings has it now. */
    readonly slo: () => SloSettings = () => PROFILE_SLOS,
    readonly transport: AgentTransport = sshAgentTransport(pool),
    /** One DICOM round trip on a node: over the pool, or a stand-in in tests. */
    readonly runDicom: DicomRunner = (node, target, signal) => dicomRoundTrip(pool, node, target, signal),
  ) {
    this.options = { ...DEFAULTS, ...options };
    // Once a second: one history transaction for everything that arrived, and a frame for lost sessions.
    this.flushTimer = setInterval(() => {
      history?.flushSafely();
      for (const s of this.sessions.values()) s.tick();
    }, 1000);
    this.flushTimer.unref();
    // What a person does to fix a refusal: trust the key (the node goes idle with its new pin), or
    // change the node; a connection that works for another feature is as good a sign.
    pool.onStatus((st) => {
      if (st.status === 'idle' || st.status === 'connected') this.sessions.get(st.name)?.retryIfParked();
    });
    inventory.onChange(() => {
      for (const s of this.sessions.values()) if (s.configChanged(inventory.get(s.node))) s.retryIfParked();
    });
  }

  nodeConfig(name: string): FleetNode | undefined {
    return this.inventory.get(name);
  }

  get agentSha256(): string {
    return this.agent.sha256;
  }

  /** Starts (or joins) the node's session; the returned function leaves it, stopping it when nobody watches. */
  watch(node: string, listener: (f: TelemetryFrame) => void): () => void {
    let s = this.sessions.get(node);
    if (!s) {
      s = new Session(node, this);
      this.sessions.set(node, s);
      s.start();
    }
    s.watchers.add(listener);
    listener(s.frame());
    const session = s;
    return () => {
      session.watchers.delete(listener);
      if (session.watchers.size === 0) {
        session.stop();
        this.sessions.delete(node);
      }
    };
  }

  /**
   * Every enabled node, summarized once a second, for the fleet overview; following the inventory
   * as nodes are added, disabled or removed. Sessions are shared with node views and alerts.
   */
  watchFleet(listener: (f: FleetTelemetryFrame) => void, everyMs = 1000): () => void {
    const leaves = new Map<string, () => void>();
    const latest = new Map<string, TelemetryFrame>();
    const lostSince = new Map<string, number>();
    const sync = () => {
      // Gateways carry no GPUs: their reachability shows in the fleet status, not as GPU alarms.
      const wanted = new Set(
        this.inventory
          .list()
          .filter((n) => n.enabled && n.role !== 'gateway')
          .map((n) => n.name),
      );
      for (const [name, leave] of leaves) {
        if (wanted.has(name)) continue;
        leave();
        leaves.delete(name);
        latest.delete(name);
      }
      for (const name of wanted) {
        if (!leaves.has(name))
          leaves.set(
            name,
            this.watch(name, (f) => latest.set(name, f)),
          );
      }
    };
    const emit = () => {
      sync();
      const nodes = [...latest.values()].map((f) => {
        if (f.session === 'lost') {
          if (!lostSince.has(f.node)) lostSince.set(f.node, f.at);
        } else lostSince.delete(f.node);
        return summarizeNode(f, this.sessions.get(f.node)?.sparks(SPARK_POINTS) ?? { util: [], temp: [] }, lostSince.get(f.node));
      });
      listener({ at: Date.now(), nodes });
    };
    emit();
    const timer = setInterval(emit, everyMs);
    return () => {
      clearInterval(timer);
      for (const leave of leaves.values()) leave();
      leaves.clear();
    };
  }

  /** Audits the start of an agent session (who, which node, the script's hash, the host key). */
  async startAudited(node: string, run: (agent: { text: string; sha256: string }, config: FleetNode) => Promise<void>): Promise<void> {
    await this.audit.ensureWritable();
    const conn = await this.transport.connect(node);
    const n = this.inventory.get(node);
    if (!n) throw new AppErrorException(appError('NOT_FOUND', `No node ${node} in the inventory`, 'It was removed; close its view.'));
    await this.audit.append({
      action: 'telemetry.session_start',
      target: { site: n?.site, node },
      params: {
        intervalS: (n.telemetryIntervalMs ?? this.options.intervalMs) / 1000,
        endpoints: n.endpoints.map((e) => e.name),
        ...dicomSchedule(n),
      },
      outcome: 'ok',
      durationMs: 0,
      hostKey: conn.fingerprint,
      scriptHash: this.agent.sha256,
    });
    await run(this.agent, n);
  }

  /** A running session's state and its newest sample (time, hottest GPU, held-back clocks), for the health model. */
  sampleState(node: string): SampleState | undefined {
    const s = this.sessions.get(node);
    return s ? sampleStateOf(s.state, [...s.gpus.values()], s.frame()) : undefined;
  }

  /** The latest frame of every node watched now (the metrics exposition reads these). */
  frames(): Map<string, TelemetryFrame> {
    return new Map([...this.sessions].map(([name, s]) => [name, s.frame()]));
  }

  stopAll(): void {
    for (const s of this.sessions.values()) s.stop();
    this.sessions.clear();
    clearInterval(this.flushTimer);
    this.history?.flushSafely();
  }
}
