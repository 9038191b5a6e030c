import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../../electron/app/backend.js';
import { verifyLog } from '../../../electron/services/audit/verify.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { runChildJson } from '../../helpers/run-child.js';

const writer = path.resolve(import.meta.dirname, '..', '..', 'helpers', 'inventory-writer.ts');

const run = (dataDir: string, prefix: string, count: number) => runChildJson<string[]>(writer, [dataDir, prefix, String(count)]);

describe('the inventory with several processes writing at once', () => {
  const tmp = makeTempDir('edgeward-inv-procs-');
  afterAll(() => tmp.cleanup());

  it('keeps every change of three CLI processes and the app, and the audit log holds each exactly once', async () => {
    const app = await createBackend({ dataDir: tmp.dir, transport: 'loopback' });
    const count = 40;
    try {
      const appChanges = (async () => {
        const done: string[] = [];
        for (let i = 0; i < count; i++) {
          await app.inventory.add({ name: `app-${i}`, host: `10.200.${i}.1`, site: 'app' });
          done.push(`add app-${i}`);
          if (i % 4 === 0) {
            await app.inventory.edit(`app-${i}`, { tags: ['from-app'] });
            done.push(`edit app-${i}`);
          }
        }
        return done;
      })();
      const all = (
        await Promise.all([run(tmp.dir, 'cli-a', count), run(tmp.dir, 'cli-b', count), run(tmp.dir, 'cli-c', count), appChanges])
      ).flat();
      const expected = new Map<string, { notes?: string; enabled: boolean; tags?: string[] }>();
      for (const change of all) {
        const [op, name] = change.split(' ') as [string, string];
        if (op === 'add') expected.set(name, { enabled: true });
        if (op === 'edit') expected.get(name)!.notes = name.startsWith('app-') ? undefined : `edited by ${name.replace(/-\d+$/, '')}`;
        if (op === 'edit' && name.startsWith('app-')) expected.get(name)!.tags = ['from-app'];
        if (op === 'disable') expected.get(name)!.enabled = false;
        if (op === 'remove') expected.delete(name);
      }
      const nodes = app.inventory.list();
      expect(nodes.map((n) => n.name).sort()).toEqual([...expected.keys()].sort());
      for (const n of nodes) {
        const e = expected.get(n.name)!;
        expect(n.enabled, n.name).toBe(e.enabled);
        if (e.notes) expect(n.notes, n.name).toBe(e.notes);
        if (e.tags) expect(n.tags, n.name).toEqual(e.tags);
      }
      const records = (action: 'node.add' | 'node.edit' | 'node.disable' | 'node.remove') =>
        app.audit.index.query({ action, outcome: 'ok' }, 0, 10_000).total;
      const countOf = (op: string) => all.filter((c) => c.startsWith(`${op} `)).length;
      expect(records('node.add')).toBe(countOf('add'));
      expect(records('node.edit')).toBe(countOf('edit'));
      expect(records('node.disable')).toBe(countOf('disable'));
      expect(records('node.remove')).toBe(countOf('remove'));
      expect(verifyLog(path.join(tmp.dir, 'audit'))).toMatchObject({ intact: true });
    } finally {
      await app.close();
    }
  }, 120_000);
});
