import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROFILE_SLOS } from '../../shared/slo.js';
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
    expect(JSON.parse(get.out.stdout[0]!)).toEqual({
      operatorName: 'J. Doe',
      theme: 'system',
      slo: PROFILE_SLOS,
      timeZone: 'local',
      alertmanagers: [],
      prometheusUrl: '',
      metricsListen: '',
      registries: [],
    });
  });

  it('exits 2 with the failing field and the next step on invalid input', async () => {
    const c = capture();
    expect(await runCommand(backend, ['settings', 'set', 'theme', 'purple'], c.io)).toBe(2);
    expect(c.out.stderr.join('\n')).toMatch(/theme: .*system.*light.*dark/);
    expect(c.out.stderr.join('\n')).toMatch(/→ /);
  });

  it('exits 2 with usage on an unknown command', async () => {
    const c = capture();
    expect(await runCommand(backend, ['frobnicate', 'everything'], c.io)).toBe(2);
    expect(c.out.stderr.join('')).toMatch(/unknown command.*Usage:/s);
  });

  it('prints tables that cannot be spoofed with control characters', () => {
    expect(formatTable(['K', 'V'], [['a', 'x\u001b[31mred']])).toBe('K  V\na  x\\x1b[31mred');
  });
});

describe('edgeward audit commands', () => {
  const tmp = makeTempDir();
  let backend: Backend;
  beforeAll(async () => {
    backend = await createBackend({ dataDir: tmp.dir, transport: 'cli' });
    for (const name of ['=cmd|calc', 'Alice', 'Bob']) await runCommand(backend, ['settings', 'set', 'operatorName', name], capture().io);
  });
  afterAll(async () => {
    await backend.close();
    tmp.cleanup();
  });

  it('prints the head as SEQ:HASH and verifies against it as an anchor', async () => {
    const head = capture();
    expect(await runCommand(backend, ['audit', 'head'], head.io)).toBe(0);
    expect(head.out.stdout[0]).toMatch(/^6:[0-9a-f]{64}$/);
    const v = capture(true);
    expect(await runCommand(backend, ['audit', 'verify'], v.io, { anchor: head.out.stdout[0] })).toBe(0);
    expect(JSON.parse(v.out.stdout[0]!)).toMatchObject({ intact: true, records: 6, anchor: { seq: 6 } });
    expect(await runCommand(backend, ['audit', 'verify'], capture().io, { anchor: 'nonsense' })).toBe(2);
  });

  it('exports CSV with spreadsheet formulas neutralised, and filters', async () => {
    const out = path.join(tmp.dir, 'out.csv');
    const c = capture();
    expect(await runCommand(backend, ['audit', 'export'], c.io, { format: 'csv', output: out, actor: 'alice' })).toBe(0);
    expect(c.out.stdout[0]).toMatch(/^exported 2 records to .*out\.csv \(sha256 [0-9a-f]{64}\)$/);
    const all = path.join(tmp.dir, 'all.csv');
    await runCommand(backend, ['audit', 'export'], capture().io, { format: 'csv', output: all });
    const text = fs.readFileSync(all, 'utf8');
    expect(text).toContain(`"{""operatorName"":""=cmd|calc""}"`);
    expect(text).not.toMatch(/(^|,)=cmd/m);
    expect(text).toMatch(/,'=cmd\|calc,|,'=cmd\|calc$/m);
    expect(await runCommand(backend, ['audit', 'export'], capture().io, { format: 'xml' })).toBe(2);
  });

  it('exits 1 and names the break when the log was tampered with', async () => {
    const file = path.join(tmp.dir, 'audit', 'audit-000001.jsonl');
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    // Line 3: the intent of renaming Alice to Bob, written as Alice.
    lines[2] = lines[2]!.replace('"Alice"', '"Mallory"');
    fs.writeFileSync(file, lines.join('\n'));
    const c = capture();
    expect(await runCommand(backend, ['audit', 'verify'], c.io)).toBe(1);
    expect(c.out.stdout[0]).toMatch(/^BROKEN \(edited\) at audit-000001\.jsonl line 3, seq 3: Record seq 3 was edited/);
    expect(await runCommand(backend, ['audit', 'head'], capture().io)).toBe(1);
  });
});
