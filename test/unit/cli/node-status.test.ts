import { afterAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../../electron/app/backend.js';
import { runCommand, type CliOutput } from '../../../electron/cli/commands.js';
import type { TelemetryFrame } from '../../../shared/telemetry.js';
import { gpuSample } from '../../helpers/gpu-sample.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

function capture(json = false) {
  const out = { stdout: [] as string[], stderr: [] as string[] };
  const io: CliOutput = { json, print: (t) => out.stdout.push(t), error: (t) => out.stderr.push(t) };
  return { out, io };
}

describe('edgeward status NODE (offline)', () => {
  const tmp = makeTempDir('edgeward-nodestatus-');
  afterAll(() => tmp.cleanup());

  it('shows one node in full from history and the audit log: GPUs, host, containers, endpoints with SLO, open alerts, ages', async () => {
    const backend = await createBackend({ dataDir: tmp.dir, transport: 'cli' });
    try {
      await backend.inventory.add({ name: 'cds-01', host: '198.18.200.9', site: 'north' });
      const at = Date.now() - 5 * 60_000;
      const frame: TelemetryFrame = {
        node: 'cds-01',
        at,
        session: 'live',
        gpuHealth: 'ok',
        gpus: [
          gpuSample({ index: 0, at, tempC: 78, eccUncorrected: 3, memUsedMiB: 30000, memTotalMiB: 46068, powerW: 290, powerLimitW: 350 }),
          gpuSample({ index: 1, at, tempC: 51, pcieWidth: 8 }),
        ],
        host: { at, load1: 2.5, memUsedPct: 41.5, uptimeS: 3 * 86400, diskFreeGiB: 812.3 },
        rejected: 0,
        containers: {
          runtime: 'podman',
          list: [
            {
              name: 'ew-sepsis-r3',
              state: 'running',
              health: 'healthy',
              restarts: 1,
              deployment: 'sepsis',
              revision: '3',
              image: 'reg/sepsis:3',
            },
          ],
        },
        endpoints: [
          {
            name: 'sepsis',
            profile: 'cds',
            lastOk: true,
            lastMs: 140,
            probes: 60,
            p50Ms: 80,
            p95Ms: 120,
            p99Ms: 150,
            availabilityPct: 99.5,
            objective: 'p99 < 100 ms, 99.9 % available',
            objectiveMs: 100,
            meetsSlo: false,
            burnRateShort: 20,
            burnRateLong: 15,
          },
        ],
        xid: { available: true, recent: [{ at, code: 48, pci: '0000:01:00', gpu: 0, text: 'NVRM: Xid (PCI:0000:01:00): 48, pid=1' }] },
      };
      backend.history.record(frame);
      backend.history.flushSafely();
      const alert = (action: 'alert.fire' | 'alert.resolve', alertId: string, rule: string, message: string) =>
        backend.audit.log.append({
          action,
          target: { node: 'cds-01' },
          params: { rule, alertId, severity: 'critical', message },
          outcome: 'ok',
          durationMs: 0,
        });
      await alert('alert.fire', 'cds-01/ecc/0', 'gpu-ecc', 'GPU 0: 3 uncorrectable ECC errors');
      await alert('alert.fire', 'cds-01/temp/0', 'gpu-temp', 'GPU 0 at 92 °C');
      await alert('alert.resolve', 'cds-01/temp/0', 'gpu-temp', 'GPU 0 back to 78 °C');

      const human = capture();
      expect(await runCommand(backend, ['status', 'cds-01'], human.io)).toBe(0);
      const text = human.out.stdout.join('\n');
      expect(text).toMatch(/cds-01: last seen .* \(5 min ago\) · session live · GPUs ok/);
      expect(text).toMatch(/0\s+NVIDIA L40S\s+30000\/46068\s+50 %\s+78 °C\s+290 W\/350 W\s+0\/3\s+Gen4 x16/);
      expect(text).toMatch(/1\s+NVIDIA L40S.*Gen4 x8/);
      expect(text).toMatch(/Host: load 2\.5 · memory 41\.5 % · model volume 812\.3 GiB free/);
      expect(text).toMatch(
        /Containers \(podman\), as of 5 min ago:[\s\S]*ew-sepsis-r3\s+running\s+healthy\s+1\s+sepsis\s+3\s+reg\/sepsis:3/,
      );
      expect(text).toMatch(/sepsis\s+cds\s+ok 140 ms\s+120\s+99\.5 %\s+p99 < 100 ms, 99\.9 % available\s+MISSED\s+20\/15/);
      expect(text).toMatch(/Xid 48 on 0000:01:00/);
      expect(text).toMatch(/CRITICAL gpu-ecc: GPU 0: 3 uncorrectable ECC errors/);
      expect(text).not.toMatch(/gpu-temp/);

      const json = capture(true);
      expect(await runCommand(backend, ['status', 'cds-01'], json.io)).toBe(0);
      const parsed = JSON.parse(json.out.stdout[0]!) as { ageMs: number; state: TelemetryFrame; alerts: { rule: string }[] };
      expect(parsed.ageMs).toBeGreaterThanOrEqual(5 * 60_000);
      expect(parsed.state.gpus).toHaveLength(2);
      expect(parsed.state.endpoints?.[0]?.meetsSlo).toBe(false);
      expect(parsed.alerts.map((a) => a.rule)).toEqual(['gpu-ecc']);

      const missing = capture();
      expect(await runCommand(backend, ['status', 'nope'], missing.io)).toBe(2);
    } finally {
      await backend.close();
    }
  });
});
