import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Claims } from '../../../electron/services/store/claims.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const holderScript = path.resolve(import.meta.dirname, '..', '..', 'helpers', 'claim-holder.ts');

function holdIn(dbFile: string, what: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', holderScript, dbFile, what], { stdio: ['ignore', 'pipe', 'inherit'] });
  const said = new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())));
  return { child, said };
}

describe('claims on long work in the state store', () => {
  const tmp = makeTempDir('edgeward-claims-');
  afterAll(() => tmp.cleanup());

  it('go to one process at a time, say who holds them, and pass on once the holder is gone', async () => {
    const db = path.join(tmp.dir, 'state.db');
    const a = holdIn(db, 'commission:rad-01');
    expect(await a.said).toBe('taken');
    const b = holdIn(db, 'commission:rad-01');
    expect(await b.said).toBe(`held by ${a.child.pid}`);
    const here = Claims.open(db);
    try {
      expect(here.take('commission:rad-01')).toMatchObject({ pid: a.child.pid });
      expect(here.heldElsewhere('commission:rad-02')).toBeUndefined();
      // Killed mid-run: its claim is stale and taken over.
      a.child.kill('SIGKILL');
      await new Promise((r) => a.child.once('exit', r));
      expect(here.take('commission:rad-01')).toBeUndefined();
      expect(here.heldElsewhere('commission:rad-01')).toBeUndefined();
    } finally {
      here.close();
      b.child.kill('SIGKILL');
    }
  }, 30_000);
});
