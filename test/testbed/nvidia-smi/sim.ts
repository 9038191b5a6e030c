/**
 * nvidia-smi simulator for the test bed's nodes (no GPU exists here). Every format and message comes
 * from real captures in test/fixtures/nvidia-smi; what is modelled (load, drift, ECC, lost GPUs) is
 * set by the node's scenario file, re-read on every sample so tests can inject faults mid-stream.
 *
 * Exit statuses: 2 (invalid field), 18 (version mismatch) and 255 (no supported GPUs) are evidenced
 * in errors.txt; the others use the matching NVML return code (nvml-return-codes.h.txt): 9 driver not
 * loaded, 6 not found, 15 GPU lost. "Unknown Error" (NVML 999) cannot be an exit byte: 255 is used.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Scenario } from '../scenario.js';
import { loadCapture, type Capture } from './captures.js';
import { lostGpuMessage, simulateGpus, type SimGpu } from './values.js';
import { ctime, renderXml } from './xml.js';

declare const __FIXTURES_DIR__: string | undefined;
declare const __BED_DIR__: string | undefined;

const INVALID_ARGS = "Invalid combination of input arguments. Please run 'nvidia-smi -h' for help.";

function fixturesDir(): string {
  if (process.env.EDGEWARD_SIM_FIXTURES) return process.env.EDGEWARD_SIM_FIXTURES;
  if (typeof __FIXTURES_DIR__ === 'string') return __FIXTURES_DIR__;
  return path.resolve(import.meta.dirname, '..', '..', 'fixtures', 'nvidia-smi');
}

/** The node's scenario: explicit path, else the bed's file for this host name. */
function scenarioPath(): string {
  if (process.env.EDGEWARD_SIM_SCENARIO) return process.env.EDGEWARD_SIM_SCENARIO;
  const bed = process.env.EDGEWARD_BED ?? (typeof __BED_DIR__ === 'string' ? __BED_DIR__ : '/tmp/edgeward-bed');
  return path.join(bed, 'nodes', os.hostname(), 'scenario.json');
}

function readScenario(): Scenario {
  try {
    return Scenario.parse(JSON.parse(fs.readFileSync(scenarioPath(), 'utf8')));
  } catch {
    // A half-written scenario (a test rewriting it) reads as the defaults for one sample.
    return Scenario.parse({});
  }
}

interface Args {
  query?: string[];
  format?: { header: boolean; units: boolean };
  loopMs?: number;
  ids?: number[];
  list: boolean;
  q: boolean;
  xml: boolean;
  version: boolean;
  help: boolean;
  helpQueryGpu: boolean;
}

function parseArgs(argv: string[]): Args | string {
  const a: Args = { list: false, q: false, xml: false, version: false, help: false, helpQueryGpu: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--query-gpu':
        a.query = (value() ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        break;
      case '--format': {
        const parts = (value() ?? '').split(',');
        if (!parts.includes('csv')) return INVALID_ARGS;
        a.format = { header: !parts.includes('noheader'), units: !parts.includes('nounits') };
        break;
      }
      case '-l':
      case '--loop':
        a.loopMs = Number(value()) * 1000;
        break;
      case '-lms':
      case '--loop-ms':
        a.loopMs = Number(value());
        break;
      case '-i':
      case '--id':
        a.ids = (value() ?? '').split(',').map(Number);
        break;
      case '-L':
      case '--list-gpus':
        a.list = true;
        break;
      case '-q':
      case '--query':
        a.q = true;
        break;
      case '-x':
      case '--xml-format':
        a.xml = true;
        break;
      case '--version':
        a.version = true;
        break;
      case '-h':
      case '--help':
        a.help = true;
        break;
      case '--help-query-gpu':
        a.helpQueryGpu = true;
        break;
      default:
        return INVALID_ARGS;
    }
  }
  if (a.loopMs !== undefined && !(a.loopMs > 0)) return INVALID_ARGS;
  if ((a.query && !a.format) || (a.format && !a.query)) return INVALID_ARGS;
  return a;
}

/** Whole-tool failures, exactly as errors.txt records them. */
function failure(scenario: Scenario, capture: Capture): { text: string; code: number } | undefined {
  switch (scenario.failure) {
    case 'none':
      return undefined;
    case 'no-driver':
      return {
        text: "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.\n",
        code: 9,
      };
    case 'no-devices':
      return { text: 'No devices were found\n', code: 6 };
    case 'no-supported-gpus':
      return { text: 'Failed to initialize NVML: No supported GPUs were found\nUnable to determine the number of GPUs\n', code: 255 };
    case 'version-mismatch':
      return { text: `Failed to initialize NVML: Driver/library version mismatch\nNVML library version: ${capture.driver}\n`, code: 18 };
    case 'nvml-unknown':
      return { text: 'Failed to initialize NVML: Unknown Error\n', code: 255 };
  }
}

function write(text: string): void {
  try {
    fs.writeSync(1, text);
  } catch (err) {
    // The reader went away (head, a closed SSH channel): stop quietly, like the real tool on SIGPIPE.
    if ((err as NodeJS.ErrnoException).code === 'EPIPE') process.exit(0);
    throw err;
  }
}

function main(argv: string[]): number | 'looping' {
  const parsed = parseArgs(argv);
  let scenario = readScenario();
  const capture = loadCapture(fixturesDir(), scenario.model);
  if (typeof parsed === 'string') {
    write(`${parsed}\n`);
    return 2;
  }
  if (parsed.help || parsed.helpQueryGpu) {
    const file = parsed.help ? 'help.txt' : 'help-query-gpu.txt';
    const dirs = { l40s: '595.80-linux', 'h100-80gb-hbm3': '590.48.01-linux', 'rtx-4080-super': '595.80-linux' } as const;
    write(fs.readFileSync(path.join(fixturesDir(), 'help', dirs[scenario.model], file), 'utf8'));
    return 0;
  }
  const failed = failure(scenario, capture);
  if (failed) {
    write(failed.text);
    return failed.code;
  }
  if (parsed.version) {
    write(capture.version);
    return 0;
  }
  const now = () => Date.now();
  const select = (gpus: SimGpu[]) => (parsed.ids ? gpus.filter((g) => parsed.ids!.includes(g.index)) : gpus);

  if (parsed.list) {
    const name = /^GPU 0: (.*) \(UUID: /.exec(capture.listLine)?.[1] ?? 'NVIDIA GPU';
    const gpus = select(simulateGpus(capture, scenario, now()));
    for (const g of gpus) write(g.lost ? `${lostGpuMessage(g)}\n` : `GPU ${g.index}: ${name} (UUID: ${g.cells.get('uuid')})\n`);
    return gpus.some((g) => g.lost) ? 15 : 0;
  }

  if (parsed.q && parsed.xml) {
    const template = fs.readFileSync(path.join(fixturesDir(), 'xml', 'q-x-rtx-4000-sff-ada-595.84.xml'), 'utf8');
    const cuda = /CUDA Version\s*:\s*(\S+)/.exec(capture.version)?.[1] ?? 'N/A';
    write(renderXml(template, select(simulateGpus(capture, scenario, now())), { driver: capture.driver, cuda, now: new Date() }));
    return 0;
  }

  if (parsed.query && parsed.format) {
    const fields: string[] = [];
    for (const requested of parsed.query) {
      const canonical = capture.fields.includes(requested) ? requested : capture.aliases.get(requested);
      if (!canonical) {
        // One unknown field fails the whole query; the message goes to stdout, then an empty line.
        write(`Field "${requested}" is not a valid field to query.\n\n`);
        return 2;
      }
      fields.push(canonical);
    }
    const { header, units } = parsed.format;
    const sample = (): number => {
      scenario = readScenario();
      // A driver that fails while the tool runs in loop mode ends it with the same message.
      const broke = failure(scenario, capture);
      if (broke) {
        write(broke.text);
        process.exit(broke.code);
      }
      const gpus = select(simulateGpus(capture, scenario, now()));
      let out = '';
      for (const g of gpus) {
        if (g.lost) {
          out += `${lostGpuMessage(g)}\n`;
          continue;
        }
        const cells = fields.map((f) => {
          const cell = g.cells.get(f) ?? '[N/A]';
          const unit = capture.units.get(f);
          return !units && unit && cell.endsWith(` ${unit}`) ? cell.slice(0, -unit.length - 1) : cell;
        });
        out += `${cells.join(', ')}\n`;
      }
      write(out);
      return gpus.some((g) => g.lost) ? 15 : 0;
    };
    // The header is printed once, also in loop mode, so a logged run is one valid CSV file.
    if (header) write(`${fields.map((f) => capture.headers.get(f) ?? f).join(', ')}\n`);
    const code = sample();
    if (parsed.loopMs === undefined) return code;
    setInterval(sample, parsed.loopMs);
    return 'looping';
  }

  if (parsed.q) return notModelled('-q (text)', 'use -q -x or --query-gpu');
  return table(capture, scenario);
}

function notModelled(what: string, instead: string): number {
  process.stderr.write(`nvidia-smi simulator: ${what} is not modelled; ${instead}\n`);
  return 3;
}

/** The default table, from the captured one: its GPU block repeated per GPU with index and bus id. */
function table(capture: Capture, scenario: Scenario): number {
  const dirs = path.join(fixturesDir(), 'captures');
  const dir = fs
    .readdirSync(dirs)
    .find((d) => d.includes(capture.model.replace('rtx-', 'geforce-rtx-')) || d.includes(`nvidia-${capture.model}__`));
  if (!dir) return notModelled('the default table for this model', 'use --query-gpu');
  const text = fs.readFileSync(path.join(dirs, dir, scenario.load === 'idle' ? 'idle-table.txt' : 'load-table.txt'), 'utf8');
  const lines = text.split('\n');
  const first = lines.findIndex((l) => /^\|\s+0\s{2}/.test(l));
  if (first < 0) return notModelled('the default table for this capture', 'use --query-gpu');
  const block = lines.slice(first, first + 4);
  const gpus = simulateGpus(capture, scenario, Date.now());
  const blocks = gpus.flatMap((g) => {
    if (g.lost) return [];
    const [l1 = '', ...rest] = block;
    const withIndex = l1.replace(/^\|\s+0 /, `|${String(g.index).padStart(4)} `).replace(/[0-9A-F]{8}:[0-9A-F]{2}:00\.0/, g.busId);
    return [withIndex, ...rest];
  });
  const out = [ctime(new Date()) + lines[0]!.slice(24), ...lines.slice(1, first), ...blocks, ...lines.slice(first + 4)];
  write(out.join('\n'));
  const lost = gpus.find((g) => g.lost);
  if (lost) {
    write(`${lostGpuMessage(lost)}\n`);
    return 15;
  }
  return 0;
}

process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
const result = main(process.argv.slice(2));
if (result !== 'looping') process.exitCode = result;
