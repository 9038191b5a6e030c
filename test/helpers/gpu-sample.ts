import type { GpuSample } from '../../shared/telemetry.js';

/** A plausible L40S sample; tests name only the fields they are about. */
export function gpuSample(fields: Partial<GpuSample> & { index: number }): GpuSample {
  return {
    at: 0,
    uuid: `GPU-${fields.index}`,
    name: 'NVIDIA L40S',
    utilGpu: 50,
    utilMem: 5,
    memUsedMiB: 1,
    memTotalMiB: 2,
    tempC: 40,
    powerW: 1,
    powerLimitW: 2,
    smClockMHz: 1,
    eccCorrected: 0,
    eccUncorrected: 0,
    pcieGen: 4,
    pcieWidth: 16,
    pstate: 'P0',
    throttleReasons: null,
    ...fields,
  };
}
