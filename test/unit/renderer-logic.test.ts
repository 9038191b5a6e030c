import { describe, expect, it } from 'vitest';
import { nextSort, sortRows } from '../../renderer/src/components/table-sort.js';
import { routeFromHash } from '../../renderer/src/routes.js';
import { resolveTheme } from '../../renderer/src/theme-preference.js';
import { percentile } from '../../shared/stats.js';
import { ageText } from '../../shared/age.js';
import { matches } from '../../renderer/src/components/palette-match.js';
import { fleetSummary } from '../../renderer/src/components/fleet-summary-text.js';
import type { NodeHealth } from '../../shared/node-health.js';

describe('table sorting', () => {
  const rows = [
    { name: 'node-10', temp: 71 },
    { name: 'node-2', temp: undefined },
    { name: 'node-1', temp: 55 },
  ];
  const value = (r: (typeof rows)[number], key: 'name' | 'temp') => r[key];

  it('sorts text naturally and numbers numerically', () => {
    expect(sortRows(rows, { key: 'name', direction: 'asc' }, value).map((r) => r.name)).toEqual(['node-1', 'node-2', 'node-10']);
    expect(sortRows(rows, { key: 'temp', direction: 'desc' }, value).map((r) => r.temp)).toEqual([71, 55, undefined]);
  });

  it('keeps missing values last in both directions', () => {
    expect(sortRows(rows, { key: 'temp', direction: 'asc' }, value).map((r) => r.temp)).toEqual([55, 71, undefined]);
  });

  it('flips on the same column and starts ascending on another', () => {
    expect(nextSort({ key: 'name', direction: 'asc' }, 'name')).toEqual({ key: 'name', direction: 'desc' });
    expect(nextSort({ key: 'name', direction: 'desc' }, 'temp')).toEqual({ key: 'temp', direction: 'asc' });
  });
});

describe('percentile', () => {
  it('interpolates between ranks and ignores non-finite values', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([10, NaN, 20], 100)).toBe(20);
    expect(percentile([], 95)).toBeUndefined();
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
});

describe('theme and routes', () => {
  it('follows the system unless the user chose', () => {
    expect(resolveTheme('system', true)).toBe('dark');
    expect(resolveTheme('system', false)).toBe('light');
    expect(resolveTheme('light', true)).toBe('light');
  });

  it('maps hashes to views and falls back to Fleet', () => {
    expect(routeFromHash('#/audit')).toBe('audit');
    expect(routeFromHash('#/nonsense')).toBe('fleet');
    expect(routeFromHash('')).toBe('fleet');
  });
});

describe('age of a last known state', () => {
  it('reads like a person would say it', () => {
    expect(ageText(1000)).toBe('just now');
    expect(ageText(42_000)).toBe('42 s ago');
    expect(ageText(3 * 60_000)).toBe('3 min ago');
    expect(ageText(5 * 3600_000)).toBe('5 h ago');
    expect(ageText(3 * 86_400_000)).toBe('3 d ago');
    expect(ageText(-5000)).toBe('just now');
  });
});

describe('command palette and status bar', () => {
  it('finds a command by every word typed, in any order and case', () => {
    expect(matches('Acknowledge rad-01: GPU 0 at 95 °C', 'rad ACK')).toBe(true);
    expect(matches('Run check on rad-01', 'check 01')).toBe(true);
    expect(matches('Run check on rad-01', 'check 02')).toBe(false);
    expect(matches('Go to Fleet', '   ')).toBe(true);
  });

  it('sums up the fleet by health level, worst first', () => {
    const h = (node: string, level: NodeHealth['level']): NodeHealth => ({
      node,
      level,
      reason: '',
      since: null,
      alerts: { critical: 0, warning: 0 },
    });
    const byNode = Object.fromEntries([h('a', 'ok'), h('b', 'critical'), h('c', 'ok'), h('d', 'unreachable')].map((x) => [x.node, x]));
    expect(fleetSummary({ byNode })).toBe('4 node(s): 1 critical, 1 unreachable, 2 ok');
    expect(fleetSummary({ byNode: {} })).toBe('No nodes');
    expect(fleetSummary(undefined)).toBeUndefined();
  });
});
