import type { GpuSample } from '../../../shared/telemetry.js';
import { cellNumber as num, cellText as text } from '../../../shared/nvidia-smi-cells.js';

/** Each column the console reads, by the names nvidia-smi has given it (newer first where renamed). */
const COLUMNS = {
  index: ['index'],
  uuid: ['uuid', 'gpu_uuid'],
  name: ['name', 'gpu_name'],
  utilGpu: ['utilization.gpu'],
  utilMem: ['utilization.memory'],
  memUsedMiB: ['memory.used'],
  memTotalMiB: ['memory.total'],
  tempC: ['temperature.gpu'],
  powerW: ['power.draw'],
  powerLimitW: ['power.limit'],
  smClockMHz: ['clocks.sm', 'clocks.current.sm'],
  eccCorrected: ['ecc.errors.corrected.volatile.total'],
  eccUncorrected: ['ecc.errors.uncorrected.volatile.total'],
  pcieGen: ['pcie.link.gen.current'],
  pcieWidth: ['pcie.link.width.current'],
  pstate: ['pstate'],
  throttleReasons: ['clocks_event_reasons.active', 'clocks_throttle_reasons.active'],
  pciBusId: ['pci.bus_id'],
  sampledAt: ['timestamp'],
} as const;
type Column = keyof typeof COLUMNS;

/**
 * Where each column sits in an agent's field list (-1: not asked for), worked out once per list:
 * looking every name up in every row was most of the parsing at 8,000 rows a second.
 */
const positionsOf = new WeakMap<readonly string[], Record<Column, number>>();
function positions(fields: readonly string[]): Record<Column, number> {
  let p = positionsOf.get(fields);
  if (!p) {
    p = {} as Record<Column, number>;
    for (const [column, names] of Object.entries(COLUMNS) as [Column, readonly string[]][])
      p[column] = names.map((n) => fields.indexOf(n)).find((i) => i >= 0) ?? -1;
    positionsOf.set(fields, p);
  }
  return p;
}

/**
 * One `--format=csv,noheader,nounits` row (", "-separated, unquoted) for the agent's field list.
 * Returns undefined for a row that does not have the expected shape.
 */
export function parseGpuRow(row: string, fields: readonly string[], at: number): GpuSample | undefined {
  const cells = row.split(', ');
  if (cells.length !== fields.length) return undefined;
  // A column not asked for is at -1, where the array has nothing: undefined, as for a missing cell.
  const p = positions(fields);
  const index = num(cells[p.index]);
  if (index === null) return undefined;
  return {
    at,
    index,
    uuid: text(cells[p.uuid]) ?? `gpu-${index}`,
    name: text(cells[p.name]) ?? 'GPU',
    utilGpu: num(cells[p.utilGpu]),
    utilMem: num(cells[p.utilMem]),
    memUsedMiB: num(cells[p.memUsedMiB]),
    memTotalMiB: num(cells[p.memTotalMiB]),
    tempC: num(cells[p.tempC]),
    powerW: num(cells[p.powerW]),
    powerLimitW: num(cells[p.powerLimitW]),
    smClockMHz: num(cells[p.smClockMHz]),
    eccCorrected: num(cells[p.eccCorrected]),
    eccUncorrected: num(cells[p.eccUncorrected]),
    pcieGen: num(cells[p.pcieGen]),
    pcieWidth: num(cells[p.pcieWidth]),
    pstate: text(cells[p.pstate]),
    throttleReasons: text(cells[p.throttleReasons]),
    pciBusId: text(cells[p.pciBusId]),
    sampledAt: text(cells[p.sampledAt]),
  };
}
