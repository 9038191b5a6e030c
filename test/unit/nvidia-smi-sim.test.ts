import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CAPTURE_DIRS, loadCapture, splitCsvLine } from '../testbed/nvidia-smi/captures.js';
import { loadFactor, simulateGpus, uuidFor } from '../testbed/nvidia-smi/values.js';
import { ctime } from '../testbed/nvidia-smi/xml.js';
import { GPU_MODELS, Scenario } from '../testbed/scenario.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const FIXTURES = path.resolve(import.meta.dirname, '..', 'fixtures', 'nvidia-smi');

describe('nvidia-smi simulator (format level, no bed)', () => {
  it.each(GPU_MODELS)('loads the %s capture with matching header, idle and load columns', (model) => {
    const cap = loadCapture(FIXTURES, model);
    expect(cap.fields.length).toBeGreaterThan(150);
    const header = fs
      .readFileSync(path.join(FIXTURES, 'captures', CAPTURE_DIRS[model].capture, 'idle-query-gpu.csv'), 'utf8')
      .split('\n')[0]!;
    expect(cap.fields.map((f) => cap.headers.get(f)).join(', ')).toBe(header);
    expect(cap.units.get('memory.used')).toBe('MiB');
    expect(cap.aliases.get('gpu_name')).toBe('name');
    expect(cap.aliases.get('gpu_uuid')).toBe('uuid');
  });

  it('splits rows on ", " only, as nvidia-smi prints them', () => {
    expect(splitCsvLine('NVIDIA L40S, 46068 MiB, [N/A], , 0')).toEqual(['NVIDIA L40S', '46068 MiB', '[N/A]', '', '0']);
  });

  it('interpolates numbers in the captured format and keeps special cells', () => {
    const cap = loadCapture(FIXTURES, 'l40s');
    const half = Scenario.parse({ load: 'sine', periodS: 4, startedAt: 0 });
    const [gpu] = simulateGpus(cap, half, 1000); // quarter period: factor 1 (full load)
    expect(loadFactor(half, 1000)).toBeCloseTo(1);
    expect(gpu!.cells.get('memory.used')).toMatch(/^\d+ MiB$/);
    expect(gpu!.cells.get('power.draw')).toMatch(/^\d+\.\d{2} W$/);
    for (const [field, cell] of cap.load) if (cell.startsWith('[')) expect(gpu!.cells.get(field)).toBe(cell);
  });

  it('gives every GPU its own stable identity and bus, and applies overrides and drift', () => {
    const cap = loadCapture(FIXTURES, 'h100-80gb-hbm3');
    const sc = Scenario.parse({
      model: 'h100-80gb-hbm3',
      count: 4,
      seed: 'x',
      temperatureDriftCPerMin: 10,
      overrides: { 'pcie.link.width.current': '8' },
    });
    const at0 = simulateGpus(cap, sc, 0);
    const at3min = simulateGpus(cap, sc, 180_000);
    expect(new Set(at0.map((g) => g.cells.get('uuid'))).size).toBe(4);
    expect(at0[0]!.cells.get('uuid')).toBe(uuidFor('x', 0));
    expect(at0.map((g) => g.busId)).toEqual(['00000000:01:00.0', '00000000:21:00.0', '00000000:41:00.0', '00000000:61:00.0']);
    expect(at0.every((g) => g.cells.get('pcie.link.width.current') === '8')).toBe(true);
    expect(Number(at3min[0]!.cells.get('temperature.gpu')) - Number(at0[0]!.cells.get('temperature.gpu'))).toBeGreaterThanOrEqual(28);
  });

  it('formats ctime like nvidia-smi (space-padded day)', () => {
    expect(ctime(new Date(2026, 7, 6, 1, 3, 40))).toBe('Thu Aug  6 01:03:40 2026');
  });

  it('runs as a program with a scenario file: refuses bad arguments the way the tool does', () => {
    const tmp = makeTempDir();
    const scenario = path.join(tmp.dir, 's.json');
    fs.writeFileSync(scenario, JSON.stringify({ count: 2 }));
    const sim = (args: string[]) =>
      spawnSync(
        process.execPath,
        ['--import', 'tsx', path.resolve(import.meta.dirname, '..', 'testbed', 'nvidia-smi', 'sim.ts'), ...args],
        {
          encoding: 'utf8',
          env: { ...process.env, EDGEWARD_SIM_SCENARIO: scenario },
        },
      );
    const bad = sim(['--query-gpu=index']);
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe("Invalid combination of input arguments. Please run 'nvidia-smi -h' for help.\n");
    const ok = sim(['--query-gpu=index,pci.bus_id', '--format=csv,noheader', '-i', '1']);
    expect(ok.stdout).toBe('1, 00000000:21:00.0\n');
    tmp.cleanup();
  });
});
