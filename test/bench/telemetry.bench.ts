import { FrameDecoder } from '../../electron/services/telemetry/decoder.js';
import { parseGpuRow } from '../../electron/services/telemetry/gpu-row.js';
import { HistoryStore } from '../../electron/services/telemetry/history.js';
import { Ring } from '../../electron/services/telemetry/ring.js';
import type { GpuSample, TelemetryFrame } from '../../shared/telemetry.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const FIELDS =
  'index,uuid,name,utilization.gpu,utilization.memory,memory.used,memory.total,temperature.gpu,power.draw,power.limit,clocks.sm,ecc.errors.corrected.volatile.total,ecc.errors.uncorrected.volatile.total,pcie.link.gen.current,pcie.link.width.current,pstate,clocks_event_reasons.active';

/**
 * The main-side ingest path for 500 nodes × 8 GPUs: agent bytes → decoder → row parsing → live
 * window → history (one transaction a second). Fed as fast as it goes for `seconds` of simulated
 * time; CPU time is measured, so the figure is what one core sustains.
 */
export function benchTelemetryIngest(
  nodes = 500,
  gpus = 8,
  seconds = 20,
): { samples: number; cpuS: number; maxPerS: number; cpuPctAt4000: number } {
  const tmp = makeTempDir('edgeward-bench-tel-');
  const history = new HistoryStore(`${tmp.dir}/telemetry.db`);
  const fields = FIELDS.split(',');
  const windows = new Map<string, Ring<GpuSample>>();
  const latest = new Map<string, Map<number, GpuSample>>();
  const decoders = Array.from({ length: nodes }, (_, n) => {
    const node = `n${n}`;
    latest.set(node, new Map());
    return new FrameDecoder((f) => {
      if (f.t !== 'gpu') return;
      const s = parseGpuRow(f.csv, fields, now);
      if (!s) return;
      latest.get(node)!.set(s.index, s);
      const key = `${node}/${s.index}`;
      let ring = windows.get(key);
      if (!ring) windows.set(key, (ring = new Ring(600)));
      ring.push(s);
    });
  });
  let now = Date.parse('2026-11-28T00:00:00Z');
  const start = process.cpuUsage();
  let samples = 0;
  for (let t = 0; t < seconds; t++) {
    now += 1000;
    for (let n = 0; n < nodes; n++) {
      let chunk = '';
      for (let g = 0; g < gpus; g++) {
        chunk += `{"t":"gpu","csv":"${g}, GPU-${n}-${g}, NVIDIA H100 80GB HBM3, ${(t * 7 + g) % 100}, 12, ${40000 + g}, 81559, ${50 + (t % 20)}, ${300 + g}.25, 700.00, 1980, 0, 0, 5, 16, P0, 0x0000000000000001"}\n`;
      }
      decoders[n]!.push(Buffer.from(chunk));
      samples += gpus;
      const frame: TelemetryFrame = {
        node: `n${n}`,
        at: now,
        session: 'live',
        gpuHealth: 'ok',
        gpus: [...latest.get(`n${n}`)!.values()],
        rejected: 0,
      };
      history.record(frame);
    }
    history.flush(now);
  }
  const used = process.cpuUsage(start);
  const cpuS = (used.user + used.system) / 1e6;
  history.close();
  tmp.cleanup();
  const maxPerS = samples / cpuS;
  return { samples, cpuS, maxPerS, cpuPctAt4000: (4000 / maxPerS) * 100 };
}
