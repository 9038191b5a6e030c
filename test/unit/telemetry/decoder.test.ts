import { describe, expect, it } from 'vitest';
import { FrameDecoder } from '../../../electron/services/telemetry/decoder.js';
import { parseGpuRow } from '../../../electron/services/telemetry/gpu-row.js';
import { Ring } from '../../../electron/services/telemetry/ring.js';
import type { AgentFrame } from '../../../shared/telemetry.js';

const FIELDS =
  'index,uuid,name,utilization.gpu,utilization.memory,memory.used,memory.total,temperature.gpu,power.draw,power.limit,clocks.sm,ecc.errors.corrected.volatile.total,ecc.errors.uncorrected.volatile.total,pcie.link.gen.current,pcie.link.width.current,pstate,clocks_event_reasons.active'.split(
    ',',
  );

describe('telemetry frame decoder', () => {
  const collect = () => {
    const frames: AgentFrame[] = [];
    return { frames, decoder: new FrameDecoder((f) => frames.push(f), 64 * 1024) };
  };

  it('decodes frames split anywhere across chunks', () => {
    const { frames, decoder } = collect();
    const text = '{"t":"gpu","csv":"0, a"}\n{"t":"gpu_state","state":"lost","message":"GPU is lost"}\n';
    for (const ch of Buffer.from(text)) decoder.push(Buffer.from([ch]));
    expect(frames).toEqual([
      { t: 'gpu', csv: '0, a' },
      { t: 'gpu_state', state: 'lost', message: 'GPU is lost' },
    ]);
  });

  it('skips a 10 MB line without keeping it, and goes on with the next frame', () => {
    const { frames, decoder } = collect();
    const big = Buffer.alloc(10 * 1024 * 1024, 0x41);
    for (let i = 0; i < big.length; i += 65_536) decoder.push(big.subarray(i, i + 65_536));
    decoder.push(Buffer.from('\n{"t":"gpu","csv":"1, b"}\n'));
    expect(decoder.stats.oversized).toBe(1);
    expect(frames).toEqual([{ t: 'gpu', csv: '1, b' }]);
  });

  it('counts lines that are not JSON or not a known frame, never throws', () => {
    const { frames, decoder } = collect();
    decoder.push(Buffer.from('garbage\n{"t":"host","load1":"high"}\n{"t":"unknown"}\n[1,2]\n\u001b[2J\n'));
    expect(frames).toEqual([]);
    expect(decoder.stats).toMatchObject({ notJson: 2, wrongShape: 3 });
    expect(decoder.rejected).toBe(5);
  });

  it('replaces invalid UTF-8 instead of failing the frame', () => {
    const { frames, decoder } = collect();
    decoder.push(Buffer.concat([Buffer.from('{"t":"gpu","csv":"0, '), Buffer.from([0xff, 0xfe]), Buffer.from(' x"}\n')]));
    expect(frames).toEqual([{ t: 'gpu', csv: '0, \ufffd\ufffd x' }]);
  });
});

describe('GPU rows', () => {
  it('parses a nounits row from the simulator format and maps no-value cells to null', () => {
    const row =
      '0, GPU-20358716-b79f-3023-45e5-49e97bd53a9b, NVIDIA L40S, 42, 4, 804, 46068, 57, 123.30, 350.00, 2520, 0, [N/A], 4, 16, P0, 0x0000000000000000';
    expect(parseGpuRow(row, FIELDS, 1000)).toMatchObject({
      index: 0,
      name: 'NVIDIA L40S',
      utilGpu: 42,
      memUsedMiB: 804,
      memTotalMiB: 46068,
      tempC: 57,
      powerW: 123.3,
      eccUncorrected: null,
      pcieWidth: 16,
      pstate: 'P0',
    });
    expect(parseGpuRow('0, a, b', FIELDS, 0)).toBeUndefined();
    expect(parseGpuRow(row.replace(/^0/, '[N/A]'), FIELDS, 0)).toBeUndefined();
  });

  it("reads the older drivers' names of renamed fields, and leaves a field not asked for empty", () => {
    const row =
      '0, GPU-20358716-b79f-3023-45e5-49e97bd53a9b, NVIDIA L40S, 42, 4, 804, 46068, 57, 123.30, 350.00, 2520, 0, [N/A], 4, 16, P0, 0x0000000000000004';
    const older = FIELDS.map((f) =>
      f === 'uuid'
        ? 'gpu_uuid'
        : f === 'clocks.sm'
          ? 'clocks.current.sm'
          : f === 'clocks_event_reasons.active'
            ? 'clocks_throttle_reasons.active'
            : f,
    );
    const sample = parseGpuRow(row, FIELDS, 5);
    expect(sample).toMatchObject({
      uuid: 'GPU-20358716-b79f-3023-45e5-49e97bd53a9b',
      smClockMHz: 2520,
      throttleReasons: '0x0000000000000004',
    });
    expect(parseGpuRow(row, older, 5)).toEqual(sample);
    // Without a power limit column the limit is unknown, and every other cell still lands where it belongs.
    const noLimit = FIELDS.filter((f) => f !== 'power.limit');
    expect(parseGpuRow(row.replace(', 350.00', ''), noLimit, 5)).toEqual({ ...sample, powerLimitW: null });
    expect(parseGpuRow(row, FIELDS, 5)?.pciBusId).toBeNull();
  });
});

describe('ring buffer', () => {
  it('keeps the newest items, oldest first, never more than its capacity', () => {
    const r = new Ring<number>(3);
    for (let i = 1; i <= 5; i++) r.push(i);
    expect(r.toArray()).toEqual([3, 4, 5]);
    expect(r.size).toBe(3);
  });
});
