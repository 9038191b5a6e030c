import fs from 'node:fs';
import path from 'node:path';
import type { GpuModel } from '../scenario.js';

/**
 * Real nvidia-smi captures (test/fixtures/nvidia-smi, sources in its README) are the only source of
 * the simulator's formats: headers, units, value shapes and special cells are copied, never made up.
 */
export const CAPTURE_DIRS: Record<GpuModel, { capture: string; help: string }> = {
  l40s: { capture: 'linux-x86_64__nvidia-l40s__595.80', help: '595.80-linux' },
  'h100-80gb-hbm3': { capture: 'linux-x86_64__nvidia-h100-80gb-hbm3__590.48.01', help: '590.48.01-linux' },
  // No help text was captured for 595.71.05; the 595.80 one documents the same field set.
  'rtx-4080-super': { capture: 'linux-x86_64__nvidia-geforce-rtx-4080-super__595.71.05', help: '595.80-linux' },
};

export interface Capture {
  model: GpuModel;
  fields: string[];
  /** Header cell per canonical field, with its unit as printed ("memory.used [MiB]"). */
  headers: Map<string, string>;
  units: Map<string, string>;
  idle: Map<string, string>;
  load: Map<string, string>;
  /** alias → canonical name, from --help-query-gpu ("name" or "gpu_name"). */
  aliases: Map<string, string>;
  version: string;
  listLine: string;
  driver: string;
}

/** nvidia-smi's CSV: ", " separated, unquoted. */
export function splitCsvLine(line: string): string[] {
  return line.split(', ');
}

export function loadCapture(fixturesDir: string, model: GpuModel): Capture {
  const dirs = CAPTURE_DIRS[model];
  const dir = path.join(fixturesDir, 'captures', dirs.capture);
  const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
  const fields = read('query-gpu-fields.txt').split('\n').filter(Boolean);
  const parse = (file: string) => {
    const [header, row] = read(file).split('\n');
    const h = splitCsvLine(header ?? '');
    const v = splitCsvLine(row ?? '');
    if (h.length !== fields.length || v.length !== fields.length) {
      throw new Error(`${dirs.capture}/${file}: ${h.length} header cells, ${v.length} values, ${fields.length} fields`);
    }
    return { h, v };
  };
  const idle = parse('idle-query-gpu.csv');
  const load = parse('load-query-gpu.csv');
  const headers = new Map<string, string>();
  const units = new Map<string, string>();
  const idleValues = new Map<string, string>();
  const loadValues = new Map<string, string>();
  fields.forEach((field, i) => {
    const cell = idle.h[i] as string;
    headers.set(field, cell);
    const unit = /\[([^\]]+)\]$/.exec(cell)?.[1];
    if (unit) units.set(field, unit);
    idleValues.set(field, idle.v[i] as string);
    loadValues.set(field, load.v[i] as string);
  });
  const aliases = new Map<string, string>();
  const help = fs.readFileSync(path.join(fixturesDir, 'help', dirs.help, 'help-query-gpu.txt'), 'utf8');
  for (const line of help.split('\n')) {
    const names = [...line.matchAll(/"([^"]+)"/g)].map((m) => m[1] as string);
    if (!line.startsWith('"') || names.length < 2) continue;
    const canonical = names.find((n) => fields.includes(n)) ?? names[0]!;
    for (const n of names) if (n !== canonical) aliases.set(n, canonical);
  }
  const versionText = read('version.txt');
  const driver = /DRIVER version\s*:\s*(\S+)/.exec(versionText)?.[1] ?? idleValues.get('driver_version') ?? '';
  return {
    model,
    fields,
    headers,
    units,
    idle: idleValues,
    load: loadValues,
    aliases,
    version: versionText,
    listLine: read('list-gpus.txt').split('\n')[0] ?? '',
    driver,
  };
}
