import { spawn } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS, openStateDb, SCHEMA_VERSION } from '../../../electron/services/store/state-db.js';
import { AlertStore } from '../../../electron/services/telemetry/alert-store.js';
import type { Alert } from '../../../shared/alerts.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const seen = (over: Partial<Alert> = {}): Alert => ({
  id: 'gpu-temperature:rad-01:0',
  rule: 'gpu-temperature',
  node: 'rad-01',
  gpu: 0,
  severity: 'warning',
  state: 'firing',
  since: 0,
  updatedAt: 0,
  message: 'GPU 0 at 87 °C',
  ...over,
});

describe('the state store', () => {
  const tmp = makeTempDir('edgeward-state-');
  afterAll(() => tmp.cleanup());

  it('creates the schema at the newest version, and opening it again changes nothing', () => {
    const file = path.join(tmp.dir, 'a', 'state.db');
    openStateDb(file).close();
    const db = openStateDb(file);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    db.close();
  });

  it('refuses a store written by a newer Edgeward, saying so', () => {
    const file = path.join(tmp.dir, 'b.db');
    const raw = new Database(file);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => openStateDb(file)).toThrow(/schema version \d+, newer than this Edgeward knows/);
  });

  it('keeps alerts across a restart: state, first and last seen, and who acknowledged', () => {
    const file = path.join(tmp.dir, 'c.db');
    const a = AlertStore.open(file);
    expect(a.observe(seen(), 1000)).toMatchObject({ fired: true });
    expect(a.observe(seen({ message: 'GPU 0 at 90 °C' }), 2000)).toMatchObject({ fired: false, changed: true });
    a.acknowledge('gpu-temperature:rad-01:0', 'Night shift', 2500);
    expect(a.resolve('gpu-temperature:rad-01:0', 3000)).toMatchObject({ state: 'resolved' });
    expect(a.resolve('gpu-temperature:rad-01:0', 3100)).toBeUndefined();
    a.close();

    const b = AlertStore.open(file);
    expect(b.all()).toEqual([
      expect.objectContaining({
        state: 'resolved',
        since: 1000,
        firstSeen: 1000,
        lastSeen: 3000,
        message: 'GPU 0 at 90 °C',
        acknowledged: { by: 'Night shift', at: 2500 },
      }),
    ]);
    // Firing again starts a new episode: new since, acknowledgement cleared, first seen kept.
    expect(b.observe(seen(), 5000)).toMatchObject({ fired: true, alert: { since: 5000, firstSeen: 1000 } });
    expect(b.get('gpu-temperature:rad-01:0')?.acknowledged).toBeUndefined();
    expect(b.history({ limit: 10 }).map((e) => `${e.kind}${e.by ? ` by ${e.by}` : ''}`)).toEqual([
      'fire',
      'resolve',
      'acknowledge by Night shift',
      'fire',
    ]);
    expect(b.history({ limit: 2, before: b.history({ limit: 1 })[0]!.seq }).map((e) => e.kind)).toEqual(['resolve', 'acknowledge']);
    b.close();
  });

  it('fires an alert once when two processes see the same condition at the same time', async () => {
    const file = path.join(tmp.dir, 'd.db');
    AlertStore.open(file).close();
    const script = `
      import { AlertStore } from ${JSON.stringify(path.resolve(import.meta.dirname, '../../../electron/services/telemetry/alert-store.ts'))};
      const s = AlertStore.open(process.argv[1]);
      let fired = 0;
      for (let i = 0; i < 200; i++) {
        const id = 'node-unreachable:node-' + (i % 20);
        if (s.observe({ id, rule: 'node-unreachable', node: 'node-' + (i % 20), severity: 'critical', state: 'firing', since: 0, updatedAt: 0, message: 'down' }, 1000 + i).fired) fired++;
        if (i % 40 === 39) for (let n = 0; n < 20; n++) s.resolve('node-unreachable:node-' + n, 1000 + i);
      }
      process.stdout.write(String(fired));
    `;
    const run = () =>
      new Promise<number>((resolve, reject) => {
        const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, file], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        p.stdout.on('data', (d: Buffer) => (out += d.toString()));
        p.once('exit', (code) => (code === 0 ? resolve(Number(out)) : reject(new Error(`writer exited ${code}`))));
      });
    const fired = await Promise.all([run(), run(), run()]);
    const s = AlertStore.open(file);
    const events = s.history({ limit: 10_000 }).reverse();
    expect(fired.reduce((a, b) => a + b, 0)).toBe(events.filter((e) => e.kind === 'fire').length);
    // Per alert, firing and resolving alternate: no episode was fired twice by two processes.
    for (let n = 0; n < 20; n++) {
      const kinds = events.filter((e) => e.alertId === `node-unreachable:node-${n}`).map((e) => e.kind);
      expect(kinds.length).toBeGreaterThan(1);
      kinds.forEach((k, i) => expect(k).toBe(i % 2 === 0 ? 'fire' : 'resolve'));
    }
    s.close();
  }, 60_000);
});
