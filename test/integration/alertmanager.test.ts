import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setScenario, type BedState } from '../testbed/bed.js';
import type { BedNode } from '../testbed/layout.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { ensureBed } from './helpers/bed.js';
import { addTrusted, fleetBackend, type FleetHarness } from './helpers/fleet.js';
import { freePort } from '../helpers/free-port.js';
import { stopChild } from '../helpers/run-child.js';

interface AmApiAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  status: { state: string; silencedBy: string[] };
}

/** A temperature ramp on a bed node reaches Debian's real Alertmanager as an alert, and resolves there. */
describe('alerts pushed to Alertmanager', () => {
  let bed: BedState;
  let node: BedNode;
  let h: FleetHarness;
  let am: ChildProcess;
  let amUrl: string;
  const tmp = makeTempDir('edgeward-am-it-');

  const amAlerts = async (): Promise<AmApiAlert[]> => {
    const res = await fetch(`${amUrl}/api/v2/alerts?filter=${encodeURIComponent(`node="${node.name}"`)}`).catch(() => undefined);
    return res?.ok ? ((await res.json()) as AmApiAlert[]) : [];
  };

  beforeAll(async () => {
    bed = await ensureBed();
    node = bed.nodes[12]!;
    const port = await freePort();
    amUrl = `http://127.0.0.1:${port}`;
    const cfg = path.join(tmp.dir, 'alertmanager.yml');
    fs.writeFileSync(cfg, 'route:\n  receiver: nobody\nreceivers:\n  - name: nobody\n');
    am = spawn(
      'prometheus-alertmanager',
      [
        '--config.file',
        cfg,
        '--storage.path',
        path.join(tmp.dir, 'data'),
        '--web.listen-address',
        `127.0.0.1:${port}`,
        '--cluster.listen-address=',
      ],
      { stdio: 'ignore' },
    );
    setScenario(node, { count: 1 });
    h = await fleetBackend({ transport: 'loopback', alertmanagerResendMs: 1000 });
    await addTrusted(h, bed, [node], { site: 'north' });
    const set = await h.backend.router.invoke('settings.set', { alertmanagers: [amUrl] }, { transport: 'cli', clientId: 't' });
    expect(set.ok).toBe(true);
  }, 180_000);

  afterAll(async () => {
    setScenario(node, { count: 1 });
    await h?.close();
    await stopChild(am);
    tmp.cleanup();
  });

  it('shows the alert in Alertmanager with its labels and message, then resolves it', async () => {
    const stop = h.backend.telemetry.watch(node.name, () => undefined);
    try {
      setScenario(node, { count: 1, gpuOverrides: { '0': { 'temperature.gpu': '95' } } });
      await expect
        .poll(
          async () => (await amAlerts()).map((a) => [a.labels.alertname, a.labels.severity, a.labels.site, a.labels.gpu, a.status.state]),
          {
            timeout: 45_000,
            interval: 1000,
          },
        )
        .toEqual([['gpu-temperature', 'critical', 'north', '0', 'active']]);
      expect((await amAlerts())[0]!.annotations.summary).toMatch(/^GPU 0 at 95 °C \(critical from 92 °C\)$/);
      // The fan is fixed: Edgeward resolves the alert, and so does Alertmanager.
      setScenario(node, { count: 1 });
      await expect.poll(async () => (await amAlerts()).length, { timeout: 60_000, interval: 1000 }).toBe(0);
    } finally {
      stop();
    }
  }, 120_000);

  it('acknowledging with a silence silences the alert in Alertmanager (audited); one that is down makes it partial', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const ctx = { transport: 'cli' as const, clientId: 't' };
    expect((await h.backend.router.invoke('settings.set', { alertmanagers: [amUrl, dead] }, ctx)).ok).toBe(true);
    const stop = h.backend.telemetry.watch(node.name, () => undefined);
    try {
      setScenario(node, { count: 1, gpuOverrides: { '0': { 'temperature.gpu': '95' } } });
      await expect.poll(async () => (await amAlerts()).map((a) => a.status.state), { timeout: 45_000, interval: 1000 }).toEqual(['active']);
      const alert = h.backend.alerts.list().find((a) => a.node === node.name && a.state === 'firing')!;
      const r = await h.backend.router.invoke('alerts.ack', { id: alert.id, note: 'fan swap, ticket 4411', silenceMinutes: 30 }, ctx);
      expect(r.ok).toBe(true);
      const results = r.ok ? (r.value as { alertmanager: { url: string; id?: string; error?: string }[] }).alertmanager : [];
      expect(results.map((x) => x.url)).toEqual([amUrl, dead]);
      const id = results[0]!.id!;
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(results[1]!.error).toMatch(/ECONNREFUSED/);

      // Alertmanager now holds the silence, matching this alert only, and suppresses the alert.
      const silence = (await (await fetch(`${amUrl}/api/v2/silence/${id}`)).json()) as {
        matchers: { name: string; value: string }[];
        createdBy: string;
        comment: string;
        status: { state: string };
      };
      expect(silence.status.state).toBe('active');
      expect(silence.matchers.map((m) => `${m.name}=${m.value}`).sort()).toEqual([
        'alertname=gpu-temperature',
        'gpu=0',
        `node=${node.name}`,
      ]);
      expect(silence.comment).toBe(`Acknowledged in Edgeward by ${silence.createdBy}: fan swap, ticket 4411`);
      await expect
        .poll(async () => (await amAlerts()).map((a) => [a.status.state, a.status.silencedBy]), { timeout: 15_000, interval: 500 })
        .toEqual([['suppressed', [id]]]);

      // The audit record has the silence, and says the other Alertmanager refused it.
      const rec = h.backend.audit.index.query({ action: 'alert.acknowledge' }, 0, 5).records.find((x) => x.outcome !== 'intent')!;
      expect(rec.outcome).toBe('partial');
      expect(rec.params.alertmanagerSilences).toEqual([`${amUrl} ${id}`, expect.stringMatching(`^${dead} failed: ECONNREFUSED`)]);
      expect(rec.error).toMatch(`not silenced in ${dead}`);
    } finally {
      stop();
      setScenario(node, { count: 1 });
    }
  }, 120_000);
});
