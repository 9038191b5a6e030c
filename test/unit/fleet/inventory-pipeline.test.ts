import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../../electron/app/backend.js';
import { verifyLog } from '../../../electron/services/audit/verify.js';
import type { AuditRecord } from '../../../shared/audit.js';
import { replayInventory } from '../../helpers/inventory-replay.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { runChildJson } from '../../helpers/run-child.js';

const writer = path.resolve(import.meta.dirname, '..', '..', 'helpers', 'inventory-router-writer.ts');
type Change = { op: string; name: string; ok: boolean; code?: string; message?: string };

const run = (dataDir: string, prefix: string, count: number, seed: number) =>
  runChildJson<Change[]>(writer, [dataDir, prefix, String(count), String(seed)]);

const ACTION: Record<string, string> = {
  add: 'node.add',
  edit: 'node.edit',
  disable: 'node.disable',
  enable: 'node.enable',
  remove: 'node.remove',
};

describe('inventory changes through the pipeline from several processes at once', () => {
  const tmp = makeTempDir('edgeward-inv-pipeline-');
  afterAll(() => tmp.cleanup());

  it('3 CLI processes × 200 mixed changes and the app: each kept or refused with a reason, one intent and one outcome per kept change', async () => {
    const app = await createBackend({ dataDir: tmp.dir, transport: 'loopback' });
    try {
      const ctx = { transport: 'loopback' as const, clientId: 'window' };
      const appChanges = (async () => {
        const done: Change[] = [];
        for (let i = 0; i < 60; i++) {
          const name = i % 2 === 0 ? `app-${i}` : `shared-${i % 10}`;
          const r =
            i % 3 === 2
              ? await app.router.invoke('fleet.node.edit', { name, patch: { notes: `edit ${i} by app` } }, ctx)
              : await app.router.invoke('fleet.node.add', { name, host: `10.8.0.${i}`, site: 'app' }, ctx);
          done.push(
            r.ok
              ? { op: i % 3 === 2 ? 'edit' : 'add', name, ok: true }
              : { op: 'x', name, ok: false, code: r.error.code, message: r.error.message },
          );
        }
        return done;
      })();
      const all = (
        await Promise.all([run(tmp.dir, 'cli-a', 200, 7), run(tmp.dir, 'cli-b', 200, 11), run(tmp.dir, 'cli-c', 200, 13), appChanges])
      ).flat();
      const kept = all.filter((c) => c.ok);
      const refused = all.filter((c) => !c.ok);
      expect(all).toHaveLength(660);
      // Contention is real: some changes met a node another process had removed or already added.
      expect(refused.length).toBeGreaterThan(20);
      expect(kept.length).toBeGreaterThan(200);
      for (const c of refused) {
        expect(['NOT_FOUND', 'CONFLICT', 'VALIDATION']).toContain(c.code);
        expect(c.message, JSON.stringify(c)).toMatch(/\w+ \w+/);
      }

      const records = app.audit.index.query({}, 0, 100_000).records.filter((r) => r.action.startsWith('node.')) as AuditRecord[];
      const intents = records.filter((r) => r.outcome === 'intent');
      const outcomes = records.filter((r) => r.outcome !== 'intent');
      // Exactly one intent and one outcome per kept change, and nothing for a refused one.
      expect(outcomes.every((r) => r.outcome === 'ok')).toBe(true);
      expect(intents).toHaveLength(kept.length);
      expect(outcomes.map((r) => r.intent).sort((a, b) => a! - b!)).toEqual(intents.map((r) => r.seq).sort((a, b) => a - b));
      for (const op of Object.keys(ACTION))
        expect(outcomes.filter((r) => r.action === ACTION[op]).length, op).toBe(kept.filter((c) => c.op === op).length);

      // The inventory is what the audit log says happened, in the order it happened.
      const told = replayInventory(records);
      const nodes = app.inventory.list();
      expect(nodes.map((n) => n.name).sort()).toEqual([...told.keys()].sort());
      for (const n of nodes)
        expect({ enabled: n.enabled, notes: n.notes }, n.name).toEqual({
          enabled: told.get(n.name)!.enabled,
          notes: told.get(n.name)!.notes,
        });
      expect(verifyLog(path.join(tmp.dir, 'audit'))).toMatchObject({ intact: true });
    } finally {
      await app.close();
    }
  }, 180_000);
});
