import { conditionsOf, DEFAULT_THRESHOLDS, type Alert, type AlertThresholds } from '../../../shared/alerts.js';
import type { TelemetryFrame } from '../../../shared/telemetry.js';
import { AppErrorException, appError } from '../../../shared/errors.js';
import type { AuditLog } from '../audit/audit-log.js';

/**
 * Turns telemetry frames into alerts: a condition that appears fires an alert (and a desktop
 * notification where there is a desktop), one that goes away resolves it. Acknowledging is an
 * audited action; it does not silence a condition that comes back after resolving.
 */
export class AlertEngine {
  private readonly alerts = new Map<string, Alert>();
  private readonly lostSince = new Map<string, number>();
  private readonly listeners = new Set<(a: Alert) => void>();

  constructor(
    private readonly audit: AuditLog,
    private readonly thresholds: AlertThresholds = DEFAULT_THRESHOLDS,
    private readonly notify?: (a: Alert) => void,
    /** Who acknowledges, as shown on the alert (the audit record has the full actor). */
    private readonly who: () => string = () => 'operator',
  ) {}

  list(): Alert[] {
    return [...this.alerts.values()].sort((a, b) => (a.state === b.state ? b.since - a.since : a.state === 'firing' ? -1 : 1));
  }

  onChange(listener: (a: Alert) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  evaluate(frame: TelemetryFrame): void {
    if (frame.session === 'lost') {
      if (!this.lostSince.has(frame.node)) this.lostSince.set(frame.node, frame.at);
    } else if (frame.session === 'live') this.lostSince.delete(frame.node);
    if (frame.session === 'starting' || frame.session === 'stopped') return;
    const present = new Set<string>();
    for (const c of conditionsOf(frame, this.thresholds, this.lostSince.get(frame.node))) {
      const id = `${c.rule}:${frame.node}${c.gpu !== undefined ? `:${c.gpu}` : ''}${c.endpoint !== undefined ? `:${c.endpoint}` : ''}`;
      present.add(id);
      const prev = this.alerts.get(id);
      if (prev?.state === 'firing') {
        if (prev.message !== c.message || prev.severity !== c.severity)
          this.set({ ...prev, message: c.message, severity: c.severity, updatedAt: frame.at });
        continue;
      }
      const alert: Alert = {
        id,
        rule: c.rule,
        node: frame.node,
        ...(c.gpu !== undefined ? { gpu: c.gpu } : {}),
        ...(c.endpoint !== undefined ? { endpoint: c.endpoint } : {}),
        severity: c.severity,
        state: 'firing',
        since: frame.at,
        updatedAt: frame.at,
        message: c.message,
      };
      this.set(alert);
      this.record('alert.fire', alert);
      this.notify?.(alert);
    }
    for (const a of this.alerts.values()) {
      if (a.node === frame.node && a.state === 'firing' && !present.has(a.id)) {
        const resolved: Alert = { ...a, state: 'resolved', updatedAt: frame.at };
        this.set(resolved);
        this.record('alert.resolve', resolved);
      }
    }
  }

  /**
   * Firing and resolving are facts for the compliance trail too. Recorded in the background: a full
   * disk must not stop the alert from showing. A record that could not be written is said on the
   * alert itself, so the gap in the trail is visible where the alert is.
   */
  private record(action: 'alert.fire' | 'alert.resolve', a: Alert): void {
    this.audit
      .append({
        action,
        target: { node: a.node },
        params: {
          rule: a.rule,
          alertId: a.id,
          severity: a.severity,
          message: a.message,
          ...(a.gpu !== undefined ? { gpu: a.gpu } : {}),
          ...(a.endpoint !== undefined ? { endpoint: a.endpoint } : {}),
        },
        outcome: 'ok',
        durationMs: 0,
      })
      .catch((err: unknown) => {
        const current = this.alerts.get(a.id);
        const why = err instanceof AppErrorException ? err.appError.message : String(err);
        if (current) this.set({ ...current, unrecorded: `${action} not recorded in the audit log: ${why}`.slice(0, 500) });
      });
  }

  async acknowledge(id: string): Promise<Alert> {
    const alert = this.alerts.get(id);
    if (!alert) throw new AppErrorException(appError('NOT_FOUND', `No alert ${id}`, 'It may have been cleared; refresh the Alerts view.'));
    return this.audit.perform(
      { action: 'alert.acknowledge', target: { node: alert.node }, params: { rule: alert.rule, alertId: id } },
      () => {
        const acked: Alert = { ...alert, acknowledged: { by: this.who(), at: Date.now() } };
        this.set(acked);
        return acked;
      },
    );
  }

  private set(a: Alert): void {
    this.alerts.set(a.id, a);
    for (const l of this.listeners) l(a);
  }
}
