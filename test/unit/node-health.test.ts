import { describe, expect, it } from 'vitest';
import type { Alert } from '../../shared/alerts.js';
import { attributeToGateways, HEALTH_RANK, nodeHealth, type HealthInput } from '../../shared/node-health.js';
import { clockEventReasons } from '../../shared/throttle.js';

const NOW = Date.parse('2026-12-01T08:00:00Z');
const alert = (over: Partial<Alert>): Alert => ({
  id: 'x',
  rule: 'gpu-temperature',
  node: 'rad-01',
  severity: 'critical',
  state: 'firing',
  since: NOW - 30_000,
  updatedAt: NOW,
  message: 'GPU 0 at 95 °C',
  ...over,
});
const base = (over: Partial<HealthInput> = {}): HealthInput => ({
  node: 'rad-01',
  enabled: true,
  connection: { name: 'rad-01', status: 'connected', since: new Date(NOW - 600_000).toISOString() },
  telemetry: { session: 'live', at: NOW - 1000, hottestC: 60 },
  alerts: [],
  now: NOW,
  ...over,
});

describe('the node health model', () => {
  it('reads every scripted state as one level with one plain reason', () => {
    const states: [string, HealthInput, string, RegExp][] = [
      ['live and quiet', base(), 'ok', /^All signals normal$/],
      [
        'trusted, session starting',
        base({
          connection: { name: 'rad-01', status: 'idle', since: new Date(NOW).toISOString() },
          telemetry: { session: 'starting', at: null },
        }),
        'unknown',
        /Connecting to its telemetry/,
      ],
      [
        'not trusted yet',
        base({ connection: { name: 'rad-01', status: 'hostkey-unknown', since: new Date(NOW).toISOString() }, telemetry: undefined }),
        'unknown',
        /not trusted yet/,
      ],
      ['hot GPU', base({ alerts: [alert({})] }), 'critical', /^GPU 0 at 95 °C$/],
      [
        'hot GPU and an Xid',
        base({ alerts: [alert({}), alert({ id: 'y', rule: 'gpu-xid', message: 'Xid 48 on GPU 0', since: NOW - 5000 })] }),
        'critical',
        /^GPU 0 at 95 °C \(\+1 more\)$/,
      ],
      ['a warm GPU', base({ alerts: [alert({ severity: 'warning', message: 'GPU 0 at 86 °C' })] }), 'warning', /86 °C/],
      [
        'cut',
        base({
          connection: {
            name: 'rad-01',
            status: 'unreachable',
            detail: 'connect EHOSTUNREACH 10.0.0.5:22',
            since: new Date(NOW - 8000).toISOString(),
          },
          telemetry: { session: 'lost', at: NOW - 64_000, hottestC: 64 },
        }),
        'unreachable',
        /^Link lost 8 s ago: no route to the node; last sample 64 s ago at 64 °C$/,
      ],
      ['restored', base({ telemetry: { session: 'live', at: NOW - 500, hottestC: 61 } }), 'ok', /normal/],
      [
        'session waiting for a key to be trusted',
        base({ connection: undefined, telemetry: { session: 'lost', at: null, parked: 'Host key of rad-01 is not trusted yet' } }),
        'unknown',
        /^Waiting: Host key of rad-01 is not trusted yet$/,
      ],
      ['disabled for maintenance', base({ enabled: false, disabledReason: 'fan replaced' }), 'disabled', /^Disabled: fan replaced$/],
    ];
    for (const [name, input, level, reason] of states) {
      const h = nodeHealth(input);
      expect(h.level, name).toBe(level);
      expect(h.reason, name).toMatch(reason);
      // Never a raw socket error in the reason; it is kept one click away.
      expect(h.reason, name).not.toMatch(/E[A-Z]{4,}/);
    }
    const cut = nodeHealth(states[6]![1]);
    expect(cut.raw).toBe('connect EHOSTUNREACH 10.0.0.5:22');
  });

  it('sorts worst first: critical, unreachable, warning, unknown, drained, ok, disabled', () => {
    const levels = Object.entries(HEALTH_RANK)
      .sort((a, b) => a[1] - b[1])
      .map(([l]) => l);
    expect(levels).toEqual(['critical', 'unreachable', 'warning', 'unknown', 'drained', 'ok', 'disabled']);
  });
});

describe('clock event (throttle) reasons', () => {
  it('reads the masks nvidia-smi prints, in words, and picks out heat and power delivery', () => {
    // As in the idle captures (GPU idle) and a hot, power-braked GPU.
    expect(clockEventReasons('0x0000000000000001')).toEqual(['GPU idle']);
    expect(clockEventReasons('0x0000000000000000')).toEqual([]);
    expect(clockEventReasons('0x00000000000000C4')).toEqual(['SW power cap', 'HW thermal slowdown', 'HW power brake slowdown']);
    expect(clockEventReasons('0x00000000000000C4', 'hard')).toEqual(['HW thermal slowdown', 'HW power brake slowdown']);
    for (const junk of ['[N/A]', '[Not Supported]', '', null, '0xZZ', '0x1; reboot']) expect(clockEventReasons(junk)).toEqual([]);
  });

  it('make a live node with held-back clocks a warning in the health model', () => {
    const h = nodeHealth(
      base({ telemetry: { session: 'live', at: NOW - 1000, hottestC: 88, throttled: 'GPU 1 clocks held back: HW thermal slowdown' } }),
    );
    expect(h).toMatchObject({ level: 'warning', reason: 'GPU 1 clocks held back: HW thermal slowdown' });
  });

  it('names the outermost down gateway for every node behind it, and leaves other outages alone', () => {
    const lost = (node: string) =>
      nodeHealth(
        base({
          node,
          connection: { name: node, status: 'unreachable', since: new Date(NOW - 8000).toISOString(), detail: 'connect EHOSTUNREACH' },
        }),
      );
    const fine = (node: string) => nodeHealth(base({ node }));
    const paths = new Map<string, string[]>([
      ['gw-north', []],
      ['gw-inner', ['gw-north']],
      ['ct-01', ['gw-north']],
      ['ct-02', ['gw-north', 'gw-inner']],
      ['rad-01', []],
      ['ct-09', ['gw-south']],
    ]);
    const out = attributeToGateways(
      [lost('gw-north'), lost('gw-inner'), lost('ct-01'), lost('ct-02'), lost('rad-01'), lost('ct-09'), fine('gw-south')],
      paths,
    );
    const by = Object.fromEntries(out.map((h) => [h.node, h]));
    expect(by['gw-north']!.behind).toBeUndefined();
    expect(by['gw-inner']!.behind).toBe('gw-north');
    expect(by['ct-02']!.behind).toBe('gw-north');
    expect(by['ct-01']!.reason).toMatch(/^Behind gw-north, which is unreachable: link lost 8 s ago: no route to the node/);
    // Its own outage (no gateway on its path, or the gateway is fine) stays its own.
    expect(by['rad-01']!.behind).toBeUndefined();
    expect(by['ct-09']!.behind).toBeUndefined();
    expect(by['ct-09']!.reason).toMatch(/^Link lost/);
  });
});
