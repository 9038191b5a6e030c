/**
 * `dmesg` for a simulated node: the nodes share the host's kernel, whose log never holds NVIDIA
 * lines, so the bed prints a kernel log of its own. Xid lines follow the real driver's format
 * (test/fixtures/kernel, from leptonai/gpud): the GPU's PCI location and UUID, its board serial,
 * then `NVRM: Xid (PCI:0000:BB:00): CODE, pid=…, name=…, text`. A restricted kernel log
 * (kernel.dmesg_restrict=1) fails with util-linux's message and exit status 1.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Scenario } from './scenario.js';
import { BUSES, serialFor, uuidFor } from './nvidia-smi/values.js';

declare const __BED_DIR__: string | undefined;

/** Texts the driver prints after the code, for the codes the tests use; others get the catalog's words. */
const XID_TEXT: Record<number, string> = {
  13: 'Graphics SM Warp Exception on (GPC 0, TPC 0, SM 0): Illegal Instruction Encoding',
  31: 'Ch 00000010, intr 10000000. MMU Fault: ENGINE GRAPHICS GPCCLIENT_T1_0 faulted @ 0x7f_c0000000. Fault is of type FAULT_PDE ACCESS_TYPE_READ',
  48: 'An uncorrectable double bit error (DBE) has been detected on GPU in the framebuffer at partition 0, subpartition 0.',
  79: 'GPU has fallen off the bus.',
  119: 'Timeout after 6s of waiting for RPC response from GPU0 GSP! Expected function 76 (GSP_RM_CONTROL) (0x20800a4c 0x4).',
};

function readScenario(): Scenario | undefined {
  const bed = process.env.EDGEWARD_BED ?? (typeof __BED_DIR__ === 'string' ? __BED_DIR__ : '/tmp/edgeward-bed');
  try {
    return Scenario.parse(JSON.parse(fs.readFileSync(path.join(bed, 'nodes', os.hostname(), 'scenario.json'), 'utf8')));
  } catch {
    return undefined;
  }
}

/** The simulated kernel log at `now`: boot lines, then each scenario event that has happened. */
function kernelLog(scenario: Scenario, now: number): string[] {
  // Seconds since "boot": the bed's start stands in for it, plus a day so the numbers look real.
  const boot = scenario.startedAt - 86_400_000;
  const stamp = (atMs: number) => `[${((atMs - boot) / 1000).toFixed(6).padStart(13)}]`;
  const lines = [
    `${stamp(boot + 1_200)} Linux version 6.1.0-28-amd64 (debian-kernel@lists.debian.org)`,
    `${stamp(boot + 9_800)} nvidia: loading out-of-tree module taints kernel.`,
    `${stamp(boot + 9_900)} NVRM: loading NVIDIA UNIX x86_64 Kernel Module  550.127.05`,
  ];
  const events = [...scenario.xids];
  if (scenario.fallOffBus) events.push({ ...scenario.fallOffBus, code: 79 });
  for (const e of events.sort((a, b) => a.afterS - b.afterS)) {
    const at = scenario.startedAt + e.afterS * 1000;
    if (at > now || e.index >= scenario.count) continue;
    const bus = (BUSES[e.index] ?? e.index + 1).toString(16).padStart(2, '0');
    const pid = e.code === 79 ? "pid='<unknown>', name=<unknown>" : 'pid=2024380, name=tritonserver';
    lines.push(
      `${stamp(at)} NVRM: GPU at PCI:0000:${bus}:00: ${uuidFor(scenario.seed, e.index)}`,
      `${stamp(at)} NVRM: GPU Board Serial Number: ${serialFor(scenario.seed, e.index)}`,
      `${stamp(at)} NVRM: Xid (PCI:0000:${bus}:00): ${e.code}, ${pid}, ${XID_TEXT[e.code] ?? 'Unknown Error'}`,
    );
    if (e.code === 79) lines.push(`${stamp(at)} NVRM: GPU 0000:${bus}:00.0: GPU has fallen off the bus.`);
  }
  return lines;
}

/** `dmesg -W`: only records logged from now on, as they come (the scenario is read again every 250 ms), until killed. */
function followNew(): void {
  let printed = kernelLog(readScenario() ?? Scenario.parse({}), Date.now()).length;
  setInterval(() => {
    const lines = kernelLog(readScenario() ?? Scenario.parse({}), Date.now());
    if (lines.length > printed) process.stdout.write(`${lines.slice(printed).join('\n')}\n`);
    printed = lines.length;
  }, 250);
}

function main(): number | undefined {
  const scenario = readScenario() ?? Scenario.parse({});
  const args = process.argv.slice(2);
  if (args.includes('--help')) {
    // The options the agent looks for, as util-linux prints them (2.36+ has --follow-new).
    process.stdout.write(
      ` -w, --follow                wait for new messages\n${scenario.dmesgNoFollow ? '' : ' -W, --follow-new            wait and print only new messages\n'}`,
    );
    return 0;
  }
  if (scenario.dmesgRestricted && process.getuid?.() !== 0) {
    process.stderr.write('dmesg: read kernel buffer failed: Operation not permitted\n');
    return 1;
  }
  if (args.includes('--follow-new') || args.includes('-W')) {
    if (scenario.dmesgNoFollow) {
      process.stderr.write("dmesg: unrecognized option '--follow-new'\n");
      return 1;
    }
    followNew();
    return undefined;
  }
  process.stdout.write(`${kernelLog(scenario, Date.now()).join('\n')}\n`);
  return 0;
}

const code = main();
if (code !== undefined) process.exitCode = code;
