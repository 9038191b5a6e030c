import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../../electron/app/backend.js';
import { runCommand, type CliOutput } from '../../electron/cli/commands.js';
import { formatTable } from '../../electron/cli/table.js';
import { makeTempDir } from '../helpers/temp-dir.js';

function capture(json = false) {
  const out = { stdout: [] as string[], stderr: [] as string[] };
  const io: CliOutput = { json, print: (t) => out.stdout.push(t), error: (t) => out.stderr.push(t) };
  return { out, io };
}

describe('edgeward CLI frame', () => {
  const tmp = makeTempDir();
  let backend: Backend;
  beforeAll(async () => {
    backend = await createBackend({ dataDir: tmp.dir, transport: 'cli' });
  });
  afterAll(async () => {
    await backend.close();
    tmp.cleanup();
  });

  it('sets and gets a setting, with JSON for machines', async () => {
    const set = capture();
    expect(await runCommand(backend, ['settings', 'set', 'operatorName', 'J. Doe'], set.io)).toBe(0);
    const get = capture(true);
    expect(await runCommand(backend, ['settings', 'get'], get.io)).toBe(0);
    expect(JSON.parse(get.out.stdout[0]!)).toEqual({ operatorName: 'J. Doe', theme: 'system' });
  });

  it('exits 2 with the failing field and the next step on invalid input', async () => {
    const c = capture();
    expect(await runCommand(backend, ['settings', 'set', 'theme', 'purple'], c.io)).toBe(2);
    expect(c.out.stderr.join('\n')).toMatch(/theme: .*system.*light.*dark/);
    expect(c.out.stderr.join('\n')).toMatch(/→ /);
  });

  it('exits 2 with usage on an unknown command', async () => {
    const c = capture();
    expect(await runCommand(backend, ['deploy', 'everything'], c.io)).toBe(2);
    expect(c.out.stderr.join('')).toMatch(/unknown command.*Usage:/s);
  });

  it('prints tables that cannot be spoofed with control characters', () => {
    expect(formatTable(['K', 'V'], [['a', 'x\u001b[31mred']])).toBe('K  V\na  x\\x1b[31mred');
  });
});
