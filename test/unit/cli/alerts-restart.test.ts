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

  it('silence from the CLI with a duration and a reason; the app sees it and it ends from either side', async () => {
    const cli = await createBackend({ dataDir: tmp.dir, transport: 'cli' });
    try {
      cli.alerts.evaluate({ ...frame(Date.now(), 95), node: 'rad-02' });
      const bad = capture();
      expect(await runCommand(cli, ['alerts', 'silence'], bad.io, { node: 'rad-02', for: '2 hours', reason: 'x' })).toBe(2);
      expect(await runCommand(cli, ['alerts', 'silence'], capture().io, { node: 'rad-02', for: '2h' })).toBe(2);
      expect(await runCommand(cli, ['alerts', 'silence'], capture().io, { node: 'rad-02', rule: 'hot', for: '2h', reason: 'fan' })).toBe(2);
      // Longer than 7 days: refused, saying the range.
      const long = capture();
      expect(await runCommand(cli, ['alerts', 'silence'], long.io, { node: 'rad-02', for: '30d', reason: 'forever' })).toBe(2);
      expect([...long.lines, ...long.errors].join('\n')).toMatch(/5 minutes to 7 days/);
      const ok = capture();
      expect(
        await runCommand(cli, ['alerts', 'silence'], ok.io, {
          node: 'rad-02',
          rule: 'gpu-temperature',
          for: '2h',
          reason: 'chiller repair INC-7',
        }),
      ).toBe(0);
      const s = JSON.parse(ok.lines[0]!) as { id: string; endsAt: number };
      expect(s.endsAt - Date.now()).toBeGreaterThan(2 * 3_600_000 - 60_000);
      const listed = capture();
      await runCommand(cli, ['alerts'], listed.io);
      const a = (JSON.parse(listed.lines[0]!) as { alerts: Alert[] }).alerts.find((x) => x.node === 'rad-02');
      expect(a?.silenced).toMatchObject({ id: s.id, reason: 'chiller repair INC-7' });
      const health = await cli.router.invoke('fleet.health', {}, { transport: 'cli', clientId: 'cli' });
      expect(health.ok && health.value).toMatchObject({ firing: { critical: 1 } }); // rad-01's, not the silenced rad-02's
      expect(await runCommand(cli, ['alerts', 'unsilence', s.id], capture().io)).toBe(0);
      expect(await runCommand(cli, ['alerts', 'unsilence', s.id], capture().io)).toBe(2);
      const silences = capture();
      await runCommand(cli, ['alerts', 'silences'], silences.io);
      expect(JSON.parse(silences.lines[0]!).silences[0]).toMatchObject({ id: s.id, ended: {} });
      expect(cli.audit.index.query({ action: 'alert.silence' }, 0, 10).records.map((x) => x.outcome)).toEqual(['ok', 'intent']);
      expect(cli.audit.index.query({ action: 'alert.unsilence' }, 0, 10).records.map((x) => x.outcome)).toEqual(['ok', 'intent']);
    } finally {
      await cli.close();
    }
  });

  it('writes times in the clock the settings choose: UTC with Z, local with its offset', async () => {
    const tz = process.env.TZ;
    process.env.TZ = 'Asia/Kolkata';
    const cli = await createBackend({ dataDir: tmp.dir, transport: 'cli' });
    try {
      const text = () => {
        const lines: string[] = [];
        return { io: { json: false, print: (l: string) => lines.push(l), error: () => undefined } as CliOutput, lines };
      };
      expect(await runCommand(cli, ['settings', 'set', 'timeZone', 'utc'], capture().io)).toBe(0);
      const utc = text();
      await runCommand(cli, ['alerts'], utc.io);
      expect(utc.lines.join('\n')).toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/);
      expect(await runCommand(cli, ['settings', 'set', 'timeZone', 'local'], capture().io)).toBe(0);
      const local = text();
      await runCommand(cli, ['alerts'], local.io);
      expect(local.lines.join('\n')).toMatch(/T\d\d:\d\d:\d\d\+05:30/);
      expect(await runCommand(cli, ['settings', 'set', 'timeZone', 'mars'], capture().io)).toBe(2);
    } finally {
      await cli.close();
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
  });
});
