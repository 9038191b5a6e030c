import { describe, expect, it } from 'vitest';
import { newSectionState, sectionsToRun, sessionVerdict, type CommissionSession } from '../../../shared/commission/session.js';
import type { CheckResult } from '../../../shared/commission/checks.js';

const check = (id: string, verdict: CheckResult['verdict']): CheckResult => ({ id, title: id, verdict, expected: '', evidence: '' });
const session = (
  sections: Partial<Record<'gpu' | 'runtime' | 'host', { status: 'done' | 'pending' | 'cancelled'; results?: CheckResult[] }>>,
) =>
  ({
    id: 'c1',
    node: 'rad-07',
    profileName: 'p',
    profileText: '',
    startedAt: 0,
    updatedAt: 0,
    sections: (['gpu', 'runtime', 'host'] as const).map((id) => ({
      ...newSectionState(id),
      ...sections[id],
      results: sections[id]?.results ?? [],
    })),
    overrides: [] as CommissionSession['overrides'],
    signoff: null,
  }) satisfies CommissionSession;

describe('a commissioning in progress', () => {
  it('has no verdict until every section has run, then the worst check decides', () => {
    const s = session({
      gpu: { status: 'done', results: [check('gpu.pcie', 'fail')] },
      runtime: { status: 'done' },
      host: { status: 'cancelled' },
    });
    expect(sessionVerdict(s)).toBe('incomplete');
    s.sections[2]!.status = 'done';
    expect(sessionVerdict(s)).toBe('fail');
    s.overrides.push({ id: 'gpu.pcie', reason: 'riser replaced next week', by: 'tech', at: 1 });
    expect(sessionVerdict(s)).toBe('warn');
  });

  it('resumes what did not finish, and re-runs sections with a failed check on request', () => {
    const s = session({
      gpu: { status: 'done', results: [check('gpu.pcie', 'fail'), check('gpu.count', 'pass')] },
      runtime: { status: 'done', results: [check('runtime.gpu', 'warn')] },
      host: { status: 'cancelled' },
    });
    expect(sectionsToRun(s, 'remaining')).toEqual(['host']);
    expect(sectionsToRun(s, 'failed')).toEqual(['gpu', 'host']);
  });
});
