import type { Alert } from '../../../shared/alerts.js';
import { toAmAlert } from './alertmanager.js';

/** What became of a silence asked of one Alertmanager: its id there, or why not. */
export interface AmSilenceResult {
  url: string;
  id?: string;
  error?: string;
}

/** Of the pushed labels, those that tell one alert from another (not severity, nor the node's context). */
const IDENTITY = ['alertname', 'node', 'gpu', 'endpoint'];

/**
 * The labels that name this alert in Alertmanager (as the pusher sends them), and nothing wider:
 * a silence from an acknowledgement quiets this alert, not the node's other alerts.
 */
export function identityMatchers(a: Alert): { name: string; value: string; isRegex: false; isEqual: true }[] {
  const { labels } = toAmAlert(a, {}, 0);
  return IDENTITY.filter((name) => labels[name] !== undefined).map((name) => ({
    name,
    value: labels[name]!,
    isRegex: false,
    isEqual: true,
  }));
}

/**
 * Creates the same silence in each Alertmanager (`POST /api/v2/silences`), so the page an
 * acknowledged alert raised stops repeating there until `endsAt`. One failing Alertmanager does
 * not stop the others; each result says what happened.
 */
export async function silenceInAlertmanagers(
  urls: string[],
  alert: Alert,
  s: { endsAt: number; createdBy: string; comment: string },
  timeoutMs = 5000,
): Promise<AmSilenceResult[]> {
  const body = JSON.stringify({
    matchers: identityMatchers(alert),
    startsAt: new Date().toISOString(),
    endsAt: new Date(s.endsAt).toISOString(),
    createdBy: s.createdBy,
    comment: s.comment,
  });
  return Promise.all(
    urls.map(async (url): Promise<AmSilenceResult> => {
      try {
        const res = await fetch(`${url.replace(/\/+$/, '')}/api/v2/silences`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(timeoutMs),
          redirect: 'error',
        });
        const text = await res.text();
        if (!res.ok) return { url, error: `HTTP ${res.status}: ${text.slice(0, 200).trim()}` };
        const id = (JSON.parse(text) as { silenceID?: unknown }).silenceID;
        return typeof id === 'string' ? { url, id } : { url, error: 'the answer had no silenceID' };
      } catch (err) {
        const e = err as Error & { cause?: { code?: string } };
        return { url, error: e.cause?.code ?? e.message };
      }
    }),
  );
}
