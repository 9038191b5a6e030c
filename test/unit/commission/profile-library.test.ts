import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ProfileLibrary } from '../../../electron/services/commission/profile-library.js';
import { openLog } from '../../helpers/audit.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const GOOD = 'name: Radiology 4 x L40S\ngpu: {model: L40S, count: 4}\n';

describe('the profile library', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());

  it('keeps valid profiles by name, audited with their hash, and refuses bad names and bad profiles', async () => {
    const log = await openLog(tmp.dir);
    const lib = new ProfileLibrary(tmp.dir, log);
    expect(lib.list()).toEqual([]);
    await lib.save('Radiology 4 x L40S', GOOD);
    await lib.save('Clinic.2', GOOD.replace('count: 4', 'count: 2'));
    expect(lib.list().map((p) => p.name)).toEqual(['Clinic.2', 'Radiology 4 x L40S']);
    expect(lib.list()[1]!.text).toBe(GOOD);
    await expect(lib.save('../../etc/passwd', GOOD)).rejects.toThrow(/cannot name a profile/);
    await expect(lib.save('bad', 'gpu: {count: 0}\n')).rejects.toThrow(/The profile is invalid \(line \d+: /);
    expect(fs.readdirSync(path.join(tmp.dir, 'commissioning', 'profiles')).sort()).toEqual(['Clinic.2.yaml', 'Radiology 4 x L40S.yaml']);
    const recs = fs
      .readFileSync(path.join(tmp.dir, 'audit-000001.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { action: string; outcome: string; params: { profile?: string; sha256?: string } });
    const saves = recs.filter((r) => r.action === 'commission.profile_save');
    expect(saves.map((r) => `${r.params.profile}:${r.outcome}`)).toEqual([
      'Radiology 4 x L40S:intent',
      'Radiology 4 x L40S:ok',
      'Clinic.2:intent',
      'Clinic.2:ok',
    ]);
    expect(saves[1]!.params.sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});
