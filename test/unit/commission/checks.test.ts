import { describe, expect, it } from 'vitest';
import { agentArgs, evaluate, evaluateSection, overall, parseCommissionFacts, sectionsFor } from '../../../shared/commission/checks.js';
import { compareVersions, parseProfile } from '../../../shared/commission/profile.js';
import { renderReport } from '../../../shared/commission/report.js';

const PROFILE = `name: Radiology L40S node
gpu: {model: L40S, count: 2, minMemoryMiB: 46000}
driverMin: "550.54"
cudaMin: "12.4"
pcie: {gen: 4, width: 16}
idle: {maxTempC: 60}
modelVolume: {path: /srv/models, minFreeGiB: 100}
maxClockSkewMs: 500
`;
const gpu = (i: number, extra: Partial<Record<'width' | 'ecc' | 'temp', string>> = {}) =>
  `gpu=${i}|GPU-${i}|13240${i}|NVIDIA L40S|46068|595.80|4|${extra.width ?? 16}|${extra.ecc ?? 'Enabled'}|Enabled|${extra.temp ?? 35}|35.10|0`;
const facts = (lines: string[], clock = 1_000_050) =>
  parseCommissionFacts(
    [
      'hostname=rad-07',
      `clock_ms=${clock}`,
      ...lines,
      'cuda=13.2',
      'runtime=docker',
      'gpu_container=ok',
      'disk_free_kb=1048576000',
      'disk_mounted=yes',
      'mem_total_kb=263000000',
    ].join('\n'),
  );
const profile = parseProfile(PROFILE).profile!;
const verdicts = (f: ReturnType<typeof facts>) =>
  Object.fromEntries(evaluate(profile, f, 1_000_000, 1_000_100).map((c) => [c.id, c.verdict]));

describe('commissioning checks', () => {
  it('passes a server that matches its profile', () => {
    const r = evaluate(profile, facts([gpu(0), gpu(1)]), 1_000_000, 1_000_100);
    expect(r.filter((c) => c.verdict !== 'pass')).toEqual([]);
    expect(overall(r)).toBe('pass');
  });

  it('fails a missing GPU, a x8 link, ECC off and a skewed clock, each with its evidence', () => {
    expect(verdicts(facts([gpu(0)]))['gpu.count']).toBe('fail');
    const x8 = evaluate(profile, facts([gpu(0), gpu(1, { width: '8' })]), 1_000_000, 1_000_100).find((c) => c.id === 'gpu.pcie')!;
    expect(x8).toMatchObject({ verdict: 'fail', expected: 'Gen4 x16', evidence: 'GPU 0: Gen4 x16, GPU 1: Gen4 x8' });
    expect(verdicts(facts([gpu(0, { ecc: 'Disabled' }), gpu(1)]))['gpu.ecc']).toBe('fail');
    const skew = evaluate(profile, facts([gpu(0), gpu(1)], 1_005_100), 1_000_000, 1_000_100).find((c) => c.id === 'clock.skew')!;
    expect(skew).toMatchObject({
      verdict: 'fail',
      evidence: '5000 ms off (round trip 100 ms); NTP synchronized: not reported (no timedatectl or chronyc)',
    });
    expect(verdicts(facts([gpu(0, { temp: '71' }), gpu(1)]))['gpu.idle-temp']).toBe('warn');
    const noDriver = parseCommissionFacts(
      'gpu_error=nvidia-smi not found on PATH (no NVIDIA driver installed?)\nruntime=none\ngpu_container=fail: no container runtime (docker or podman)',
    );
    const v = verdicts(noDriver);
    expect(v).toMatchObject({ 'gpu.driver': 'fail', 'gpu.count': 'fail', 'runtime.gpu': 'fail', 'driver.version': 'fail' });
  });

  it('turns an overridden failure into a warning, never into a pass', () => {
    const r = evaluate(profile, facts([gpu(0), gpu(1, { width: '8' })]), 1_000_000, 1_000_100);
    expect(overall(r)).toBe('fail');
    expect(overall(r, new Set(['gpu.pcie']))).toBe('warn');
  });

  it('compares versions numerically and refuses a malformed profile with the field', () => {
    expect(compareVersions('550.127.05', '550.54')).toBe(1);
    expect(compareVersions('12.4', '12.10')).toBe(-1);
    expect(parseProfile('name: x\ngpu: {model: L40S, count: 0}\n').problems).toEqual([
      'line 2: gpu.count: Too small: expected number to be >=1',
    ]);
  });

  it('renders a report where hostile node values are text, not markup', () => {
    const f = facts([gpu(0), gpu(1).replace('132401', '<script>alert(1)</script>')]);
    const results = evaluate(profile, f, 1_000_000, 1_000_100);
    const html = renderReport({
      node: 'rad-07',
      address: 'root@rad-07:22',
      hostKey: 'SHA256:x',
      technician: 'J. Doe',
      at: '2026-11-28T00:00:00Z',
      startedAt: '2026-11-27T23:50:00Z',
      sessionId: 'c0ffee',
      profile,
      facts: f,
      results,
      overrides: [],
      verdict: overall(results),
    });
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('data-verdict="pass"');
  });

  describe('the sections a profile adds', () => {
    const full = parseProfile(
      `${PROFILE}testImage: localhost/ai/test:1
load: {seconds: 10, command: [gpu-burn, "10"], maxTempC: 85}
dns: [pacs.hospital.local, ehr.hospital.local]
hub: {url: "https://hub.hospital.local:8443/", maxLatencyMs: 20}
dicom: {host: pacs.hospital.local, port: 11112, calledAE: PACS}
fhir: {baseUrl: "https://ehr.hospital.local/fhir/"}
`,
    ).profile!;
    const t = { sentAt: 1_000_000, receivedAt: 1_000_100 };
    const one = (section: Parameters<typeof evaluateSection>[0], text: string) =>
      evaluateSection(section, full, parseCommissionFacts(text), t)[0]!;
    const load = (i: number, temp: number, util: number, throttle = '0x0000000000000000') => `load=${i}|${temp}|${util}|290.5|${throttle}`;

    it('runs them in order, each with its own quoted arguments', () => {
      expect(sectionsFor(full)).toEqual(['gpu', 'runtime', 'load', 'host', 'dns', 'hub', 'dicom', 'fhir']);
      expect(sectionsFor(profile)).toEqual(['gpu', 'runtime', 'host']);
      expect(agentArgs('load', full)).toEqual(['load', '10', 'localhost/ai/test:1', 'gpu-burn', '10']);
      expect(agentArgs('dicom', full)).toEqual(['dicom', 'pacs.hospital.local', '11112', 'PACS', 'EDGEWARD']);
    });

    it('judges the load by heat, throttling and whether it reached every GPU', () => {
      const ok = one('load', ['load_container=started', load(0, 70, 99), load(1, 72, 100), 'load_end=ok'].join('\n'));
      expect(ok.verdict).toBe('pass');
      expect(ok.evidence).toContain('GPU 1: max 72 °C, max 100 % busy, max 291 W, throttling: none');
      const hot = one('load', ['load_container=started', load(0, 91, 99, '0x0000000000000040'), load(1, 70, 100)].join('\n'));
      expect(hot).toMatchObject({ verdict: 'fail' });
      expect(hot.evidence).toMatch(/^GPU 0 reached 91 °C; GPU 0: HW thermal slowdown\./);
      // Power capping under full load is normal; only heat and power delivery count.
      expect(one('load', ['load_container=started', load(0, 70, 99, '0x0000000000000004'), load(1, 70, 99)].join('\n')).verdict).toBe(
        'pass',
      );
      const idle = one('load', ['load_container=started', load(0, 40, 100), load(1, 38, 0, '0x0000000000000001')].join('\n'));
      expect(idle.evidence).toMatch(/^the load did not reach GPU 1 \(max 0 % busy\)/);
      expect(one('load', 'load_container=fail: Error: image not known').evidence).toBe(
        'the load container did not start: Error: image not known',
      );
      expect(one('load', ['load_container=none', load(0, 40, 0)].join('\n')).verdict).toBe('warn');
    });

    it('fails an unresolved name, an unreachable or slow hub, a refused C-ECHO and a server that is not FHIR', () => {
      expect(one('dns', 'dns=pacs.hospital.local|ok|10.1.2.3 \ndns=ehr.hospital.local|fail|name does not resolve')).toMatchObject({
        verdict: 'fail',
        evidence: 'pacs.hospital.local → 10.1.2.3; ehr.hospital.local: name does not resolve',
      });
      expect(one('hub', ['200|0.004|', '200|0.006|', '200|0.005|'].join('\n').replace(/^/gm, 'hub='))).toMatchObject({
        verdict: 'pass',
        evidence: 'TCP connect median 5.0 ms over 3 of 3 tries; HTTP 200',
      });
      expect(one('hub', 'hub=200|0.090|\nhub=200|0.080|\nhub=200|0.085|').verdict).toBe('fail');
      expect(one('hub', "hub=000|0.000000|(7) Failed to connect to hub port 8443 after 0 ms: Couldn't connect to server").evidence).toBe(
        "not reachable: (7) Failed to connect to hub port 8443 after 0 ms: Couldn't connect to server",
      );
      expect(one('dicom', 'dicom=ok|Received Echo Response (Success)').verdict).toBe('pass');
      expect(
        one(
          'dicom',
          'dicom=fail|Association Rejected: Result: Rejected Permanent, Source: Service User Reason: Called AE Title Not Recognized',
        ),
      ).toMatchObject({
        verdict: 'fail',
        evidence: expect.stringContaining('Called AE Title Not Recognized'),
      });
      const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64');
      const cap = {
        resourceType: 'CapabilityStatement',
        status: 'active',
        fhirVersion: '4.0.1',
        software: { name: 'HAPI FHIR Server', version: '7.4.0' },
      };
      expect(one('fhir', `fhir_http=200\nfhir_body_b64=${b64(cap)}`)).toMatchObject({
        verdict: 'pass',
        evidence: 'FHIR 4.0.1, HAPI FHIR Server 7.4.0, status active',
      });
      expect(one('fhir', `fhir_http=200\nfhir_body_b64=${b64({ resourceType: 'OperationOutcome' })}`).evidence).toBe(
        'HTTP 200 with resourceType OperationOutcome',
      );
      expect(one('fhir', `fhir_http=000\nfhir_error=(6) Could not resolve host: ehr.hospital.local\nfhir_body_b64=`).evidence).toBe(
        '(6) Could not resolve host: ehr.hospital.local',
      );
    });

    it('refuses profile values that are not names, URLs or AE titles', () => {
      const bad = parseProfile(
        `${PROFILE}dns: ["pacs; rm -rf /"]\ndicom: {host: pacs, calledAE: "TOO-LONG-AE-TITLE-X"}\nhub: {url: "ftp://x"}\n`,
      );
      expect(bad.problems).toEqual([
        'line 9: dns.0: a host name or IPv4 address',
        'line 11: hub.url: an http(s) URL',
        'line 10: dicom.calledAE: an AE title (1–16 letters, digits, "_", ".", "-")',
      ]);
      // A wrong type is said as such; only an absent field is "required".
      expect(parseProfile('name: x\ngpu: {model: L40S, count: two}\n').problems).toEqual([
        'line 2: gpu.count: Invalid input: expected number, received string',
      ]);
      expect(parseProfile('name: x\ngpu: {model: L40S}\n').problems).toEqual(['line 2: gpu.count: count is required']);
      expect(parseProfile('name: x\ngpu: {model: L40S, count: 2}\ngpu: {model: L4, count: 1}\n').problems).toEqual([
        'line 3: Map keys must be unique',
      ]);
    });
  });
});
