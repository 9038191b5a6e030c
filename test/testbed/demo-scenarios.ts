import type { ScenarioInput } from './scenario.js';

/**
 * The demo's fault scenarios, so a newcomer sees every state of the console in a minute: each names
 * the GPU simulator's scenario for a node (a cut link is the bed's cut, not a scenario).
 */
export const DEMO_SCENARIOS: Record<string, { what: string; scenario?: ScenarioInput; cut?: boolean }> = {
  normal: { what: 'every signal normal', scenario: { count: 2, load: 'sine' } },
  'hot-gpu': {
    what: 'a failing fan: GPU 0 climbs past 92 °C, with corrected ECC errors',
    scenario: { count: 2, load: 'load', temperatureDriftCPerMin: 600, eccCorrectedVolatile: 12 },
  },
  xid: {
    what: 'an Xid 48 (double-bit ECC error) on GPU 1',
    scenario: { count: 2, load: 'sine', xids: [{ afterS: 2, index: 1, code: 48 }] },
  },
  cut: { what: 'the network link cut', cut: true },
};
