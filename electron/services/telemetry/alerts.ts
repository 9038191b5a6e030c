import {
  conditionsOf,
  DEFAULT_THRESHOLDS,
  SILENCE_MAX_MS,
  SILENCE_MIN_MS,
  silenceMatches,
  type Alert,
  type AlertEvent,
  type AlertRuleKind,
  type AlertThresholds,
  type Silence,
} from '../../../shared/alerts.js';
import type { TelemetryFrame } from '../../../shared/telemetry.js';
import { AppErrorException, appError } from '../../../shared/errors.js';
import type { AuditLog } from '../audit/audit-log.js';
import { AlertStore } from './alert-store.js';
import { silenceInAlertmanagers, type AmSilenceResult } from './alertmanager-silences.js';

/**
 * Turns telemetry frames into alerts: a condition that appears fires an alert (and a desktop
 * notification where there is a desktop), one that goes away resolves it. Acknowledging (with a
 * note) is an audited action; it does not silence a condition that comes back after resolving. A
 * silence, for a time and with a reason, also audited, keeps matching alerts from notifying and out
 * of the nav count; they still fire, show and are recorded. Alerts live in
 * the state store, so they, their history and their acknowledgements survive a restart and are the
 * same for the app and the CLI.
 */
export class AlertEngine {
  private readonly lostSince = new Map<string, number>();
  private readonly listeners = new Set<(a: Alert) => void>();
  private alertmanagers: () => string[] = () => [];

  constructor(
    private readonly audit: AuditLog,
    private readonly thresholds: AlertThresholds = DEFAULT_THRESHOLDS,
    private readonly notify?: (a: Alert) => void,
    /** Who acknowledges, as shown on the alert (the audit record has the full actor). */
    private readonly who: () => string = () => 'operator',
    /** Where alerts are kept (a private in-memory one when none is given). */
    readonly store: AlertStore = AlertStore.open(':memory:'),
  ) {}

  list(now = Date.now()): Alert[] {
    const active = this.store.silences.active(now);
    return this.store
      .all()
      .map((a) => this.withSilence(a, now, active))
      .sort((a, b) => (a.state === b.state ? b.since - a.since : a.state === 'firing' ? -1 : 1));
  }

  private withSilence(a: Alert, now: number, active?: Silence[]): Alert {
    if (a.state !== 'firing') return a;
    const s = this.store.silences.covering(a, now, active);
    return s ? { ...a, silenced: { id: s.id, until: s.endsAt, reason: s.reason, by: s.by } } : a;
  }

  onChange(listener: (a: Alert) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  evaluate(frame: TelemetryFrame): void {
    // A session that waits for a person (a key to trust, a login to fix) is not an outage: the
    // console caused it and says so on the node; no "unreachable" alert counts from it.
    if (frame.parked) {
      this.lostSince.delete(frame.node);
      return;
    }
    if (frame.session === 'lost') {
      if (!this.lostSince.has(frame.node)) this.lostSince.set(frame.node, frame.at);
    } else if (frame.session === 'live') this.lostSince.delete(frame.node);
    if (frame.session === 'starting' || frame.session === 'stopped') return;
    const present = new Set<string>();
    for (const c of conditionsOf(frame, this.thresholds, this.lostSince.get(frame.node))) {
      const id = `${c.rule}:${frame.node}${c.gpu !== undefined ? `:${c.gpu}` : ''}${c.endpoint !== undefined ? `:${c.endpoint}` : ''}`;
      present.add(id);
      const seen: Alert = {
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
        ...(c.xid !== undefined ? { xid: c.xid } : {}),
      };
      // The store decides whether this is news: another process may have fired it already.
      let observed: ReturnType<AlertStore['observe']>;
      try {
        observed = this.store.observe(seen, frame.at);
      } catch (err) {
        // A store that cannot be written (a full disk) must not hide the alert: shown and notified, saying so.
        const why = err instanceof AppErrorException ? err.appError.message : String(err);
        const unsaved: Alert = { ...seen, unrecorded: `not saved in the state store: ${why}`.slice(0, 500) };
        this.emit(unsaved);
        this.notify?.(unsaved);
        continue;
      }
      const { fired, changed } = observed;
      const alert = changed ? this.withSilence(observed.alert, frame.at) : observed.alert;
      if (changed) this.emit(alert);
      if (fired) {
        this.record('alert.fire', alert);
        if (!alert.silenced) this.notify?.(alert);
      }
    }
    for (const a of this.store.firingOn(frame.node)) {
      if (present.has(a.id)) continue;
      const resolved = this.store.resolve(a.id, frame.at);
      if (resolved) {
        this.emit(resolved);
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
          ...(a.silenced ? { silence: a.silenced.id } : {}),
        },
        outcome: 'ok',
        durationMs: 0,
      })
      .catch((err: unknown) => {
        const why = err instanceof AppErrorException ? err.appError.message : String(err);
        const noted = this.store.noteUnrecorded(a.id, `${action} not recorded in the audit log: ${why}`);
        if (noted) this.emit(noted);
      });
  }

  /** Where an acknowledgement's optional silence goes: the hospital's Alertmanagers. */
  useAlertmanagers(urls: () => string[]): void {
    this.alertmanagers = urls;
  }

  /**
   * Acknowledges, with an optional note. With `silenceMinutes`, the alert is also silenced for that
   * long in every Alertmanager (so the page stops repeating there), and the silence ids go into the
   * audit record; an Alertmanager that refuses makes the outcome partial, with its reason.
   */
  async acknowledge(id: string, note?: string, silenceMinutes?: number): Promise<Alert & { alertmanager?: AmSilenceResult[] }> {
    const alert = this.store.get(id);
    if (!alert) throw new AppErrorException(appError('NOT_FOUND', `No alert ${id}`, 'It may have been cleared; refresh the Alerts view.'));
    const text = note?.trim() || undefined;
    const who = this.who();
    const endsAt = Date.now() + (silenceMinutes ?? 0) * 60_000;
    const urls = silenceMinutes ? this.alertmanagers() : [];
    if (silenceMinutes && !urls.length)
      throw new AppErrorException(
        appError(
          'VALIDATION',
          'No Alertmanager is configured to silence the alert in',
          'Acknowledge without the silence, or name the Alertmanagers in Settings → Hospital systems.',
        ),
      );
    return this.audit.perform(
      {
        action: 'alert.acknowledge',
        target: { node: alert.node },
        params: {
          rule: alert.rule,
          alertId: id,
          ...(text ? { note: text } : {}),
          ...(silenceMinutes ? { alertmanagerSilenceUntil: new Date(endsAt).toISOString() } : {}),
        },
      },
      async () => {
        const acked = this.store.acknowledge(id, who, Date.now(), text);
        if (!acked) throw new AppErrorException(appError('NOT_FOUND', `No alert ${id}`, 'Refresh the Alerts view.'));
        const shown = this.withSilence(acked, Date.now());
        this.emit(shown);
        const comment = `Acknowledged in Edgeward by ${who}${text ? `: ${text}` : ''}`;
        const alertmanager = urls.length ? await silenceInAlertmanagers(urls, alert, { endsAt, createdBy: who, comment }) : undefined;
        return { ...shown, ...(alertmanager ? { alertmanager } : {}) };
      },
      (r) => {
        if (!r.alertmanager) return { outcome: 'ok' };
        const failed = r.alertmanager.filter((x) => x.error);
        return {
          outcome: failed.length ? 'partial' : 'ok',
          params: { alertmanagerSilences: r.alertmanager.map((x) => (x.id ? `${x.url} ${x.id}` : `${x.url} failed: ${x.error}`)) },
          ...(failed.length ? { error: `not silenced in ${failed.map((x) => `${x.url} (${x.error})`).join(', ')}` } : {}),
        };
      },
    );
  }

  /** Silences matching alerts for `forMs` with a reason; audited. At least one of alertId, node, rule. */
  async silence(m: { alertId?: string; node?: string; rule?: AlertRuleKind; forMs: number; reason: string }): Promise<Silence> {
    const reason = m.reason.trim();
    if (!m.alertId && !m.node && !m.rule)
      throw new AppErrorException(
        appError('VALIDATION', 'A silence needs an alert, a node or a rule to match', 'Pick the alert, or a node and/or a rule.'),
      );
    if (reason.length < 3)
      throw new AppErrorException(
        appError('VALIDATION', 'A silence needs a reason', 'Say why (a ticket, the repair under way), for the audit trail.'),
      );
    if (!(m.forMs >= SILENCE_MIN_MS && m.forMs <= SILENCE_MAX_MS))
      throw new AppErrorException(appError('VALIDATION', 'A silence lasts from 5 minutes to 7 days', 'Pick a duration in that range.'));
    const alert = m.alertId ? this.store.get(m.alertId) : undefined;
    if (m.alertId && !alert)
      throw new AppErrorException(appError('NOT_FOUND', `No alert ${m.alertId}`, 'It may have been cleared; refresh the Alerts view.'));
    const now = Date.now();
    const match = {
      ...(m.alertId ? { alertId: m.alertId } : {}),
      ...((m.node ?? alert?.node) ? { node: m.node ?? alert!.node } : {}),
      ...((m.rule ?? alert?.rule) ? { rule: m.rule ?? alert!.rule } : {}),
    };
    return this.audit.perform(
      {
        action: 'alert.silence',
        target: match.node ? { node: match.node } : {},
        params: { ...match, reason, until: new Date(now + m.forMs).toISOString() },
      },
      () => {
        const s = this.store.silences.add({ ...match, reason, by: this.who(), createdAt: now, endsAt: now + m.forMs });
        this.emitCovered(s);
        return s;
      },
    );
  }

  /** Ends a silence before its time; audited. */
  async unsilence(id: string): Promise<Silence> {
    const s = this.store.silences.get(id);
    if (!s || s.ended || s.endsAt <= Date.now())
      throw new AppErrorException(
        appError('NOT_FOUND', `No silence ${id} in force`, 'It may have ended already; refresh the Alerts view.'),
      );
    return this.audit.perform(
      { action: 'alert.unsilence', target: s.node ? { node: s.node } : {}, params: { silence: id, reason: s.reason } },
      () => {
        const ended = this.store.silences.end(id, this.who(), Date.now());
        if (!ended) throw new AppErrorException(appError('NOT_FOUND', `No silence ${id} in force`, 'Refresh the Alerts view.'));
        this.emitCovered(ended);
        return ended;
      },
    );
  }

  /** Silences in force now and the recent ones (ended or expired), newest first. */
  silences(limit = 50): Silence[] {
    return this.store.silences.recent(limit);
  }

  /** The firing alerts a silence covers (or covered), shown again with their new state. */
  private emitCovered(s: Silence): void {
    const now = Date.now();
    // The silences in force are read once, not once per alert shown again.
    const active = this.store.silences.active(now);
    for (const a of this.store.all()) if (a.state === 'firing' && silenceMatches(s, a)) this.emit(this.withSilence(a, now, active));
  }

  /** Every firing, resolving and acknowledgement, newest first. */
  history(q: { node?: string; limit: number; before?: number; since?: number }): AlertEvent[] {
    return this.store.history(q);
  }

  private emit(a: Alert): void {
    for (const l of this.listeners) l(a);
  }

  close(): void {
    this.store.close();
  }
}
