import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBackend } from '../../electron/app/backend.js';
import { writeAtomic } from '../../electron/services/common/write-atomic.js';
import { HistoryStore } from '../../electron/services/telemetry/history.js';
import type { HistoryTrouble } from '../../electron/services/telemetry/history-db.js';
import type { TelemetryFrame } from '../../shared/telemetry.js';
import { run } from '../testbed/sh.js';
import { gpuSample } from '../helpers/gpu-sample.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { fillDisk } from '../helpers/disk.js';

const frame = (node: string, at: number): TelemetryFrame => ({
  node,
  at,
  session: 'live',
  gpuHealth: 'ok',
  gpus: [gpuSample({ index: 0, at }), gpuSample({ index: 1, at })],
  rejected: 0,
});

describe('data on a full or damaged disk', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    tmp = makeTempDir('edgeward-disk-');
    run('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', tmp.dir]);
  });
  afterEach(() => {
    run('umount', [tmp.dir]);
    tmp.cleanup();
  });

  it('writeAtomic never commits a truncated file when the disk fills up mid-write', () => {
    const file = path.join(tmp.dir, 'inventory.json');
    writeAtomic(file, JSON.stringify({ nodes: ['before'] }));
    const big = JSON.stringify({ nodes: Array.from({ length: 40_000 }, (_, i) => `node-${i}`) }); // ~480 KB > 256 KB
    expect(() => writeAtomic(file, big)).toThrow(/The disk holding .*inventory.json is full: it was left as it was/);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ nodes: ['before'] });
    expect(fs.readdirSync(tmp.dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('history keeps samples through a full disk, says so once, and writes them when space is back', () => {
    const store = new HistoryStore(path.join(tmp.dir, 'telemetry.db'));
    const troubles: HistoryTrouble[] = [];
    store.onTrouble((t) => troubles.push(t));
    const t0 = Date.now() - 60_000;
    store.record(frame('n1', t0));
    store.flushSafely(t0);
    const filler = fillDisk(tmp.dir);
    for (let i = 1; i <= 200; i++) {
      store.record(frame('n1', t0 + i * 100));
      expect(() => store.flushSafely(t0 + i * 100)).not.toThrow();
    }
    expect(troubles.map((t) => t.kind)).toEqual(['full']);
    fs.rmSync(filler);
    store.flushSafely(t0 + 30_000);
    expect(store.query('n1', 0, t0 - 1, t0 + 30_000).points).toHaveLength(201);
    store.close();
  });
});

describe('a damaged history', () => {
  const tmp = makeTempDir('edgeward-corrupt-');
  afterAll(() => tmp.cleanup());

  it('a damaged telemetry.db is moved aside, audited, and the console and CLI run on a new one', async () => {
    const dataDir = tmp.dir;
    // A real database, then one of its pages overwritten: SQLite opens it and fails on reading.
    const db = path.join(dataDir, 'telemetry.db');
    const first = new HistoryStore(db);
    for (let i = 0; i < 50; i++) first.record(frame(`n${i}`, Date.now() - 1000 + i));
    first.close();
    const bytes = fs.readFileSync(db);
    bytes.fill(0xa5, 4096, Math.min(bytes.length, 4096 * 3));
    fs.writeFileSync(db, bytes);
    const backend = await createBackend({ dataDir, transport: 'cli' });
    try {
      const rec = backend.audit.index.query({ action: 'telemetry.history_trouble' }, 0, 5).records[0];
      expect(rec).toMatchObject({
        outcome: 'failed',
        params: { kind: 'corrupt', movedTo: expect.stringContaining('telemetry.db.corrupt-') },
      });
      expect(fs.existsSync(String(rec!.params.movedTo))).toBe(true);
      backend.history.record(frame('n1', Date.now()));
      backend.history.flushSafely();
      expect(backend.history.lastKnown().map((k) => k.node)).toEqual(['n1']);
    } finally {
      await backend.close();
    }
    // Not a database at all: the same.
    fs.writeFileSync(db, 'this is not sqlite'.repeat(100));
    const again = await createBackend({ dataDir, transport: 'cli' });
    await again.close();
    expect(
      fs.readdirSync(dataDir).filter((f) => f.startsWith('telemetry.db.corrupt-') && !f.endsWith('-wal') && !f.endsWith('-shm')),
    ).toHaveLength(2);
  });
});
