import { describe, expect, it } from 'vitest';
import { parseSpec } from '../../shared/deploy/spec.js';
import { parseProfile, profileProblems } from '../../shared/commission/profile.js';
import { seeded } from '../helpers/fuzz.js';

const SPEC = `name: cxr
image: registry.local/ai/cxr:1.2
gpus:
  count: 1
  minFreeMemoryMiB: 8000
env:
  MODEL: chest-xray
  PACS_PASSWORD: {secret: pacs}
ports:
  - container: 8000
    host: 18000
health:
  path: /v2/health/ready
  timeoutS: 30
targets:
  sites: [north]
strategy:
  canary: 1
  waves: {size: 2}
  soakS: 10
`;
const PROFILE = `name: l40s-2
gpu: {model: L40S, count: 2, minMemoryMiB: 46000}
driver: {min: "550.54"}
load: {seconds: 10, maxTempC: 85}
`;

const HOSTILE = [
  // Billion laughs: aliases that expand exponentially.
  `a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n`,
  '['.repeat(5000),
  `name: ${'x'.repeat(300_000)}`,
  '\t name: tab',
  'name: a\nname: b\n',
  '!!js/function "function(){}"',
  '<<: *undefined',
  'name: !!binary AAAA',
  '%YAML 9.9\n---\nname: x',
  '--- a\n--- b\n--- c',
  '\u0000\u0001\u0002',
  `image: "$(reboot)"\nname: "; rm -rf /"`,
  'ports: [{container: 1e400, host: -0}]',
];

function mutate(text: string, rnd: () => number): string {
  const chars = [...text];
  const edits = 1 + Math.floor(rnd() * 6);
  const pieces = [
    ':',
    '-',
    ' ',
    '\n',
    '{',
    '}',
    '[',
    ']',
    '&a',
    '*a',
    '!!str',
    '"',
    "'",
    '#',
    '\t',
    '\u202e',
    '9999999999999999999',
    'null',
    '~',
  ];
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(rnd() * (chars.length + 1));
    const op = rnd();
    if (op < 0.4) chars.splice(at, 1 + Math.floor(rnd() * 5));
    else chars.splice(at, 0, pieces[Math.floor(rnd() * pieces.length)]!);
  }
  return chars.join('');
}

describe('spec and profile YAML under fuzzing', () => {
  it('never throws: every input is a spec or a list of problems with a line', () => {
    const rnd = seeded(2026);
    const inputs = [...HOSTILE, ...Array.from({ length: 1500 }, () => mutate(rnd() < 0.5 ? SPEC : PROFILE, rnd))];
    let problems = 0;
    for (const text of inputs) {
      const spec = parseSpec(text);
      if (spec.problems.length) {
        problems++;
        for (const p of spec.problems) {
          expect(p.line).toBeGreaterThanOrEqual(1);
          expect(p.message.length).toBeGreaterThan(0);
        }
      }
      const profile = parseProfile(text);
      expect(Array.isArray(profile.problems)).toBe(true);
      expect(Array.isArray(profileProblems(text))).toBe(true);
    }
    expect(inputs.length).toBeGreaterThan(1500);
    expect(problems).toBeGreaterThan(500);
  });

  it('refuses an alias bomb with a clear problem instead of expanding it', () => {
    const r = parseSpec(HOSTILE[0]!);
    expect(r.problems[0]?.message).toMatch(/alias/i);
  });
});
