import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommissionSession } from '../../shared/commission/session.js';
import { sessionResults } from '../../shared/commission/session.js';
import { launchChromium, ARTIFACTS } from '../e2e/browser.js';
import { cut, restore, setClockOffset, setRuntime, setScenario, type BedState } from '../testbed/bed.js';
import { HOST_ADDRESS } from '../testbed/layout.js';
import type { ScenarioInput } from '../testbed/scenario.js';
import { ensureBed, ssh } from './helpers/bed.js';
import { addTrusted, fleetBackend, type FleetHarness } from './helpers/fleet.js';
import { cliArgv, runCli } from '../helpers/cli.js';

const DICOM_PORT = 11112;
/** Who signs off in these tests: asked each time (name and role), shown in the report. */
const SIGNER = { name: 'Kim Field', role: 'biomedical engineer' };
const SIGNER_ARGS = ['--signer', SIGNER.name, '--role', SIGNER.role];
/** A PACS that checks the called AE title, as real ones do (storescp answers any title). */
const QR_PORT = 11113;

/**
 * Commissioning on the bed: the simulator plays good and bad servers; a real dcmtk storescp is the
 * PACS, a small HTTP server on the bed's host address is the hub and the FHIR server; reports are
 * checked against the audit log.
 */
describe('commissioning a new GPU server', () => {
  let bed: BedState;
  let h: FleetHarness;
  let hub: http.Server;
  let hubUrl: string;
  const peers: ChildProcess[] = [];
  const node = () => bed.nodes[14]!;
  const pacs = () => bed.nodes[15]!;
  // A healthy L40S pair: persistence on, cool at idle.
  const good: ScenarioInput = { model: 'l40s', count: 2, overrides: { persistence_mode: 'Enabled', 'temperature.gpu': '35' } };
  // The same pair busy under the load, warm but not throttled.
  const busy: ScenarioInput = { ...good, overrides: { ...good.overrides, 'utilization.gpu': '98 %', 'temperature.gpu': '71' } };
  const profile = (extra = '') => `name: Radiology 2 x L40S
gpu: {model: L40S, count: 2, minMemoryMiB: 46000}
driverMin: "550.54"
cudaMin: "12.4"
pcie: {gen: 4, width: 16}
idle: {maxTempC: 60}
maxClockSkewMs: 1000
testImage: ${bed.image}
testCommand: [/usr/bin/node, -e, "console.log(require('fs').readdirSync('/dev').join(' '))"]
${extra}`;
  const withLoad = (seconds: number) =>
    `load: {seconds: ${seconds}, command: [/usr/bin/node, -e, "setTimeout(() => {}, 120000)"], maxTempC: 85}\n`;
  const network = () => `dns: [${node().name}, localhost]
hub: {url: "${hubUrl}/", maxLatencyMs: 50}
dicom: {host: ${pacs().address}, port: ${DICOM_PORT}, calledAE: PACS}
fhir: {baseUrl: "${hubUrl}/fhir"}
`;
  const cli = (...args: string[]) => runCli(h.dataDir, args, { timeoutMs: 90_000 });
  const results = (s: CommissionSession) => Object.fromEntries(sessionResults(s).map((r) => [r.id, r]));
  /** Runs a full commissioning with the scenario set for the idle checks and `loaded` for the load. */
  const commission = async (text: string, scenario: ScenarioInput, loaded = busy) => {
    setScenario(node(), scenario);
    const stop = h.backend.commission.watch(node().name, (s) => {
      if (s.sections.find((x) => x.id === 'load')?.status === 'running') setScenario(node(), loaded);
    });
    try {
      return await h.backend.commission.start(node().name, text);
    } finally {
      stop();
    }
  };
  const loadContainers = () => ssh(bed, node(), 'podman ps -a --filter name=edgeward-commission-load --format "{{.Names}}"').stdout.trim();

  beforeAll(async () => {
    bed = await ensureBed();
    h = await fleetBackend();
    await addTrusted(h, bed, [node()]);
    hub = http.createServer((req, res) => {
      if (req.url === '/fhir/metadata') {
        res.setHeader('content-type', 'application/fhir+json');
        res.end(
          JSON.stringify({
            resourceType: 'CapabilityStatement',
            status: 'active',
            fhirVersion: '4.0.1',
            software: { name: 'Bed FHIR', version: '1.0' },
          }),
        );
      } else if (req.url === '/') res.end('hub');
      else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((r) => hub.listen(0, HOST_ADDRESS, r));
    hubUrl = `http://${HOST_ADDRESS}:${(hub.address() as AddressInfo).port}`;
    // The PACS: dcmtk's storescp in another node's network namespace, and dcmqrscp with an AE table.
    const dir = fs.mkdtempSync(path.join(h.dataDir, 'pacs-'));
    fs.mkdirSync(path.join(dir, 'db'));
    fs.writeFileSync(
      path.join(dir, 'dcmqrscp.cfg'),
      `NetworkTCPPort = ${QR_PORT}\nMaxPDUSize = 16384\nMaxAssociations = 4\nHostTable BEGIN\nHostTable END\nVendorTable BEGIN\nVendorTable END\nAETable BEGIN\nARCHIVE ${path.join(dir, 'db')} RW (10, 64mb) ANY\nAETable END\n`,
    );
    const inPacs = (cmd: string[]) => spawn('ip', ['netns', 'exec', pacs().netns, ...cmd], { stdio: 'ignore' });
    peers.push(inPacs(['storescp', '--aetitle', 'PACS', '-od', dir, String(DICOM_PORT)]));
    peers.push(inPacs(['dcmqrscp', '-c', path.join(dir, 'dcmqrscp.cfg')]));
    // Both listening before any test (the poll helper of vitest is for tests only).
    const deadline = Date.now() + 15_000;
    const probe = `echoscu -aec PACS ${pacs().address} ${DICOM_PORT} && echoscu -aec ARCHIVE ${pacs().address} ${QR_PORT}`;
    while (ssh(bed, node(), probe).status !== 0) {
      if (Date.now() > deadline) throw new Error('the bed PACS (storescp, dcmqrscp) did not start');
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 180_000);
  afterAll(async () => {
    for (const p of peers) p.kill();
    setScenario(node(), {});
    setRuntime(node(), 'docker');
    setClockOffset(node(), 0);
    await new Promise((r) => hub?.close(r));
    await h?.close();
  });

  it('passes a good node on every check (load, DNS, hub, C-ECHO to storescp, FHIR), with progress, sign-off and a report whose hash is in the audit log', async () => {
    const seen: string[] = [];
    const stop = h.backend.commission.watch(node().name, (s) => {
      for (const x of s.sections) if (x.status === 'running' && seen.at(-1) !== x.id) seen.push(x.id);
    });
    const s = await commission(profile(withLoad(5) + network()), good).finally(stop);
    // Each section showed as running, in order.
    expect(seen).toEqual(['gpu', 'runtime', 'load', 'host', 'dns', 'hub', 'dicom', 'fhir']);
    expect(sessionResults(s).filter((c) => c.verdict !== 'pass')).toEqual([]);
    const r = results(s);
    expect(r['dicom.echo']!.evidence).toBe('Received Echo Response (Success)');
    expect(r['fhir.metadata']!.evidence).toBe('FHIR 4.0.1, Bed FHIR 1.0, status active');
    expect(r['net.dns']!.evidence).toMatch(
      new RegExp(`^${node().name} → .*${node().address.replace(/\./g, '\\.')}.*; localhost → 127\\.0\\.0\\.1`),
    );
    expect(r['net.hub']!.evidence).toMatch(/^TCP connect median [\d.]+ ms over 3 of 3 tries; HTTP 200$/);
    expect(r['gpu.load']!.evidence).toMatch(/GPU 1: max 7\d °C, max 98 % busy/);
    // The load container is gone afterwards.
    expect(loadContainers()).toBe('');

    const signed = await h.backend.commission.signoff(node().name, SIGNER);
    const { reportFile, reportSha256, verdict } = signed.signoff!;
    expect(verdict).toBe('pass');
    const html = fs.readFileSync(reportFile, 'utf8');
    expect(html).toMatch(/GPU-[0-9a-f-]{36}/);
    expect(html).toContain('Verdict: PASS');
    expect(html).toContain('Kim Field (biomedical engineer)');
    const rec = h.backend.audit.index.query({ action: 'commission.signoff', node: node().name }, 0, 1).records[0];
    expect(rec).toMatchObject({
      params: { reportSha256, verdict: 'pass', commissioning: s.id, signer: 'Kim Field', role: 'biomedical engineer' },
    });
    const run = h.backend.audit.index.query({ action: 'commission.run', node: node().name }, 0, 1).records[0];
    expect(run).toMatchObject({ scriptHash: expect.stringMatching(/^sha256:/), hostKey: expect.stringMatching(/^SHA256:/) });
    expect(h.backend.commission.verify(reportFile)).toMatchObject({ ok: true, sha256: reportSha256 });
    expect(h.backend.commission.reports(node().name)[0]).toMatchObject({ sessionId: s.id, verdict: 'pass', sha256: reportSha256 });
    // Signed off: closed for changes.
    await expect(h.backend.commission.override(node().name, 'gpu.count', 'a reason long enough')).rejects.toThrow(/No open commissioning/);

    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
      await page.goto(`file://${reportFile}`);
      expect(await page.locator('.verdict').textContent()).toBe('Verdict: PASS');
      expect(await page.locator('tr.pass').count()).toBe(sessionResults(s).length);
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, 'commission-report.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  }, 90_000);

  it('fails a missing GPU, a x8 link, ECC off, no container runtime and a skewed clock, naming the check and the evidence', async () => {
    const cases: [() => void, string, RegExp][] = [
      [() => setScenario(node(), { ...good, count: 1 }), 'gpu.count', /^1 GPU\(s\): NVIDIA L40S$/],
      [() => setScenario(node(), { ...good, overrides: { ...good.overrides, 'pcie.link.width.max': '8' } }), 'gpu.pcie', /GPU 0: Gen4 x8/],
      [
        () => setScenario(node(), { ...good, overrides: { ...good.overrides, 'ecc.mode.current': 'Disabled' } }),
        'gpu.ecc',
        /GPU 0: ECC Disabled/,
      ],
      [() => setRuntime(node(), 'none'), 'runtime.gpu', /^none; GPU container: fail: no container runtime answers/],
      [() => setClockOffset(node(), 5 * 60_000), 'clock.skew', /^(29|30)\d{4} ms off \(round trip \d+ ms\)/],
    ];
    for (const [arrange, check, evidence] of cases) {
      setScenario(node(), good);
      arrange();
      try {
        const s = await h.backend.commission.start(node().name, profile());
        const c = results(s)[check]!;
        expect(c.verdict, check).toBe('fail');
        expect(c.evidence, check).toMatch(evidence);
        // Only that check failed.
        expect(
          sessionResults(s)
            .filter((x) => x.verdict === 'fail')
            .map((x) => x.id),
          check,
        ).toEqual([check]);
      } finally {
        setRuntime(node(), 'docker');
        setClockOffset(node(), 0);
      }
    }
  }, 180_000);

  it('fails a GPU that throttles for heat under load and a C-ECHO to a wrong AE title', async () => {
    const hot: ScenarioInput = {
      ...busy,
      overrides: { ...busy.overrides, 'temperature.gpu': '92', 'clocks_event_reasons.active': '0x0000000000000040' },
    };
    const wrongAe = network().replace(`port: ${DICOM_PORT}, calledAE: PACS`, `port: ${QR_PORT}, calledAE: RADIOLOGY`);
    const s = await commission(profile(withLoad(5) + wrongAe), good, hot);
    const r = results(s);
    expect(r['gpu.load']).toMatchObject({
      verdict: 'fail',
      evidence: expect.stringMatching(/^GPU 0 reached 9\d °C; GPU 0: HW thermal slowdown/),
    });
    expect(r['dicom.echo']).toMatchObject({ verdict: 'fail', evidence: expect.stringContaining('Called AE Title Not Recognized') });
    // The right title on the same PACS passes.
    const right = await h.backend.commission.start(
      node().name,
      profile(network().replace(`port: ${DICOM_PORT}, calledAE: PACS`, `port: ${QR_PORT}, calledAE: ARCHIVE`)),
    );
    expect(results(right)['dicom.echo']!.verdict).toBe('pass');
  }, 120_000);

  it('shows hostile GPU names and serials as inert text: no terminal escapes, no markup, bounded length', async () => {
    setScenario(node(), {
      ...good,
      gpuOverrides: { '1': { name: 'NVIDIA L40S\u001b]0;pwned\u0007\u001b[2J<img src=x onerror=alert(1)>', serial: 'x'.repeat(20_000) } },
    });
    const s = await h.backend.commission.start(node().name, profile());
    const count = results(s)['gpu.count']!;
    expect(count.evidence).not.toMatch(/\u001b|\u0007/);
    expect(count.evidence).toContain('NVIDIA L40S<img src=x onerror=alert(1)>');
    const signed = await h.backend.commission.signoff(node().name, SIGNER);
    const html = fs.readFileSync(signed.signoff!.reportFile, 'utf8');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    // Values are cut at 500 characters, whatever the node sends.
    expect(html).not.toContain('x'.repeat(501));
  }, 60_000);

  it('re-runs the failed checks after a fix; an override needs a reason, is audited and turns the failure into a warning', async () => {
    setScenario(node(), { ...good, overrides: { ...good.overrides, 'pcie.link.width.max': '8' } });
    const s = await h.backend.commission.start(node().name, profile());
    expect(results(s)['gpu.pcie']!.verdict).toBe('fail');
    await expect(h.backend.commission.signoff(node().name, SIGNER).then((x) => x.signoff!.verdict)).resolves.toBe('fail');
    // A new one: fix the link and re-run only what failed.
    const second = await h.backend.commission.start(node().name, profile());
    setScenario(node(), good);
    const again = await h.backend.commission.rerun(node().name, 'failed');
    expect(again.id).toBe(second.id);
    expect(results(again)['gpu.pcie']!.verdict).toBe('pass');
    const finished = (x: CommissionSession, id: string) => x.sections.find((y) => y.id === id)!.finishedAt;
    // Only the section with the failure ran again.
    expect(finished(again, 'host')).toBe(finished(second, 'host'));
    expect(finished(again, 'gpu')).toBeGreaterThan(finished(second, 'gpu')!);

    setScenario(node(), { ...good, overrides: { ...good.overrides, 'ecc.mode.current': 'Disabled' } });
    await h.backend.commission.start(node().name, profile());
    await expect(h.backend.commission.override(node().name, 'gpu.ecc', 'short')).rejects.toThrow(/needs a reason/);
    await expect(h.backend.commission.override(node().name, 'gpu.count', 'the count is fine anyway')).rejects.toThrow(/did not fail/);
    await h.backend.commission.override(node().name, 'gpu.ecc', 'ECC is enabled at the next maintenance window, ticket 4711');
    const signed = await h.backend.commission.signoff(node().name, SIGNER);
    expect(signed.signoff!.verdict).toBe('warn');
    expect(fs.readFileSync(signed.signoff!.reportFile, 'utf8')).toContain(
      'Override: ECC is enabled at the next maintenance window, ticket 4711',
    );
    const rec = h.backend.audit.index.query({ action: 'commission.override', node: node().name }, 0, 1).records[0];
    expect(rec).toMatchObject({
      reason: 'ECC is enabled at the next maintenance window, ticket 4711',
      params: { check: 'gpu.ecc', commissioning: signed.id },
    });
  }, 120_000);

  it('stops the checks on cancel (the load container is removed), and a cut link leaves a commissioning that resumes where it stopped', async () => {
    setScenario(node(), good);
    const { done } = await h.backend.commission.begin(node().name, profile(withLoad(60)));
    await expect.poll(() => loadContainers(), { timeout: 30_000, interval: 250 }).toBe('edgeward-commission-load');
    expect(h.backend.commission.cancel(node().name)).toBe(true);
    const stopped = await done;
    expect(stopped.sections.find((x) => x.id === 'load')).toMatchObject({ status: 'cancelled', error: 'stopped by the technician' });
    expect(stopped.sections.find((x) => x.id === 'host')!.status).toBe('pending');
    expect(loadContainers()).toBe('');
    await expect(h.backend.commission.signoff(node().name, SIGNER)).rejects.toThrow(
      /Not every check has run: GPUs under a short load, Clock/,
    );

    // The link goes down during the load; the section fails with what to do, the rest waits.
    const { done: cutRun } = await h.backend.commission.beginRerun(node().name, 'remaining');
    await expect.poll(() => loadContainers(), { timeout: 30_000, interval: 250 }).toBe('edgeward-commission-load');
    cut(node());
    let halted: CommissionSession;
    try {
      halted = await cutRun;
    } finally {
      restore(node());
    }
    expect(halted.sections.find((x) => x.id === 'load')!.status).toMatch(/failed|cancelled/);
    expect(halted.sections.find((x) => x.id === 'load')!.error).toMatch(/resume|Check/);
    expect(halted.sections.find((x) => x.id === 'gpu')!.status).toBe('done');

    // Resumed from the CLI with a shorter load: it finishes and signs off.
    const out = path.join(h.dataDir, 'resumed.html');
    const file = path.join(h.dataDir, 'commissioning', node().name, `${halted.id}.json`);
    const stored = JSON.parse(fs.readFileSync(file, 'utf8'));
    stored.session.profileText = stored.session.profileText.replace('seconds: 60', 'seconds: 5');
    fs.writeFileSync(file, JSON.stringify(stored));
    setScenario(node(), busy);
    const resumed = await cli('commission', 'resume', node().name, '--report', out, ...SIGNER_ARGS);
    expect(resumed.status, resumed.stderr + resumed.stdout).toBe(0);
    expect(resumed.stderr).toMatch(/running +GPUs under a short load/);
    expect(resumed.stdout).toMatch(/Verdict: PASS/);
    expect((await cli('commission', 'verify', out)).status).toBe(0);
    // The leftover load container of the cut run was removed before the new load.
    expect(loadContainers()).toBe('');
  }, 180_000);

  it('runs one commissioning per node across processes: the app refuses while the CLI runs it, shows it running, and Ctrl-C stops the CLI cleanly', async () => {
    setScenario(node(), good);
    const profileFile = path.join(h.dataDir, 'long-load.yaml');
    fs.writeFileSync(profileFile, profile(withLoad(60)));
    const child = spawn(process.execPath, cliArgv(h.dataDir, 'commission', node().name, '--profile', profileFile, ...SIGNER_ARGS), {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const loadStatus = () => h.backend.commission.current(node().name)?.sections.find((x) => x.id === 'load')?.status;
    await expect.poll(() => loadContainers(), { timeout: 30_000, interval: 250 }).toBe('edgeward-commission-load');
    // Another process runs it: not "interrupted" here, and not startable twice.
    expect(loadStatus()).toBe('running');
    expect(h.backend.commission.isRunning(node().name)).toBe(true);
    expect(() => h.backend.commission.begin(node().name, profile())).toThrow(
      /already running on node-\d+ from another Edgeward process \(pid \d+\)/,
    );
    child.kill('SIGINT');
    expect(await exited).toBe(3);
    expect(stderr).toMatch(/resume later with: edgeward commission resume node-\d+/);
    expect(loadStatus()).toBe('cancelled');
    expect(loadContainers()).toBe('');
    expect(h.backend.commission.isRunning(node().name)).toBe(false);
  }, 90_000);

  it('is run and verified from the CLI: exit 1 on a failing node, a tampered report fails verify', async () => {
    setScenario(node(), { ...good, count: 1 });
    const profileFile = path.join(h.dataDir, 'l40s.yaml');
    fs.writeFileSync(profileFile, profile());
    const out = path.join(h.dataDir, 'report.html');
    const run = await cli('commission', node().name, '--profile', profileFile, '--report', out, ...SIGNER_ARGS);
    expect(run.status, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/Verdict: FAIL/);
    expect(run.stderr).toMatch(/done +GPUs: count, model, driver, ECC, PCIe, idle: FAIL/);
    const ok = await cli('commission', 'verify', out);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^authentic: recorded in the audit log as seq \d+/);
    fs.writeFileSync(out, fs.readFileSync(out, 'utf8').replace('Verdict: FAIL', 'Verdict: PASS'));
    const tampered = await cli('commission', 'verify', out);
    expect(tampered.status).toBe(1);
    expect(tampered.stdout).toMatch(/^NOT FOUND: no report with sha256 [0-9a-f]{64} was recorded/);
    const bad = await cli('commission', node().name, '--profile', path.join(h.dataDir, 'missing.yaml'), ...SIGNER_ARGS);
    // A profile that cannot be read is the caller's to fix: exit 2.
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/Cannot read .*missing\.yaml/);
    // Who signs is asked before anything runs.
    const unsigned = await cli('commission', node().name, '--profile', profileFile);
    expect(unsigned.status).toBe(2);
    expect(unsigned.stderr).toMatch(/say who signs with --signer "NAME" --role "ROLE"/);
  }, 120_000);
});
