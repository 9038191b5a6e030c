import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, ARTIFACTS } from '../e2e/browser.js';
import { setScenario, type BedState } from '../testbed/bed.js';
import type { ScenarioInput } from '../testbed/scenario.js';
import { ensureBed } from './helpers/bed.js';
import { addTrusted, fleetBackend, type FleetHarness } from './helpers/fleet.js';

const root = path.resolve(import.meta.dirname, '..', '..');

/** Commissioning on the bed: the simulator plays good and bad servers; the report is checked against the audit log. */
describe('commissioning a new GPU server', () => {
  let bed: BedState;
  let h: FleetHarness;
  let profileFile: string;
  const node = () => bed.nodes[14]!;
  // A healthy L40S pair: persistence on, cool at idle.
  const good: ScenarioInput = { model: 'l40s', count: 2, overrides: { persistence_mode: 'Enabled', 'temperature.gpu': '35' } };
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'electron/cli/main.ts'), '--data-dir', h.dataDir, ...args], {
      encoding: 'utf8',
      timeout: 60_000,
    });

  beforeAll(async () => {
    bed = await ensureBed();
    h = await fleetBackend();
    await addTrusted(h, bed, [node()]);
    profileFile = path.join(h.dataDir, 'l40s.yaml');
    fs.writeFileSync(
      profileFile,
      `name: Radiology 2 x L40S
gpu: {model: L40S, count: 2, minMemoryMiB: 46000}
driverMin: "550.54"
cudaMin: "12.4"
pcie: {gen: 4, width: 16}
idle: {maxTempC: 60}
maxClockSkewMs: 1000
testImage: ${bed.image}
testCommand: [/usr/bin/node, -e, "console.log(require('fs').readdirSync('/dev').join(' '))"]
`,
    );
  }, 180_000);
  afterAll(async () => {
    setScenario(node(), {});
    await h.close();
  });

  it('passes a good node, with a report whose hash is in the audit log, rendered in Chromium', async () => {
    setScenario(node(), good);
    const r = await h.backend.commission.run(node().name, fs.readFileSync(profileFile, 'utf8'));
    expect(r.results.filter((c) => c.verdict !== 'pass')).toEqual([]);
    expect(r.verdict).toBe('pass');
    const html = fs.readFileSync(r.reportFile, 'utf8');
    expect(html).toMatch(/GPU-[0-9a-f-]{36}/);
    expect(html).toContain('Verdict: PASS');
    const rec = h.backend.audit.index.query({ action: 'commission.run', node: node().name }, 0, 1).records[0];
    expect(rec).toMatchObject({ params: { reportSha256: r.reportSha256, verdict: 'pass' }, scriptHash: expect.stringMatching(/^sha256:/) });
    expect(h.backend.commission.verify(r.reportFile)).toMatchObject({ ok: true, sha256: r.reportSha256 });

    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 1200 } });
      await page.goto(`file://${r.reportFile}`);
      expect(await page.locator('.verdict').textContent()).toBe('Verdict: PASS');
      expect(await page.locator('tr.pass').count()).toBe(r.results.length);
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, 'commission-report.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  }, 60_000);

  it('fails a node with a missing GPU, a x8 link or ECC off, naming the check and the evidence', async () => {
    const cases: [ScenarioInput, string, RegExp][] = [
      [{ ...good, count: 1 }, 'gpu.count', /^1 GPU\(s\): NVIDIA L40S$/],
      [{ ...good, overrides: { ...good.overrides, 'pcie.link.width.max': '8' } }, 'gpu.pcie', /GPU 0: Gen4 x8/],
      [{ ...good, overrides: { ...good.overrides, 'ecc.mode.current': 'Disabled' } }, 'gpu.ecc', /GPU 0: ECC Disabled/],
    ];
    for (const [scenario, check, evidence] of cases) {
      setScenario(node(), scenario);
      const r = await h.backend.commission.run(node().name, fs.readFileSync(profileFile, 'utf8'));
      expect(r.verdict, check).toBe('fail');
      const c = r.results.find((x) => x.id === check)!;
      expect(c.verdict, check).toBe('fail');
      expect(c.evidence).toMatch(evidence);
    }
  }, 120_000);

  it('is run and verified from the CLI: exit 1 on a failing node, a tampered report fails verify', () => {
    setScenario(node(), { ...good, count: 1 });
    const out = path.join(h.dataDir, 'report.html');
    const run = cli('commission', node().name, '--profile', profileFile, '--report', out);
    expect(run.status, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/Verdict: FAIL/);
    const ok = cli('commission', 'verify', out);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^authentic: recorded in the audit log as seq \d+/);
    fs.writeFileSync(out, fs.readFileSync(out, 'utf8').replace('Verdict: FAIL', 'Verdict: PASS'));
    const tampered = cli('commission', 'verify', out);
    expect(tampered.status).toBe(1);
    expect(tampered.stdout).toMatch(/^NOT FOUND: no report with sha256 [0-9a-f]{64} was recorded/);
    const bad = cli('commission', node().name, '--profile', path.join(h.dataDir, 'missing.yaml'));
    // A profile that cannot be read is the caller's to fix: exit 2.
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/Cannot read .*missing\.yaml/);
  }, 120_000);
});
