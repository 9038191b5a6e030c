import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../../shared/alerts.js';
import { AlertmanagerPusher, type AmAlert, type AlertSource } from '../../../electron/services/telemetry/alertmanager.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const alert = (extra: Partial<Alert> = {}): Alert => ({
  id: 'gpu-temperature:rad-01:0',
  rule: 'gpu-temperature',
  node: 'rad-01',
  gpu: 0,
  severity: 'critical',
  state: 'firing',
  since: Date.UTC(2026, 11, 1, 10),
  updatedAt: Date.UTC(2026, 11, 1, 10),
  message: 'GPU 0 at 93 °C (critical from 90 °C)',
  ...extra,
});

/** A fake Alertmanager: records what it is sent, answers 503 while `down`. */
async function fakeAm() {
  const got: AmAlert[][] = [];
  const state = { down: false };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (state.down || req.url !== '/api/v2/alerts' || req.method !== 'POST') return void res.writeHead(503).end();
      got.push(JSON.parse(body) as AmAlert[]);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, got, state, close: () => server.close() };
}

function source(initial: Alert[]) {
  let alerts = initial;
  const listeners = new Set<(a: Alert) => void>();
  const s: AlertSource = { list: () => alerts, onChange: (l) => (listeners.add(l), () => listeners.delete(l)) };
  return { s, change: (a: Alert) => ((alerts = [a]), listeners.forEach((l) => l(a))) };
}

describe('pushing alerts to Alertmanager', () => {
  const tmp = makeTempDir('edgeward-am-');
  afterEach(() => undefined);

  it('re-sends what fires with an end ahead, queues a resolution while it is down, and delivers it after, even across a restart', async () => {
    const am = await fakeAm();
    const queueFile = `${tmp.dir}/queue.json`;
    const src = source([alert()]);
    const opts = {
      urls: () => [am.url],
      context: () => ({ site: 'north', service: 'cxr-triage' }),
      quiet: (a: Alert) => a.silenced !== undefined,
      queueFile,
      resendMs: 60_000,
    };
    const p = new AlertmanagerPusher(src.s, opts);
    await p.push(Date.UTC(2026, 11, 1, 10, 1));
    expect(am.got[0]).toEqual([
      {
        labels: { alertname: 'gpu-temperature', severity: 'critical', node: 'rad-01', site: 'north', service: 'cxr-triage', gpu: '0' },
        annotations: { summary: 'GPU 0 at 93 °C (critical from 90 °C)', edgeward_alert_id: 'gpu-temperature:rad-01:0' },
        startsAt: '2026-12-01T10:00:00.000Z',
        endsAt: '2026-12-01T10:05:00.000Z',
      },
    ]);
    // Alertmanager goes away; the alert resolves meanwhile.
    am.state.down = true;
    const stop = p.start();
    src.change(alert({ state: 'resolved', updatedAt: Date.UTC(2026, 11, 1, 10, 2) }));
    await new Promise((r) => setTimeout(r, 400));
    await p.push();
    expect(p.status.get(am.url)).toMatchObject({ ok: false, error: 'HTTP 503', queued: 1 });
    await stop();
    // A new process, the same queue file: the resolution goes out once Alertmanager is back.
    am.state.down = false;
    const again = new AlertmanagerPusher(src.s, opts);
    await again.push();
    expect(am.got.at(-1)).toEqual([
      expect.objectContaining({ endsAt: '2026-12-01T10:02:00.000Z', labels: expect.objectContaining({ node: 'rad-01' }) }),
    ]);
    await again.push();
    expect(am.got.length).toBe(2); // nothing left to send: nothing sent
    am.close();
  });

  it('sends nothing for an alert that pages no one here (silenced, or its node drained)', async () => {
    const am = await fakeAm();
    const src = source([alert({ silenced: { id: 's1', until: Date.now() + 60_000, reason: 'fan swap', by: 'op' } })]);
    const p = new AlertmanagerPusher(src.s, {
      urls: () => [am.url],
      context: () => ({}),
      quiet: (a) => a.silenced !== undefined,
      queueFile: `${tmp.dir}/q2.json`,
    });
    await p.push();
    expect(am.got).toEqual([]);
    am.close();
  });
});
