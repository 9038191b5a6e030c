import { afterAll, describe, expect, it } from 'vitest';
import { Inventory } from '../../../electron/services/fleet/inventory.js';
import { openLog } from '../../helpers/audit.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

describe('inventory edits', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());

  it('changes only the fields named in the patch, keeping every other one', async () => {
    const log = await openLog(tmp.dir);
    const inv = Inventory.open(tmp.dir, log);
    await inv.add({
      name: 'rad-01',
      host: 'rad-01.north.example',
      port: 2222,
      user: 'radadmin',
      site: 'north',
      tags: ['ct'],
      notes: 'rack 4',
    });
    const next = await inv.edit('rad-01', {
      profiles: ['radiology'],
      endpoints: [{ name: 'cxr', port: 8000, model: 'chest-xray', input: 'INPUT0' }],
    });
    expect(next).toMatchObject({ port: 2222, user: 'radadmin', site: 'north', tags: ['ct'], notes: 'rack 4', profiles: ['radiology'] });
    expect(next.endpoints).toEqual([{ name: 'cxr', port: 8000, model: 'chest-xray', input: 'INPUT0' }]);
    await expect(inv.edit('rad-01', { endpoints: [{ name: 'x', port: 8000, model: '$(reboot)', input: 'INPUT0' }] })).rejects.toThrow(
      /model/,
    );
    await log.close();
  });
});
