// `npm run bench`: prints the figures the issues ask for. Speed targets live here, not in tests.
import os from 'node:os';
import { benchBridge } from './bridge.bench.js';
import { benchBed } from './bed.bench.js';
import { benchAudit } from './audit.bench.js';
import { benchSsh } from './ssh.bench.js';
import { benchFleetView } from './ui.bench.js';
import { benchFleetChurn } from './fleet-churn.bench.js';
import { benchTelemetryIngest } from './telemetry.bench.js';
import { benchDeploy } from './deploy.bench.js';
import { benchServiceRollout } from './service.bench.js';
import { benchMetrics } from './metrics.bench.js';
import { benchForward } from './forward.bench.js';
import { benchCommission } from './commission.bench.js';
import { benchTelemetryCpu, benchTelemetryMemory } from './telemetry-memory.bench.js';
import { benchAgentCpu, benchTelemetryLive } from './telemetry-live.bench.js';
import { benchSshConfigImport } from './import.bench.js';
import { benchPipeline } from './pipeline.bench.js';
import { benchPush } from './push.bench.js';
import { summary } from './spread.js';
import { benchStartup } from './startup.bench.js';
import { benchHistoryCharts } from './history-charts.bench.js';
import { benchRollup } from './rollup.bench.js';
import { benchDicomProbe } from './dicom.bench.js';
import { percentile } from '../../shared/stats.js';

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

// `npm run bench -- --only ui,audit` runs just those, so a change can be measured without the whole set.
const NAMES = [
  'bridge',
  'audit',
  'pipeline',
  'import',
  'ingest',
  'memory',
  'rollup',
  'ui',
  'churn',
  'startup',
  'history',
  'metrics',
  'forward',
  'bed',
  'live',
  'deploy',
  'service',
  'commission',
  'ssh',
  'push',
  'dicom',
] as const;
const onlyArg = process.argv.find((a, i) => a.startsWith('--only=') || process.argv[i - 1] === '--only');
const only = onlyArg ? new Set((onlyArg.startsWith('--only=') ? onlyArg.slice(7) : onlyArg).split(',')) : undefined;
for (const n of only ?? []) {
  if (!(NAMES as readonly string[]).includes(n)) {
    console.error(`npm run bench -- --only NAME[,NAME]: unknown "${n}"; names: ${NAMES.join(', ')}`);
    process.exit(2);
  }
}
const want = (name: (typeof NAMES)[number]) => !only || only.has(name);

console.log(`Edgeward benchmarks — ${os.cpus().length} cores, Node ${process.version}, ${new Date().toISOString()}\n`);

if (want('bridge')) {
  const bridge = await benchBridge();
  console.log('Bridge (loopback WebSocket transport, real router):');
  console.log(
    `  invoke round trips, sequential     ${fmt(bridge.sequentialInvokesPerS)} /s   (p50 ${fmt(bridge.sequentialP50Ms, 3)} ms, p99 ${fmt(bridge.sequentialP99Ms, 3)} ms)`,
  );
  console.log(`  invoke round trips, 64 in flight   ${fmt(bridge.concurrentInvokesPerS)} /s`);
  console.log(`  stream frames (256 B payload)      ${fmt(bridge.framesPerS)} frames/s   (${fmt(bridge.frameMiBPerS, 1)} MiB/s)`);
}

if (want('audit')) {
  const audit = await benchAudit();
  console.log('\nAudit log:');
  console.log(
    `  durable appends, 16 writers        ${fmt(audit.appendsPerS)} /s   (target ≥ 5,000/s; p99 ${fmt(audit.appendP99Ms, 2)} ms to durable)`,
  );
  console.log(
    `  verify ${fmt(audit.verifyRecords)} records         ${summary(audit.verifyRunsS, 2)} s of 5 runs   (target < 2 s; ${fmt(audit.verifyMiB)} MiB, ${audit.verifyWorkers} worker threads; one thread: ${fmt(audit.verifySerialS, 2)} s)`,
  );
  console.log(
    `  view index of ${fmt(audit.filterRecords)}            built in ${fmt(audit.indexBuildS, 2)} s, ${fmt(audit.indexColumnMiB)} MiB of columns, heap +${fmt(audit.indexHeapMiB)} MiB (the log is ${fmt(audit.verifyMiB)} MiB)`,
  );
  for (const f of audit.filters) {
    console.log(
      `  view filter on ${fmt(audit.filterRecords)}: ${f.name.padEnd(17)} p50 ${fmt(f.p50Ms, 1)} ms, p95 ${fmt(f.p95Ms, 1)} ms   (target p95 < 100 ms; ${fmt(f.hits)} hits)`,
    );
  }
}

if (want('pipeline')) {
  const pipeline = await benchPipeline();
  console.log('\nAction pipeline (validate → durable intent → act → durable outcome):');
  console.log(
    `  one settings change, direct         p50 ${fmt(pipeline.direct.p50Ms, 2)} ms, p99 ${fmt(pipeline.direct.p99Ms, 2)} ms (the write alone, unaudited)`,
  );
  console.log(
    `  the same through the pipeline       p50 ${fmt(pipeline.pipeline.p50Ms, 2)} ms, p99 ${fmt(pipeline.pipeline.p99Ms, 2)} ms (adds p50 ${fmt(pipeline.pipeline.p50Ms - pipeline.direct.p50Ms, 2)} ms: two fsynced records)`,
  );
  console.log(
    `  inventory changes, ${pipeline.processes} processes at once  ${fmt(pipeline.editsPerS, 0)} /s through the router (${fmt(pipeline.kept)} kept, ${fmt(pipeline.refused)} refused as contended; start-up included)`,
  );
}

if (want('import')) {
  console.log('\nssh_config import (Host blocks, wildcard defaults, a Match), median of 5:');
  for (const r of await benchSshConfigImport())
    console.log(
      `  ${fmt(r.hosts).padStart(5)} hosts                        ${fmt(r.medianMs, 1)} ms   (was 10 s for 1,000 and 35 s for 2,000: quadratic)`,
    );
}

if (want('ingest')) {
  const ingest = benchTelemetryIngest();
  console.log('\nTelemetry ingest (decoder → rows → live window → SQLite history), 500 nodes × 8 GPUs:');
  console.log(`  ${fmt(ingest.samples)} GPU samples in ${fmt(ingest.cpuS, 2)} s of CPU → max ${fmt(ingest.maxPerS)} samples/s on one core`);
  console.log(`  at 4,000 samples/s (1 Hz) that is ${fmt(ingest.cpuPctAt4000, 1)} % of one core   (target < 25 %)`);
}

if (want('ingest')) {
  const cpu = await benchTelemetryCpu();
  console.log(
    `\nTelemetry through the real service, ${fmt(cpu.nodes)} nodes × ${cpu.gpus} GPUs at 1 Hz (synthetic agents, their own cost taken off):`,
  );
  console.log(
    `  main-side CPU                      ${summary(cpu.corePct, 1)} % of one core over 5 windows   (target < 15 %; stand-ins ${fmt(cpu.standInPct, 1)} %)`,
  );
  console.log(`  fleet topic                        ${fmt(cpu.framesPerS)} updates/s`);
}

if (want('memory')) {
  const mem = await benchTelemetryMemory();
  console.log('\nMain-side memory, 100 nodes × 8 GPUs streaming through the real telemetry service (synthetic agents):');
  console.log(
    `  ${fmt(mem.samplesPerGpu)} samples per GPU (= ${fmt(mem.equivalentHoursAt1Hz, 1)} h at 1 Hz); heap after GC ${mem.heapMiB.map((m) => fmt(m, 1)).join(' → ')} MiB`,
  );
  console.log(
    `  growth after warm-up ${fmt(mem.growthMiB, 1)} MiB (flat: within a few MiB); RSS ${mem.rssMiB.map((m) => fmt(m)).join(' → ')} MiB`,
  );
}

if (want('rollup')) {
  const r = benchRollup();
  console.log(`\nTelemetry history, the once-a-minute rollup and retention, ${r.nodes} nodes × ${r.gpus} GPUs of raw samples kept:`);
  for (const run of r.runs)
    console.log(`  ${String(run.minutes).padStart(4)} minutes kept (${fmt(run.rows)} rows)   ${summary(run.cpuMs, 0)} ms of CPU a minute`);
  const [short, long] = r.runs.map((run) => percentile(run.cpuMs, 50)!);
  if (short !== undefined && long !== undefined)
    console.log(
      `  ${fmt(long / short, 2)}× for ${fmt(r.runs[1]!.minutes / r.runs[0]!.minutes)}× the rows   (target: flat, not growing with the table)`,
    );
}

if (want('ui')) {
  for (const [i, count] of [500, 2000].entries()) {
    const ui = await benchFleetView(count, i === 0);
    console.log(`\nFleet view in Chromium, ${fmt(count)} nodes (the table draws only the rows in view):`);
    console.log(`  first render of the table          ${summary(ui.loadMs, 0)} ms of 5 cold loads   (target at 2,000: < 300 ms)`);
    console.log(
      `  search keystroke → painted table   p50 ${fmt(ui.p50Ms, 1)} ms, p95 ${fmt(ui.p95Ms, 1)} ms   (target at 2,000: p95 < 50 ms)`,
    );
  }
}

if (want('churn')) {
  const c = await benchFleetChurn();
  console.log(
    `\nFleet view in Chromium, ${fmt(c.nodes)} nodes, ${fmt(c.changesPerS)} connection changes a second for ${c.seconds} s (through the pool's status path):`,
  );
  console.log(
    `  frame interval p50 ${fmt(c.p50Ms, 1)} ms, p99 ${fmt(c.p99Ms, 1)} ms, longest ${fmt(c.maxMs, 1)} ms; ${c.over50} of ${fmt(c.frames)} frames over 50 ms   (target: none over 50 ms)`,
  );
  console.log(
    c.shownConnected >= 0
      ? `  the header counted ${fmt(c.shownConnected)} connected at the end, as the pool reported`
      : `  the header counted ${fmt(-c.shownConnected)} connected at the end, NOT what the pool reported`,
  );
}

if (want('startup')) {
  const s = await benchStartup();
  console.log(`\nStart-up from cold, ${fmt(s.nodes)} nodes with their last known state (serve, a new process each of 5 runs):`);
  console.log(`  process start → page served        ${summary(s.serveReadyMs, 0)} ms`);
  console.log(`  process start → fleet shown        ${summary(s.shownMs, 0)} ms   (target < 1,000 ms)`);
}

if (want('history')) {
  const h = await benchHistoryCharts();
  console.log(
    `\nHistory charts of one node from SQLite (${h.gpus} GPUs, ${h.endpoints} endpoints; ${fmt(h.rows.hour)} hour, ${fmt(h.rows.minute)} minute and ${fmt(h.rows.latency)} + ${fmt(h.rows.latencyHour)} latency minute and hour rows), click → drawn:`,
  );
  console.log(`  30 days   ${summary(h.drawnMs['30d'], 0)} ms   (target < 200 ms)`);
  console.log(`  1 year    ${summary(h.drawnMs['1y'], 0)} ms   (target < 200 ms)`);
}

if (want('metrics')) {
  const m = await benchMetrics();
  console.log(`\nPrometheus scrape of GET /metrics, ${fmt(m.nodes)} nodes × ${m.gpus} GPUs, 2 endpoints each (${fmt(m.scrapes)} scrapes):`);
  console.log(
    `  p50 ${fmt(m.p50Ms, 1)} ms, p99 ${fmt(m.p99Ms, 1)} ms, ${fmt(m.bytes / 1024)} KiB, ${fmt(m.series)} series   (target: scrape < 100 ms); at a 15 s interval ${fmt(m.corePctAt15s, 2)} % of one core`,
  );
}

if (want('forward')) {
  const fw = await benchForward();
  console.log(`\nAudit forwarding to Debian's rsyslog over TLS (RFC 5425), ${fmt(fw.queued)} queued records:`);
  console.log(`  caught up in ${fmt(fw.catchUpS, 2)} s (in rsyslog's file): ${fmt(fw.recordsPerS)} records/s`);
}

if (want('dicom')) {
  const d = await benchDicomProbe();
  const s = [...d.groupOverheadMs].sort((a, b) => a - b);
  console.log(
    `\nDICOM round-trip probe (its script and dcmtk, stand-in AI on loopback at ${d.delayMs} ms), overhead = time to result − delay:`,
  );
  console.log(
    `  median of each of ${s.length} groups: min ${fmt(s[0] ?? NaN)} / median ${fmt(s[Math.floor(s.length / 2)] ?? NaN)} / max ${fmt(s.at(-1) ?? NaN)} ms (target < 50 ms)${d.failures ? `; ${d.failures} round trip(s) failed` : ''}`,
  );
  const sent = [...d.groupSentMs].sort((a, b) => a - b);
  console.log(
    `  of which the probe's own C-STORE: min ${fmt(sent[0] ?? NaN)} / median ${fmt(sent[Math.floor(sent.length / 2)] ?? NaN)} / max ${fmt(sent.at(-1) ?? NaN)} ms (the rest is the stand-in AI's send back and the arrival)`,
  );
  const c = [...d.groupCpuMs].sort((a, b) => a - b);
  const mid = c[Math.floor(c.length / 2)] ?? NaN;
  console.log(
    `  CPU on the node per round trip: min ${fmt(c[0] ?? NaN)} / median ${fmt(mid)} / max ${fmt(c.at(-1) ?? NaN)} ms, so ${fmt(mid / 100, 2)} % of one core at one round trip per 10 s`,
  );
}

const bedWanted = (['bed', 'live', 'deploy', 'service', 'commission', 'ssh', 'push'] as const).some(want);
if (bedWanted && process.getuid?.() === 0) {
  if (want('bed')) {
    const bed = await benchBed(20);
    console.log('\nTest bed (network namespaces, sshd, podman, test image):');
    console.log(`  start ${bed.nodes} nodes                     ${fmt(bed.upS, 1)} s   (target < 60 s)`);
    console.log(`  tear down                          ${fmt(bed.downS, 1)} s   (${bed.leftovers} leftovers)`);
  }

  if (want('live')) {
    const live = await benchTelemetryLive();
    console.log(`\nTelemetry in Chromium over the bridge, bed node with 4 GPUs at ${live.intervalMs} ms:`);
    console.log(
      `  node sample → drawn                p50 ${fmt(live.latency.p50Ms)} ms, p95 ${fmt(live.latency.p95Ms)} ms, max ${fmt(live.latency.maxMs)} ms over ${live.latency.n} samples   (target p95 < 250 ms)`,
    );
    console.log(
      `  node view, ${live.frames.charts} live charts        median frame ${fmt(live.frames.medianMs, 1)} ms, p95 ${fmt(live.frames.p95Ms, 1)} ms, ${live.frames.over50} of ${live.frames.n} frames over 50 ms (display-bound intervals)`,
    );
    console.log(
      `  page's own work per frame          ${fmt(live.frames.busyMsPerFrame, 1)} ms, mean over those frames (main thread busy)   (target median < 8 ms, p95 < 16 ms)`,
    );
    const agent = await benchAgentCpu();
    console.log(
      'cpuPct' in agent
        ? `  agent CPU on the node at 1 Hz      ${summary(agent.cpuPct, 2)} % of one core, ${agent.cpuPct.length} windows of ${agent.seconds} s, simulator excluded   (target < 0.5 %)`
        : `  agent CPU: skipped (${agent.skipped})`,
    );
  }

  if (want('deploy')) {
    const dep = await benchDeploy();
    console.log(`\nRollout of one local image to ${dep.nodes} bed nodes in ${dep.waves} waves of 5 (real podman):`);
    console.log(
      `  Edgeward ${fmt(dep.edgewardS, 1)} s against ${fmt(dep.unavoidableS)} s of unavoidable waits (${dep.waves} × (${dep.readyAfterS} s model load + ${dep.soakS} s soak)): overhead ${fmt(dep.overheadPct, 1)} %   (target < 10 %)`,
    );
    console.log(
      `  per node: ${Object.entries(dep.perNodeMs)
        .map(([k, v]) => `${k} ${fmt(v)} ms`)
        .join(', ')}`,
    );
    const starting = dep.perNodeMs.starting;
    if (starting !== undefined)
      console.log(
        `  "starting" ${fmt(starting)} ms per node: the runtime alone takes ${fmt(dep.runtimeStartMs.median)} ms (${fmt(dep.runtimeStartMs.min)}–${fmt(dep.runtimeStartMs.max)}, ${dep.runtimeStartMs.samples} stop + run on the nodes, 5 at once), Edgeward the other ${fmt(starting - dep.runtimeStartMs.median)} ms   (target < 1 s where the runtime allows)`,
      );
    console.log(
      `  plain sequential ssh script, same steps: ${fmt(dep.sequentialS, 1)} s (${fmt(dep.sequentialS / dep.edgewardS, 1)}× Edgeward)`,
    );
  }

  if (want('service')) {
    const s = await benchServiceRollout();
    console.log('\nRollout of a two-member service (minimum 1) behind a failover front door, 2 bed nodes (real podman):');
    console.log(
      `  Edgeward ${fmt(s.edgewardS, 1)} s against ${fmt(s.unavoidableS)} s of unavoidable waits (one member at a time: 2 × (${s.readyAfterS} s model load + ${s.soakS} s soak)): overhead ${fmt(s.overheadPct, 1)} %   (target < 10 %)`,
    );
    console.log(
      `  front door probed every ${s.probeIntervalMs} ms: ${fmt(s.probes)} probes, ${fmt(s.failures)} failed, longest gap between answers ${fmt(s.longestGapMs)} ms, i.e. ${fmt(Math.max(0, Math.round(s.longestGapMs / s.probeIntervalMs) - 1))} probe(s) missed in a row   (target: none longer than one probe interval, 0 missed)`,
    );
  }

  if (want('push')) {
    const p = await benchPush();
    const med = (xs: number[]) => percentile(xs, 50)!;
    console.log(
      `\nImage to a site behind one gateway (${fmt(p.archiveMiB, 1)} MiB archive, ${fmt(p.pullMiB, 1)} MiB pulled; A B C D alternately, ${p.runs} runs each):`,
    );
    for (const s of p.sites) {
      console.log(`  site of ${s.nodes}:`);
      console.log(
        `    Edgeward, once per site            wall ${summary(s.edgeward.wallS)} s, site link ${summary(s.edgeward.linkMiB)} MiB`,
      );
      console.log(`    Edgeward, registry image fetched   wall ${summary(s.fetched.wallS)} s, site link ${summary(s.fetched.linkMiB)} MiB`);
      console.log(
        `    plain ssh -J … 'podman load' ×${s.nodes}     wall ${summary(s.plain.wallS)} s, site link ${summary(s.plain.linkMiB)} MiB`,
      );
      console.log(
        `    each node pulling on its own ×${s.nodes}    wall ${summary(s.pull.wallS)} s, site link ${summary(s.pull.linkMiB)} MiB`,
      );
      console.log(
        `    Edgeward against plain load: wall ${fmt(med(s.edgeward.wallS) / med(s.plain.wallS), 2)}×, link ${fmt(med(s.edgeward.linkMiB) / med(s.plain.linkMiB), 2)}×; against pulls: wall ${fmt(med(s.edgeward.wallS) / med(s.pull.wallS), 2)}×, link ${fmt(med(s.edgeward.linkMiB) / med(s.pull.linkMiB), 2)}×   (target: one image's worth per site)`,
      );
      console.log(
        `    registry image fetched by the console, then once per site: link ${fmt(med(s.fetched.linkMiB) / p.fetchedMiB, 2)}× one image as the registry serves it (${fmt(p.fetchedMiB, 1)} MiB), ${fmt(med(s.fetched.linkMiB) / med(s.pull.linkMiB), 2)}× the pulls`,
      );
    }
  }

  if (want('commission')) {
    const com = await benchCommission();
    console.log(`\nCommissioning of a bed node (2 × L40S, real podman), median of ${com.runs} runs:`);
    console.log(
      `  whole run ${fmt(com.totalS, 1)} s, of which the ${com.loadS} s load; per section: ${Object.entries(com.sectionMs)
        .map(([k, v]) => `${k} ${fmt(v)} ms`)
        .join(', ')}`,
    );
  }

  if (want('ssh')) {
    const rows = await benchSsh();
    console.log(
      `\nFleet command \`true\` (s; cold: median of ${rows[0]?.rounds ?? 0} rounds taken in turn, warm: of 3 runs in each; ratios against parallel-ssh and Ansible, same run):`,
    );
    const r = (a?: number, b?: number) => (a !== undefined && b !== undefined ? `${fmt(a / b, 2)}×` : 'n/a');
    for (const row of rows) {
      console.log(
        `  ${row.nodes} nodes: Edgeward cold ${fmt(row.edgewardCold, 2)}, warm ${fmt(row.edgewardWarm, 2)} | parallel-ssh cold ${row.psshCold ? fmt(row.psshCold, 2) : 'n/a'}, warm ${row.psshWarm ? fmt(row.psshWarm, 2) : 'n/a'} | Ansible cold ${row.ansibleCold ? fmt(row.ansibleCold, 2) : 'n/a'}, warm ${row.ansibleWarm ? fmt(row.ansibleWarm, 2) : 'n/a'}`,
      );
      console.log(
        `     cold vs pssh cold ${r(row.edgewardCold, row.psshCold)} (target ≤ 0.6×); warm vs pssh warm ${r(row.edgewardWarm, row.psshWarm)} (target ≤ 0.4×); Ansible warm / Edgeward warm ${r(row.ansibleWarm, row.edgewardWarm)} (target ≥ 10×)`,
      );
    }
  }
} else if (bedWanted) {
  console.log('\nTest bed: skipped (needs root).');
}
