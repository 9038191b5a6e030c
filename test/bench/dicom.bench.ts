import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { syntheticStudy } from '../../shared/clinical/dicom-study.js';
import { DicomIngress } from '../../shared/clinical/dicom-target.js';
import { parseRoundTrip, probeArgs } from '../../electron/services/clinical/dicom-probe.js';
import { loadAgent } from '../../electron/services/agents/agent-script.js';
import { freePort } from '../helpers/free-port.js';
import { makeTempDir } from '../helpers/temp-dir.js';

export interface DicomBench {
  delayMs: number;
  /** Median overhead (time to result minus the AI's delay) of each group of round trips, ms. */
  groupOverheadMs: number[];
  /** Median CPU (user + system) of one round trip on the node, per group, ms: sh and every process it waited for. */
  groupCpuMs: number[];
  /** Median of the probe's own C-STORE (association, send, release), per group, ms: its part of the overhead. */
  groupSentMs: number[];
  failures: number;
}

/**
 * The DICOM round-trip probe's own overhead: its script under sh with the node's dcmtk, as on a
 * node, against the bed's stand-in AI on loopback (so no network is in the figure), in groups so the
 * spread between groups shows how noisy the run was.
 */
export async function benchDicomProbe(groups = 5, perGroup = 4, delayMs = 300): Promise<DicomBench> {
  const tmp = makeTempDir('edgeward-bench-dicom-');
  const [port, inner, resultPort] = [await freePort(), await freePort(), await freePort()];
  const ai = spawn(
    path.resolve(import.meta.dirname, '..', 'testbed', 'ai-ingress.sh'),
    ['serve', 'AI', String(port), String(inner), String(delayMs / 1000), '127.0.0.1', String(resultPort), 'EWP', path.join(tmp.dir, 'ai')],
    { stdio: 'ignore' },
  );
  try {
    const deadline = Date.now() + 10_000;
    while (spawnSync('echoscu', ['-aec', 'AI', '127.0.0.1', String(port)]).status !== 0) {
      if (Date.now() > deadline) throw new Error('the stand-in AI did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    const target = DicomIngress.parse({ port, calledAE: 'AI', resultPort, resultAE: 'EWP' });
    const script = loadAgent('dicom-roundtrip.sh').text;
    const groupOverheadMs: number[] = [];
    const groupCpuMs: number[] = [];
    const groupSentMs: number[] = [];
    const cpuFile = path.join(tmp.dir, 'cpu');
    let failures = 0;
    for (let g = 0; g < groups; g++) {
      const over: number[] = [];
      const cpu: number[] = [];
      const sent: number[] = [];
      for (let i = 0; i < perGroup; i++) {
        const study = syntheticStudy(undefined, (n) => crypto.randomBytes(n));
        // GNU time: the CPU the node spends on the probe, whatever the wall clock waits for.
        const r = spawnSync('/usr/bin/time', ['-f', '%U %S', '-o', cpuFile, 'sh', '-s', '--', ...probeArgs(target, study)], {
          input: script,
          encoding: 'utf8',
        });
        const trip = parseRoundTrip(r.stdout, target, study.studyUid);
        if (trip.ok && trip.resultMs !== undefined) over.push(trip.resultMs - delayMs);
        if (trip.sentMs !== undefined) sent.push(trip.sentMs);
        else failures++;
        const [user, sys] = fs.readFileSync(cpuFile, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
        cpu.push(((user ?? NaN) + (sys ?? NaN)) * 1000);
      }
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      if (over.length) groupOverheadMs.push(median(over));
      groupCpuMs.push(median(cpu));
      if (sent.length) groupSentMs.push(median(sent));
    }
    return { delayMs, groupOverheadMs, groupCpuMs, groupSentMs, failures };
  } finally {
    ai.kill('SIGTERM');
    tmp.cleanup();
  }
}
