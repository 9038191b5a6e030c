import type { GpuSample } from '../../../shared/telemetry.js';
import { cellNumber as num, cellText as text } from '../../../shared/nvidia-smi-cells.js';

/**
 * One `--format=csv,noheader,nounits` row (", "-separated, unquoted) for the agent's field list.
 * Returns undefined for a row that does not have the expected shape.
 */
export function parseGpuRow(row: string, fields: readonly string[], at: number): GpuSample | undefined {
  const cells = row.split(', ');
  if (cells.length !== fields.length) return undefined;
  const get = (...names: string[]) => {
    for (const n of names) {
      const i = fields.indexOf(n);
      if (i >= 0) return cells[i];
    }
    return undefined;
  };
  const index = num(get('index'));
  if (index === null) return undefined;
  return {
    at,
    index,
    uuid: text(get('uuid', 'gpu_uuid')) ?? `gpu-${index}`,
    name: text(get('name', 'gpu_name')) ?? 'GPU',
    utilGpu: num(get('utilization.gpu')),
    utilMem: num(get('utilization.memory')),
    memUsedMiB: num(get('memory.used')),
    memTotalMiB: num(get('memory.total')),
    tempC: num(get('temperature.gpu')),
    powerW: num(get('power.draw')),
    powerLimitW: num(get('power.limit')),
    smClockMHz: num(get('clocks.sm', 'clocks.current.sm')),
    eccCorrected: num(get('ecc.errors.corrected.volatile.total')),
    eccUncorrected: num(get('ecc.errors.uncorrected.volatile.total')),
    pcieGen: num(get('pcie.link.gen.current')),
    pcieWidth: num(get('pcie.link.width.current')),
    pstate: text(get('pstate')),
    throttleReasons: text(get('clocks_event_reasons.active', 'clocks_throttle_reasons.active')),
    pciBusId: text(get('pci.bus_id')),
    sampledAt: text(get('timestamp')),
  };
}
