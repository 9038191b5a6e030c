import { setMaxListeners } from 'node:events';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { AuditLog } from '../../electron/services/audit/audit-log.js';
import { Inventory } from '../../electron/services/fleet/inventory.js';
import { AlertEngine } from '../../electron/services/telemetry/alerts.js';
import { HistoryStore } from '../../electron/services/telemetry/history.js';
import { TelemetryService } from '../../electron/services/telemetry/telemetry-service.js';
import type { AgentTransport } from '../../electron/services/telemetry/agent-transport.js';
import type { SshPool } from '../../electron/services/ssh/pool.js';
import { openLog } from '../helpers/audit.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const FIELDS =
  'timestamp,index,uuid,name,pci.bus_id,utilization.gpu,utilization.memory,memory.used,memory.total,temperature.gpu,power.draw,power.limit,clocks.sm,ecc.errors.corrected.volatile.total,ecc.errors.uncorrected.volatile.total,pcie.link.gen.current,pcie.link.width.current,pstate,clocks_event_reasons.active';

/**
 * A synthetic fleet behind the real telemetry service: each node's "agent" prints what the real one
 * prints (hello, 8 GPU rows, host, a probe, a container snapshot) every `intervalMs`. Only the SSH
 * hop is replaced; decoding, live windows, endpoint SLOs, alerts, history and the fleet summary are
 * the app's code.
 */
function syntheticFleet(intervalMs: number, gpus: number): AgentTransport {
  return {
    connect: () => Promise.resolve({ fingerprint: 'SHA256:bench' }),
    run: (node, _command, o) =>
      new Promise((resolve) => {
        o.onStdout(
          Buffer.from(`{"t":"hello","agent":"telemetry","v":2,"interval_ms":${intervalMs},"host":"${node}","fields":"${FIELDS}"}\n`),
        );
        let tick = 0;
        const timer = setInterval(() => {
          tick++;
          const ts = new Date().toISOString().replace('T', ' ').replace('Z', '').replace(/-/g, '/');
          let out = '';
          for (let g = 0; g < gpus; g++) {
            out += `{"t":"gpu","csv":"${ts}, ${g}, GPU-${node}-${g}, NVIDIA H100 80GB HBM3, 00000000:${(g + 1).toString(16).padStart(2, '0')}:00.0, ${(tick * 7 + g) % 100}, 12, ${40000 + g}, 81559, ${50 + (tick % 20)}, ${300 + g}.25, 700.00, 1980, 0, 0, 5, 16, P0, 0x0000000000000001"}\n`;
          }
          out += `{"t":"host","load1":0.5,"load5":0.4,"load15":0.3,"mem_total_kb":65000000,"mem_avail_kb":32000000,"uptime_s":${tick},"disk_free_kb":900000000}\n`;
          out += `{"t":"probe","ep":"cxr","ready":"200","ready_s":"0.001","infer":"200","infer_s":"0.0${20 + (tick % 9)}"}\n`;
          if (tick % 5 === 0) {
            out += `{"t":"ctr","name":"cxr-3","state":"running","health":"healthy","restarts":0,"deployment":"cxr","revision":"3","image":"reg/cxr@sha256:ab"}\n{"t":"ctr_end","n":1,"runtime":"docker"}\n`;
          }
          o.onStdout(Buffer.from(out));
        }, intervalMs);
        o.signal.addEventListener('abort', () => {
          clearInterval(timer);
          resolve({});
        });
      }),
  };
}

// The agents come from the synthetic transport; the service only listens to the pool for status changes.
const noPool = { onStatus: () => () => undefined } as unknown as SshPool;

/** `nodes` radiology nodes n0, n1, … with one endpoint each, at made-up addresses (never dialled). */
async function syntheticInventory(dir: string, audit: AuditLog, nodes: number): Promise<Inventory> {
  const inventory = Inventory.open(dir, audit);
  await inventory.addMany(
    Array.from({ length: nodes }, (_, i) => ({
      name: `n${i}`,
      host: `198.18.${200 + Math.floor(i / 250)}.${(i % 250) + 1}`,
      profiles: ['radiology' as const],
      endpoints: [{ name: 'cxr', port: 8000, model: 'chest-xray', input: 'INPUT0' }],
    })),
    'bench',
  );
  return inventory;
}

/**
 * Memory of the main side while 100 nodes stream: an hour's worth of 1 Hz samples per GPU, streamed
 * faster (one sample every `intervalMs`), with the fleet overview subscribed as the app keeps it.
 * The heap is measured after a full GC at regular points; flat means the last readings do not climb.
 */
export async function benchTelemetryMemory(
  nodes = 100,
  gpus = 8,
  intervalMs = 50,
  durationS = 180,
): Promise<{ samplesPerGpu: number; equivalentHoursAt1Hz: number; heapMiB: number[]; rssMiB: number[]; growthMiB: number }> {
  v8.setFlagsFromString('--expose_gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const tmp = makeTempDir('edgeward-bench-mem-');
  const audit: AuditLog = await openLog(tmp.dir);
  const inventory = await syntheticInventory(tmp.dir, audit, nodes);
  const history = new HistoryStore(`${tmp.dir}/telemetry.db`);
  const alerts = new AlertEngine(audit);
  const telemetry = new TelemetryService(
    noPool,
    inventory,
    audit,
    { intervalMs, publishEveryMs: 250 },
    history,
    alerts,
    undefined,
    syntheticFleet(intervalMs, gpus),
  );
  let frames = 0;
  const stop = telemetry.watchFleet(() => frames++);
  const heapMiB: number[] = [];
  const rssMiB: number[] = [];
  const readings = 7;
  for (let i = 0; i < readings; i++) {
    await new Promise((r) => setTimeout(r, (durationS * 1000) / readings));
    gc();
    heapMiB.push(process.memoryUsage().heapUsed / 2 ** 20);
    rssMiB.push(process.memoryUsage().rss / 2 ** 20);
  }
  stop();
  telemetry.stopAll();
  history.close();
  await audit.close();
  tmp.cleanup();
  const samplesPerGpu = Math.round((durationS * 1000) / intervalMs);
  // Growth after warm-up (the live windows fill during the first 600 samples): last minus second reading.
  return { samplesPerGpu, equivalentHoursAt1Hz: samplesPerGpu / 3600, heapMiB, rssMiB, growthMiB: heapMiB.at(-1)! - heapMiB[1]! };
}

/**
 * CPU of the main side for `nodes` × `gpus` at 1 Hz, through the real telemetry service (decoder, live
 * state, endpoint SLOs, alerts, history, the fleet topic), in five windows of `windowS` after a warm-up.
 * The stand-in agents run in this process too: their own cost (building the lines) is measured alone
 * for the same time and taken off, so the figure is Edgeward's.
 */
export async function benchTelemetryCpu(
  nodes = 1000,
  gpus = 8,
  windowS = 6,
): Promise<{ nodes: number; gpus: number; corePct: number[]; standInPct: number; framesPerS: number }> {
  const cpuPctOver = async (seconds: number) => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const c = process.cpuUsage(c0);
    return ((c.user + c.system) / 1000 / (performance.now() - t0)) * 100;
  };

  // The stand-in agents alone, their output thrown away.
  const standIn = syntheticFleet(1000, gpus);
  const abort = new AbortController();
  setMaxListeners(0, abort.signal); // one signal stops all the stand-ins
  for (let i = 0; i < nodes; i++) void standIn.run(`n${i}`, '', { onStdout: () => undefined, signal: abort.signal } as never);
  await new Promise((r) => setTimeout(r, 2000));
  const standInPct = await cpuPctOver(windowS);
  abort.abort();

  const tmp = makeTempDir('edgeward-bench-cpu-');
  const audit: AuditLog = await openLog(tmp.dir);
  const inventory = await syntheticInventory(tmp.dir, audit, nodes);
  const history = new HistoryStore(`${tmp.dir}/telemetry.db`);
  const telemetry = new TelemetryService(
    noPool,
    inventory,
    audit,
    { intervalMs: 1000, publishEveryMs: 1000 },
    history,
    new AlertEngine(audit),
    undefined,
    syntheticFleet(1000, gpus),
  );
  let frames = 0;
  const stop = telemetry.watchFleet(() => frames++);
  await new Promise((r) => setTimeout(r, 5000));
  const corePct: number[] = [];
  const f0 = frames;
  const t0 = performance.now();
  for (let i = 0; i < 5; i++) corePct.push((await cpuPctOver(windowS)) - standInPct);
  const framesPerS = (frames - f0) / ((performance.now() - t0) / 1000);
  stop();
  telemetry.stopAll();
  history.close();
  await audit.close();
  tmp.cleanup();
  return { nodes, gpus, corePct, standInPct, framesPerS };
}
