import crypto from 'node:crypto';
import type { Scenario } from '../scenario.js';
import type { Capture } from './captures.js';

export interface SimGpu {
  index: number;
  lost: boolean;
  /** Cell per canonical field, as `--format=csv` prints it (with units). */
  cells: Map<string, string>;
  busId: string;
}

/** PCI buses of an 8-slot server, in slot order. */
export const BUSES = [0x01, 0x21, 0x41, 0x61, 0x81, 0xa1, 0xc1, 0xe1, 0x02, 0x22, 0x42, 0x62, 0x82, 0xa2, 0xc2, 0xe2];

/** 0 at idle, 1 at full load. */
export function loadFactor(scenario: Scenario, nowMs: number): number {
  if (scenario.load === 'idle') return 0;
  if (scenario.load === 'load') return 1;
  const t = (nowMs - scenario.startedAt) / 1000;
  return 0.5 + 0.5 * Math.sin((2 * Math.PI * t) / scenario.periodS);
}

const NUMBER_CELL = /^(-?\d+(?:\.(\d+))?)((?: .+)?)$/;

/** Between the idle and the load capture: numbers interpolated in the captured format, the rest switched. */
function blend(idle: string, load: string, f: number): string {
  const a = NUMBER_CELL.exec(idle);
  const b = NUMBER_CELL.exec(load);
  if (a && b && a[3] === b[3]) {
    const decimals = Math.max(a[2]?.length ?? 0, b[2]?.length ?? 0);
    const value = Number(a[1]) + (Number(b[1]) - Number(a[1])) * f;
    return `${value.toFixed(decimals)}${a[3]}`;
  }
  return f >= 0.5 ? load : idle;
}

/** Adds to a numeric cell, keeping its decimals and unit; special cells ([N/A] …) stay as they are. */
function adjust(cell: string | undefined, fn: (n: number) => number): string | undefined {
  if (cell === undefined) return undefined;
  const m = NUMBER_CELL.exec(cell);
  if (!m) return cell;
  const decimals = m[2]?.length ?? 0;
  return `${fn(Number(m[1])).toFixed(decimals)}${m[3]}`;
}

function hashHex(seed: string, bytes: number): string {
  return crypto
    .createHash('sha256')
    .update(seed)
    .digest('hex')
    .slice(0, bytes * 2);
}

export function uuidFor(seed: string, index: number): string {
  const h = hashHex(`${seed}/gpu/${index}`, 16);
  return `GPU-${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export function serialFor(seed: string, index: number): string {
  const n = BigInt(`0x${hashHex(`${seed}/serial/${index}`, 8)}`) % 10n ** 12n;
  return `1${n.toString().padStart(12, '0')}`;
}

/** `YYYY/MM/DD HH:MM:SS.mmm` in local time, as the timestamp field prints it. */
export function csvTimestamp(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}/${p(d.getMonth() + 1)}/${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

export function simulateGpus(capture: Capture, scenario: Scenario, nowMs: number): SimGpu[] {
  const f = loadFactor(scenario, nowMs);
  const minutes = Math.max(0, (nowMs - scenario.startedAt) / 60_000);
  const seconds = (nowMs - scenario.startedAt) / 1000;
  const gpus: SimGpu[] = [];
  const domain = (capture.idle.get('pci.bus_id') ?? '00000000:01:00.0').split(':')[0] ?? '00000000';
  for (let index = 0; index < scenario.count; index++) {
    const cells = new Map<string, string>();
    for (const field of capture.fields) cells.set(field, blend(capture.idle.get(field) ?? '', capture.load.get(field) ?? '', f));
    const bus = (BUSES[index] ?? index + 1).toString(16).toUpperCase().padStart(2, '0');
    const busId = `${domain}:${bus}:00.0`;
    // Identity: stable per node and slot, different across them.
    cells.set('index', String(index));
    cells.set('count', String(scenario.count));
    cells.set('uuid', uuidFor(scenario.seed, index));
    cells.set('serial', serialFor(scenario.seed, index));
    cells.set('pci.bus_id', busId);
    cells.set('pci.bus', `0x${bus}`);
    cells.set('timestamp', csvTimestamp(new Date(nowMs)));
    // Slightly different cards, and a little movement so charts are not flat lines.
    const wobble = Math.sin(seconds / 7 + index * 1.3);
    const temp = adjust(cells.get('temperature.gpu'), (t) =>
      Math.min(105, Math.round(t + index + wobble + scenario.temperatureDriftCPerMin * minutes)),
    );
    if (temp) cells.set('temperature.gpu', temp);
    const util = adjust(cells.get('utilization.gpu'), (u) => Math.round(Math.min(100, Math.max(0, u + 3 * wobble * f))));
    if (util) cells.set('utilization.gpu', util);
    const power = adjust(cells.get('power.draw'), (w) => Math.max(0, w * (1 + 0.02 * wobble)));
    if (power) cells.set('power.draw', power);
    if (cells.get('ecc.mode.current') === 'Enabled') {
      cells.set('ecc.errors.uncorrected.volatile.total', String(scenario.eccUncorrectedVolatile));
      cells.set('ecc.errors.corrected.volatile.total', String(scenario.eccCorrectedVolatile));
    }
    for (const [k, v] of Object.entries(scenario.overrides)) cells.set(k, v);
    for (const [k, v] of Object.entries(scenario.gpuOverrides[String(index)] ?? {})) cells.set(k, v);
    const lost = scenario.fallOffBus !== undefined && scenario.fallOffBus.index === index && seconds >= scenario.fallOffBus.afterS;
    gpus.push({ index, lost, cells, busId });
  }
  return gpus;
}

/**
 * The message the real tool prints for a GPU it cannot reach after an Xid 79 (errors.txt: the
 * "GPU is lost" variant with two spaces, 4-hex-digit domain).
 */
export function lostGpuMessage(gpu: SimGpu): string {
  const [, bus] = gpu.busId.split(':');
  return `Unable to determine the device handle for GPU 0000:${bus}:00.0: GPU is lost.  Reboot the system to recover this GPU`;
}
