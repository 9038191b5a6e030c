import { describe, expect, it } from 'vitest';
import { parseServiceSpec, resolveGroups } from '../../../shared/service/service-spec.js';
import { serviceHealth, type GroupState } from '../../../shared/service/service-health.js';

const base = `name: cxr-triage
deployment: cxr
members: [rad-01, rad-02, rad-03]
`;

describe('service specs', () => {
  it('parses a service with explicit groups, a front door and windows', () => {
    const r = parseServiceSpec(`${base}redundancy:
  groups:
    - name: north
      members: [rad-01, rad-02]
      minHealthy: 1
frontDoor:
  url: http://10.20.0.5:8000/v2/health/ready
maintenance:
  timeZone: Europe/Berlin
  windows:
    - days: [tue]
      from: "02:00"
      to: "04:00"
`);
    expect(r.problems).toEqual([]);
    expect(r.spec!.frontDoor).toEqual({ url: 'http://10.20.0.5:8000/v2/health/ready', timeoutMs: 2000 });
    expect(r.spec!.redundancy).toMatchObject({ waitS: 300 });
  });

  it('names the line and field of each problem', () => {
    const r = parseServiceSpec(`${base}redundancy:
  groups:
    - name: north
      members: [rad-01, rad-09]
      minHealthy: 2
frontDoor:
  url: "ftp://pacs/x?y=1"
`);
    expect(r.problems.map((p) => [p.line, p.path])).toEqual([[10, 'frontDoor.url']]);
    const semantic = parseServiceSpec(`${base}redundancy:
  groups:
    - name: north
      members: [rad-01, rad-09]
      minHealthy: 2
`);
    expect(semantic.problems).toEqual([
      expect.objectContaining({
        path: 'redundancy.groups.0.members.1',
        line: 7,
        column: 25,
        message: "rad-09 is not one of the service's members",
      }),
      expect.objectContaining({
        path: 'redundancy.groups.0.minHealthy',
        line: 8,
        message: expect.stringMatching(/leaves none of the group's 2 member/),
      }),
    ]);
    const dup = parseServiceSpec(`name: x\ndeployment: x\nmembers: [a, a]\nredundancy:\n  minHealthy: 0\n`);
    expect(dup.problems).toEqual([expect.objectContaining({ path: 'members', line: 3, message: 'a member is listed twice' })]);
    const tz = parseServiceSpec(
      `${base}redundancy:\n  minHealthy: 1\nmaintenance:\n  timeZone: Berlin/Mitte\n  windows: [{days: [tue], from: "02:00", to: "04:00"}]\n`,
    );
    expect(tz.problems).toEqual([expect.objectContaining({ path: 'maintenance.timeZone', line: 7 })]);
  });

  it('groups members by site, one group per site with the minimum', () => {
    const spec = parseServiceSpec(`${base}redundancy:\n  groupBy: site\n  minHealthy: 1\n`).spec!;
    const site: Record<string, string> = { 'rad-01': 'north', 'rad-02': 'north', 'rad-03': 'south' };
    expect(resolveGroups(spec, (n) => site[n])).toEqual([
      { name: 'north', members: ['rad-01', 'rad-02'], minHealthy: 1 },
      { name: 'south', members: ['rad-03'], minHealthy: 1 },
    ]);
  });
});

describe('service health', () => {
  const m = (node: string, healthy: boolean) => ({ node, healthy, state: healthy ? 'ready (3 ms)' : 'unreachable: cut' });
  const g = (...members: ReturnType<typeof m>[]): GroupState[] => [{ name: 'all', minHealthy: 1, members }];
  it('is healthy, at risk at its minimum, down with no member or a failing front door', () => {
    expect(serviceHealth(g(m('a', true), m('b', true)))).toEqual({ level: 'healthy', summary: '2 of 2 ready, minimum 1' });
    expect(serviceHealth(g(m('a', true), m('b', false))).level).toBe('at-risk');
    expect(serviceHealth(g(m('a', false), m('b', false))).level).toBe('down');
    expect(serviceHealth(g(m('a', true), m('b', true)), { url: 'http://vip/', ok: false, detail: 'no answer within 2000 ms' })).toEqual({
      level: 'down',
      summary: 'front door http://vip/: no answer within 2000 ms; 2 of 2 ready, minimum 1',
    });
  });
  it('is degraded with fewer members than wanted but above the minimum', () => {
    const groups: GroupState[] = [{ name: 'all', minHealthy: 1, members: [m('a', true), m('b', true), m('c', false)] }];
    expect(serviceHealth(groups)).toEqual({ level: 'degraded', summary: '2 of 3 ready, minimum 1' });
  });
});

describe('the canary with services', () => {
  it('takes at most one member of a redundancy group; the others go in the next wave', async () => {
    const { canaryOnePerGroup } = await import('../../../shared/deploy/rollout.js');
    const groups: Record<string, string[]> = { a1: ['cds/all'], a2: ['cds/all'], r1: [], r2: ['cxr/north'] };
    expect(canaryOnePerGroup([['a1', 'a2', 'r1'], ['r2']], 3, (n) => groups[n] ?? [])).toEqual([
      ['a1', 'r1'],
      ['a2', 'r2'],
    ]);
    expect(canaryOnePerGroup([['a1', 'a2']], 2, (n) => groups[n] ?? [])).toEqual([['a1'], ['a2']]);
    expect(canaryOnePerGroup([['a1', 'r2']], 2, (n) => groups[n] ?? [])).toEqual([['a1', 'r2']]);
    // No canary: the waves are as planned.
    expect(canaryOnePerGroup([['a1', 'a2']], 0, (n) => groups[n] ?? [])).toEqual([['a1', 'a2']]);
  });
});
