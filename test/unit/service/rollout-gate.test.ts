import { describe, expect, it } from 'vitest';
import { gateNode, type GateContext } from '../../../electron/services/deploy/rollout-gate.js';
import type { ChangeGuard, Shortage } from '../../../electron/services/service/change-guard.js';

const shortage = (extra: Partial<Shortage> = {}): Shortage => ({
  service: 'sepsis-cds',
  group: 'all',
  minHealthy: 1,
  left: 0,
  others: [{ node: 'cds-2', healthy: false, state: 'unreachable: cut' }],
  onlyOwn: false,
  waitS: 0,
  ...extra,
});

/** A guard whose answers the test scripts, one per call. */
function context(answers: { window?: ReturnType<ChangeGuard['window']>; short?: Shortage[] }[], extra: Partial<GateContext> = {}) {
  const holds: string[] = [];
  const pauses: string[] = [];
  let i = 0;
  const next = () => answers[Math.min(i, answers.length - 1)]!;
  const guard = {
    window: () => {
      const w = next().window ?? { open: true };
      // A closed window ends this round: the gate checks the window again before anything else.
      if (!w.open) i++;
      return w;
    },
    shortages: async () => {
      const a = next();
      i++;
      return a.short ?? [];
    },
  } as unknown as ChangeGuard;
  const c: GateContext = {
    guard,
    deployment: 'sepsis',
    node: 'cds-1',
    inFlight: new Set(),
    emergency: false,
    signal: new AbortController().signal,
    othersRunning: () => false,
    hold: (why) => holds.push(why),
    pause: async (why) => {
      pauses.push(why);
      return true;
    },
    ...extra,
  };
  return { c, holds, pauses };
}

describe('the gate before a node is taken out', () => {
  it('lets it go when nothing is short', async () => {
    expect(await gateNode(context([{}]).c)).toBe('go');
  });

  it('waits for the rollout’s own node when only it is missing', async () => {
    const { c, holds } = context([{ short: [shortage({ onlyOwn: true })] }], { othersRunning: () => true });
    expect(await gateNode(c)).toBe('own');
    expect(holds[0]).toMatch(
      /^held until a member this rollout has out is back: sepsis-cds \(group all\): taking cds-1 down would leave 0 of minimum 1 healthy: cds-2 unreachable: cut$/,
    );
  });

  it('pauses the rollout, naming the member, when one outside it stays down longer than the service allows; goes once it is back', async () => {
    const { c, pauses } = context([{ short: [shortage()] }, {}]);
    expect(await gateNode(c)).toBe('go');
    expect(pauses).toEqual([expect.stringMatching(/cds-2 unreachable: cut\. Bring the member back, then resume; or abort\.$/)]);
  });

  it('ends with the rollout when it is aborted during a pause', async () => {
    const { c } = context([{ short: [shortage()] }], { pause: async () => false });
    expect(await gateNode(c)).toBe('aborted');
  });

  it('holds for a closed window, unless the change is an emergency', async () => {
    const closed = {
      open: false as const,
      reason: 'waits for the maintenance window of service sepsis-cds: Tue …',
      opensAt: Date.now() + 300,
    };
    const held = context([{ window: closed }, {}]);
    // The window opens in 300 ms: the gate re-checks then.
    const t0 = Date.now();
    expect(await gateNode(held.c)).toBe('go');
    expect(held.holds[0]).toBe(closed.reason);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    const urgent = context([{ window: closed }], { emergency: true });
    expect(await gateNode(urgent.c)).toBe('go');
    expect(urgent.holds).toEqual([]);
  });
});
