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
  const p = positions(fields);
  const cell = (column: Column) => (p[column] >= 0 ? cells[p[column]] : undefined);
  const index = num(cell('index'));
  if (index === null) return undefined;
  return {
    at,
    index,
    uuid: text(cell('uuid')) ?? `gpu-${index}`,
    name: text(cell('name')) ?? 'GPU',
    utilGpu: num(cell('utilGpu')),
    utilMem: num(cell('utilMem')),
    memUsedMiB: num(cell('memUsedMiB')),
    memTotalMiB: num(cell('memTotalMiB')),
    tempC: num(cell('tempC')),
    powerW: num(cell('powerW')),
    powerLimitW: num(cell('powerLimitW')),
    smClockMHz: num(cell('smClockMHz')),
    eccCorrected: num(cell('eccCorrected')),
    eccUncorrected: num(cell('eccUncorrected')),
    pcieGen: num(cell('pcieGen')),
    pcieWidth: num(cell('pcieWidth')),
    pstate: text(cell('pstate')),
    throttleReasons: text(cell('throttleReasons')),
    pciBusId: text(cell('pciBusId')),
    sampledAt: text(cell('sampledAt')),
  };
}
