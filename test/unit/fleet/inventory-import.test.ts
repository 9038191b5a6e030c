import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../../electron/app/backend.js';
import { FleetNode } from '../../../shared/fleet.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const legacy = (names: string[]) =>
  JSON.stringify({ version: 1, nodes: names.map((name, i) => FleetNode.parse({ name, host: `10.1.0.${i + 1}`, site: 'north' })) }, null, 2);

describe('the inventory of earlier versions (inventory.json)', () => {
  const tmp = makeTempDir('edgeward-inv-import-');
  afterAll(() => tmp.cleanup());

  it('is imported into the state store once on first start, and kept beside', async () => {
    const dir = path.join(tmp.dir, 'a');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'inventory.json'), legacy(['rad-01', 'rad-02', 'cds-01']));
    const first = await createBackend({ dataDir: dir, transport: 'cli' });
    expect(first.inventory.list().map((n) => n.name)).toEqual(['cds-01', 'rad-01', 'rad-02']);
    await first.close();
    expect(fs.existsSync(path.join(dir, 'inventory.json'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'inventory.json.imported'))).toBe(true);
    // A file put back later (a restored backup) is not imported over what changed since.
    const again = await createBackend({ dataDir: dir, transport: 'cli' });
    await again.router.invoke('fleet.node.remove', { name: 'cds-01' }, { transport: 'cli', clientId: 't' });
    await again.close();
    fs.writeFileSync(path.join(dir, 'inventory.json'), legacy(['rad-01', 'rad-02', 'cds-01']));
    const third = await createBackend({ dataDir: dir, transport: 'cli' });
    expect(third.inventory.list().map((n) => n.name)).toEqual(['rad-01', 'rad-02']);
    await third.close();
  });

  it('is refused, not skipped, when it is damaged: the user\u2019s file stays as it is', async () => {
    const dir = path.join(tmp.dir, 'b');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'inventory.json'), '{"version": 1, "nodes": [{"name": 7}]}');
    await expect(createBackend({ dataDir: dir, transport: 'cli' })).rejects.toMatchObject({
      appError: { message: expect.stringMatching(/The inventory file .*inventory\.json is damaged/) },
    });
    expect(fs.readFileSync(path.join(dir, 'inventory.json'), 'utf8')).toContain('"name": 7');
  });
});
