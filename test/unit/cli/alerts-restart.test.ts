import { afterAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../../electron/app/backend.js';
import { runCommand, type CliOutput } from '../../../electron/cli/commands.js';
import type { Alert, AlertEvent } from '../../../shared/alerts.js';
import type { TelemetryFrame } from '../../../shared/telemetry.js';
import { gpuSample } from '../../helpers/gpu-sample.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const capture = () => {
  const lines: string[] = [];
  const errors: string[] = [];
  const io: CliOutput = { json: true, print: (l) => lines.push(l), error: (l) => errors.push(l) };
  return { io, lines, errors };
};

const frame = (at: number, tempC: number): TelemetryFrame => ({
  node: 'rad-01',
  at,
  session: 'live',
  gpuHealth: 'ok',
  gpus: [gpuSample({ index: 0, tempC })],
  rejected: 0,
});

describe('alerts across a restart', () => {
  const tmp = makeTempDir('edgeward-alerts-');
  afterAll(() => tmp.cleanup());

  it('keep their state, first and last seen and acknowledgements, for the app and the CLI alike', async () => {
    const app = await createBackend({ dataDir: tmp.dir, transport: 'loopback' });
    app.alerts.evaluate(frame(Date.now() - 60_000, 88));
    app.alerts.evaluate(frame(Date.now() - 20_000, 93));
    await app.close();

    // A CLI started later sees what the app raised, and acknowledges it through the router.
    const cli = await createBackend({ dataDir: tmp.dir, transport: 'cli' });
    await runCommand(cli, ['settings', 'set', 'operatorName', 'On-call B'], capture().io);
    const listed = capture();
    expect(await runCommand(cli, ['alerts'], listed.io)).toBe(0);
    const [alert] = (JSON.parse(listed.lines[0]!) as { alerts: Alert[] }).alerts;
    expect(alert).toMatchObject({ id: 'gpu-temperature:rad-01:0', state: 'firing', severity: 'critical' });
    expect(alert!.lastSeen! - alert!.firstSeen!).toBeGreaterThanOrEqual(40_000);
    expect(await runCommand(cli, ['alerts', 'ack', alert!.id], capture().io)).toBe(0);
    expect(await runCommand(cli, ['alerts', 'ack', 'no-such-alert'], capture().io)).toBe(2);
    await cli.close();

    const again = await createBackend({ dataDir: tmp.dir, transport: 'loopback' });
    try {
      const ctx = { transport: 'loopback' as const, clientId: 'page' };
      const r = await again.router.invoke('alerts.list', {}, ctx);
      expect(r.ok && r.value).toMatchObject({ alerts: [{ id: alert!.id, acknowledged: { by: 'On-call B' } }] });
      const h = await again.router.invoke('alerts.history', { limit: 10 }, ctx);
      expect(h.ok && (h.value as { events: AlertEvent[] }).events.map((e) => e.kind)).toEqual(['acknowledge', 'fire']);
      // The acknowledgement is audited once, as an intent and its outcome.
      expect(again.audit.index.query({ action: 'alert.acknowledge' }, 0, 10).records.map((x) => x.outcome)).toEqual(['ok', 'intent']);
      const hist = capture();
      expect(await runCommand(again, ['alerts', 'history'], hist.io)).toBe(0);
      expect(JSON.parse(hist.lines[0]!).events).toHaveLength(2);
      expect(await runCommand(again, ['alerts', 'history'], capture().io, { limit: 'lots' })).toBe(2);
    } finally {
      await again.close();
    }
  });
});
