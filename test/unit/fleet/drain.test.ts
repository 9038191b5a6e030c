import { afterAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../../electron/app/backend.js';
import { startDrainExpiry } from '../../../electron/services/fleet/drain-expiry.js';
import { runCommand, type CliOutput } from '../../../electron/cli/commands.js';
import type { Alert } from '../../../shared/alerts.js';
import { nodeHealth } from '../../../shared/node-health.js';
import { gpuSample } from '../../helpers/gpu-sample.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const hot = (node: string) => ({
  node,
  at: Date.now(),
  session: 'live' as const,
  gpuHealth: 'ok' as const,
  gpus: [gpuSample({ index: 0, tempC: 96 })],
  rejected: 0,
});
const quiet = () => {
  const lines: string[] = [];
  const io: CliOutput = { json: false, print: (l) => lines.push(l), error: (l) => lines.push(l) };
  return { io, lines };
};

describe('drain (maintenance mode)', () => {
  const tmp = makeTempDir('edgeward-drain-');
  afterAll(() => tmp.cleanup());

  it('says drained first in the health model, with what is true underneath', () => {
    const now = Date.now();
    const h = nodeHealth({
      node: 'rad-01',
      enabled: true,
      connection: { name: 'rad-01', status: 'connected', since: new Date(now - 60_000).toISOString() },
      telemetry: { session: 'live', at: now - 1000, hottestC: 96 },
      alerts: [
        {
          id: 'a',
          rule: 'gpu-temperature',
          node: 'rad-01',
          severity: 'critical',
          state: 'firing',
          since: now,
          updatedAt: now,
          message: 'GPU 0 at 96 °C',
        },
      ],
      drain: { reason: 'fan swap INC-4411', until: now + 3_600_000 },
      now,
    });
    expect(h).toMatchObject({ level: 'drained' });
    expect(h.reason).toMatch(/^Drained \(ends in 60 min\): fan swap INC-4411; critical: GPU 0 at 96 °C$/);
    // Past its end time it is not drained any more.
    expect(nodeHealth({ node: 'x', enabled: true, alerts: [], drain: { reason: 'r', until: now - 1 }, now }).level).not.toBe('drained');
  });

  it('keeps a drained node out of notifications and the nav count, records both changes, and the CLI drains and undrains', async () => {
    const notified: Alert[] = [];
    const app = await createBackend({ dataDir: tmp.dir, transport: 'loopback', notify: (a) => notified.push(a) });
    try {
      await app.inventory.add({ name: 'rad-01', host: '10.9.0.1' });
      await app.inventory.add({ name: 'rad-02', host: '10.9.0.2' });
      const ctx = { transport: 'loopback' as const, clientId: 'page' };
      const bad = await app.router.invoke('fleet.node.drain', { name: 'rad-01', reason: '  ' }, ctx);
      expect(bad.ok).toBe(false);
      const r = await app.router.invoke('fleet.node.drain', { name: 'rad-01', reason: 'fan swap', until: Date.now() + 3_600_000 }, ctx);
      expect(r.ok).toBe(true);
      app.alerts.evaluate(hot('rad-01'));
      app.alerts.evaluate(hot('rad-02'));
      expect(notified.map((a) => a.node)).toEqual(['rad-02']);
      const health = await app.router.invoke('fleet.health', {}, ctx);
      const v = health.ok ? (health.value as { nodes: { node: string; level: string }[]; firing: { critical: number } }) : undefined;
      expect(v?.firing.critical).toBe(1);
      expect(v?.nodes.find((n) => n.node === 'rad-01')?.level).toBe('drained');
      expect((await app.router.invoke('fleet.node.undrain', { name: 'rad-01' }, ctx)).ok).toBe(true);
      expect((await app.router.invoke('fleet.node.undrain', { name: 'rad-01' }, ctx)).ok).toBe(false);
      const cli = quiet();
      expect(await runCommand(app, ['nodes', 'drain', 'rad-02'], cli.io, { reason: 'PSU swap', until: '4h' })).toBe(0);
      expect(cli.lines.at(-1)).toMatch(/^drained rad-02 until \d{4}-/);
      expect(await runCommand(app, ['nodes', 'drain', 'rad-02'], quiet().io, { reason: 'x', until: 'someday' })).toBe(2);
      expect(await runCommand(app, ['nodes', 'drain', 'rad-02'], quiet().io, {})).toBe(2);
      expect(await runCommand(app, ['nodes', 'undrain', 'rad-02'], quiet().io)).toBe(0);
      const actions = app.audit.index.query({ action: 'node.drain' }, 0, 10).records.map((x) => `${x.target.node}:${x.outcome}`);
      expect(actions.sort()).toEqual(['rad-01:intent', 'rad-01:ok', 'rad-02:intent', 'rad-02:ok']);
      expect(app.audit.index.query({ action: 'node.undrain' }, 0, 10).records).toHaveLength(4);
    } finally {
      await app.close();
    }
  });

  it('ends a drain at its end time once, also with two processes watching', async () => {
    const a = await createBackend({ dataDir: tmp.dir, transport: 'cli' });
    const b = await createBackend({ dataDir: tmp.dir, transport: 'cli' });
    try {
      await a.inventory.drain('rad-01', 'short job', Date.now() + 300);
      await new Promise((r) => setTimeout(r, 400));
      const stops = [startDrainExpiry(a.inventory, 50), startDrainExpiry(b.inventory, 50)];
      await new Promise((r) => setTimeout(r, 500));
      stops.forEach((s) => s());
      expect(a.inventory.get('rad-01')?.drain).toBeUndefined();
      const ended = a.audit.index.query({ action: 'node.undrain' }, 0, 20).records.filter((x) => x.params.ended === true);
      expect(ended.map((x) => x.outcome).sort()).toEqual(['intent', 'ok']);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
