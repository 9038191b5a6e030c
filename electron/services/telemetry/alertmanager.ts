import fs from 'node:fs';
import type { Alert } from '../../../shared/alerts.js';
import { xidRunbook } from '../../../shared/xid-runbook.js';
import { writeAtomic } from '../common/write-atomic.js';

/** What the pusher reads alerts from (the AlertEngine). */
export interface AlertSource {
  list(): Alert[];
  onChange(listener: (a: Alert) => void): () => void;
}

/** An alert as Alertmanager's API v2 takes it (postableAlert). */
export interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
}

export interface PusherOptions {
  urls: () => string[];
  /** Labels beyond the alert's own: site, department, the services the node serves. */
  context: (node: string) => Record<string, string>;
  /** Alerts that page no one here (drained node, silenced) are not sent either. */
  quiet: (a: Alert) => boolean;
  queueFile: string;
  /** Alertmanager wants firing alerts re-sent well within its resolve timeout (Prometheus: every minute at most). */
  resendMs?: number;
  timeoutMs?: number;
  onError?: (url: string, message: string) => void;
}

const MAX_QUEUED = 1000;

export function toAmAlert(a: Alert, context: Record<string, string>, endsAt: number): AmAlert {
  const labels: Record<string, string> = {
    alertname: a.rule,
    severity: a.severity,
    node: a.node,
    ...context,
    ...(a.gpu !== undefined ? { gpu: String(a.gpu) } : {}),
    ...(a.endpoint ? { endpoint: a.endpoint } : {}),
  };
  const runbook = a.xid !== undefined ? xidRunbook(a.xid) : undefined;
  return {
    labels,
    annotations: {
      summary: a.message,
      ...(runbook ? { runbook: `Xid ${runbook.code}: ${runbook.description}. Do now: ${runbook.immediate.action}` } : {}),
      edgeward_alert_id: a.id,
    },
    startsAt: new Date(a.since).toISOString(),
    endsAt: new Date(endsAt).toISOString(),
  };
}

/**
 * Pushes Edgeward's alerts to the hospital's Alertmanagers (`POST /api/v2/alerts`): every firing
 * alert re-sent on a schedule with an end a few intervals ahead (so one that stops being sent
 * resolves by itself), each resolved one once with its end. Resolutions an Alertmanager could not
 * take wait in a file on disk, per Alertmanager, and go with the next successful push.
 */
export class AlertmanagerPusher {
  private queue: Record<string, AmAlert[]>;
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private stopListening: (() => void) | undefined;
  private pushing: Promise<void> | undefined;
  readonly status = new Map<string, { ok: boolean; at: number; error?: string; queued: number }>();

  constructor(
    private readonly source: AlertSource,
    private readonly o: PusherOptions,
  ) {
    this.queue = readQueue(o.queueFile);
  }

  start(): () => Promise<void> {
    const resend = this.o.resendMs ?? 30_000;
    this.stopListening = this.source.onChange((a) => {
      if (a.state === 'resolved' && !this.o.quiet(a)) {
        const am = toAmAlert(a, this.o.context(a.node), a.updatedAt);
        for (const url of this.o.urls()) this.queue[url] = [...(this.queue[url] ?? []), am].slice(-MAX_QUEUED);
        this.save();
      }
      this.pushSoon();
    });
    this.timer = setInterval(() => void this.push(), resend);
    this.timer.unref();
    this.pushSoon();
    return () => this.stop();
  }

  private pushSoon(): void {
    if (this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      void this.push();
    }, 200);
    this.soon.unref();
  }

  /** One push to every Alertmanager: the firing alerts, and the resolutions waiting for it. */
  push(now = Date.now()): Promise<void> {
    if (this.pushing) return this.pushing.then(() => this.push(now));
    const resend = this.o.resendMs ?? 30_000;
    const firing = this.source
      .list()
      .filter((a) => a.state === 'firing' && !this.o.quiet(a))
      .map((a) => toAmAlert(a, this.o.context(a.node), now + 4 * resend));
    const urls = this.o.urls();
    this.pushing = Promise.all(
      urls.map(async (url) => {
        const pending = this.queue[url] ?? [];
        const body = [...firing, ...pending];
        if (!body.length) return;
        try {
          const res = await fetch(`${url.replace(/\/+$/, '')}/api/v2/alerts`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
            signal: AbortSignal.timeout(this.o.timeoutMs ?? 5000),
            redirect: 'error',
          });
          await res.body?.cancel().catch(() => undefined);
          if (!res.ok) throw new Error(`HTTP ${res.status}`);
          // Only what was sent leaves the queue: a resolution queued meanwhile stays for the next push.
          this.queue[url] = (this.queue[url] ?? []).filter((x) => !pending.includes(x));
          this.status.set(url, { ok: true, at: now, queued: this.queue[url].length });
        } catch (err) {
          const message = (err as Error & { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
          this.status.set(url, { ok: false, at: now, error: message, queued: pending.length });
          this.o.onError?.(url, message);
        }
      }),
    ).then(() => {
      for (const url of Object.keys(this.queue)) if (!urls.includes(url)) delete this.queue[url];
      this.save();
      this.pushing = undefined;
    });
    return this.pushing;
  }

  private save(): void {
    try {
      writeAtomic(this.o.queueFile, JSON.stringify(this.queue));
    } catch (err) {
      this.o.onError?.('(queue file)', `cannot write ${this.o.queueFile}: ${(err as Error).message}`);
    }
  }

  async stop(): Promise<void> {
    this.stopListening?.();
    clearInterval(this.timer);
    clearTimeout(this.soon);
    await this.pushing;
  }
}

function readQueue(file: string): Record<string, AmAlert[]> {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, AmAlert[]>) : {};
  } catch {
    return {};
  }
}
