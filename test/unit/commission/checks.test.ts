import { describe, expect, it } from 'vitest';
import { evaluate, overall, parseCommissionFacts } from '../../../shared/commission/checks.js';
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
    expect(skew).toMatchObject({ verdict: 'fail', evidence: '5000 ms off (round trip 100 ms)' });
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
    expect(parseProfile('name: x\ngpu: {model: L40S, count: 0}\n').problems).toEqual(['gpu.count: Too small: expected number to be >=1']);
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
});
