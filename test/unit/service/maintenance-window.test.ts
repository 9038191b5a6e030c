import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  describeOpening,
  instantOf,
  MaintenancePolicy,
  windowAt,
  type MaintenancePolicy as Policy,
} from '../../../shared/service/maintenance-window.js';

const Z = (iso: string) => Date.parse(iso);
const policy = (p: unknown): Policy => MaintenancePolicy.parse(p);

describe('maintenance windows', () => {
  it('agrees with GNU date on the instant of wall-clock times around clock changes, in several zones', () => {
    const zones = ['Europe/Berlin', 'America/New_York', 'America/St_Johns', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Pacific/Chatham'];
    const days = ['2026-03-08', '2026-03-29', '2026-04-05', '2026-10-04', '2026-10-25', '2026-11-01', '2026-12-01'];
    const cases: { tz: string; day: string; hh: number; mm: number }[] = [];
    for (const tz of zones)
      for (const day of days) for (let h = 0; h < 24; h++) for (const mm of [0, 15, 30, 45]) cases.push({ tz, day, hh: h, mm });
    const input = cases.map((c) => `TZ="${c.tz}" ${c.day} ${String(c.hh).padStart(2, '0')}:${String(c.mm).padStart(2, '0')}`).join('\n');
    // One run for every case: a time that does not exist there is named on stderr and has no output line.
    const r = spawnSync('date', ['-f', '-', '+%s'], { input, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
    const invalid = new Set([...r.stderr.matchAll(/invalid date '(.*)'/g)].map((m) => m[1]));
    const answers = r.stdout
      .trim()
      .split('\n')
      .map((l) => Number(l) * 1000);
    const out = input.split('\n').map((line) => (invalid.has(line) ? undefined : answers.shift()));
    expect(answers).toEqual([]);
    expect(invalid.size).toBeGreaterThan(0);
    let compared = 0;
    cases.forEach((c, i) => {
      const [y, m, d] = c.day.split('-').map(Number) as [number, number, number];
      const oracle = out[i];
      if (oracle === undefined) return;
      // A time that happens twice: GNU date picks either; the autumn test below pins the first.
      const wall = (t: number) => new Date(t).toLocaleString('en-GB', { timeZone: c.tz, hourCycle: 'h23' });
      if ([-3600_000, 3600_000, -1800_000, 1800_000].some((dt) => wall(oracle + dt) === wall(oracle))) return;
      compared++;
      expect(instantOf(y, m, d, c.hh, c.mm, c.tz), `${c.tz} ${c.day} ${c.hh}:${c.mm}`).toBe(oracle);
    });
    expect(compared).toBeGreaterThan(cases.length * 0.95);
  });

  it('starts a window in the skipped spring hour when the clock jumps past it (Berlin, 29 March 2026)', () => {
    const p = policy({ timeZone: 'Europe/Berlin', windows: [{ days: ['sun'], from: '02:30', to: '04:00' }] });
    const w = windowAt(p, Z('2026-03-28T12:00:00Z'))!;
    expect(w.open).toBe(false);
    // 02:00 CET became 03:00 CEST (01:00 UTC); the window ends at 04:00 CEST.
    expect(new Date(w.opening.start).toISOString()).toBe('2026-03-29T01:00:00.000Z');
    expect(new Date(w.opening.end).toISOString()).toBe('2026-03-29T02:00:00.000Z');
  });

  it('runs an autumn window over the repeated hour: 01:00 EDT to 04:00 EST is four hours (New York, 1 November 2026)', () => {
    const p = policy({ timeZone: 'America/New_York', windows: [{ days: ['sun'], from: '01:00', to: '04:00' }] });
    const w = windowAt(p, Z('2026-10-31T12:00:00Z'))!;
    expect(new Date(w.opening.start).toISOString()).toBe('2026-11-01T05:00:00.000Z');
    expect(new Date(w.opening.end).toISOString()).toBe('2026-11-01T09:00:00.000Z');
    // Inside it, in the second 01:30 (EST), it is still open.
    expect(windowAt(p, Z('2026-11-01T06:30:00Z'))!.open).toBe(true);
  });

  it('knows an open window and when it closes, a window across midnight, and the next one after', () => {
    const p = policy({
      timeZone: 'Europe/Berlin',
      windows: [
        { days: ['tue', 'thu'], from: '02:00', to: '04:00' },
        { days: ['sat'], from: '22:00', to: '02:00' },
      ],
    });
    // Tuesday 1 December 2026, 02:30 CET.
    const open = windowAt(p, Z('2026-12-01T01:30:00Z'))!;
    expect(open.open).toBe(true);
    expect(new Date(open.opening.end).toISOString()).toBe('2026-12-01T03:00:00.000Z');
    const next = windowAt(p, Z('2026-12-01T12:00:00Z'))!;
    expect(next.open).toBe(false);
    expect(describeOpening(next.opening, p.timeZone)).toBe('Thu 2026-12-03 02:00–04:00 Europe/Berlin');
    // Sunday 00:30 is inside Saturday's window.
    const late = windowAt(p, Z('2026-12-05T23:30:00Z'))!;
    expect(late.open).toBe(true);
    expect(new Date(late.opening.end).toISOString()).toBe('2026-12-06T01:00:00.000Z');
  });

  it('takes one-off windows, and says there is none when the last one is over', () => {
    const p = policy({ timeZone: 'UTC', windows: [{ date: '2026-12-24', from: '01:00', to: '03:00' }] });
    expect(windowAt(p, Z('2026-12-01T00:00:00Z'))!.opening.start).toBe(Z('2026-12-24T01:00:00Z'));
    expect(windowAt(p, Z('2026-12-25T00:00:00Z'))).toBeUndefined();
  });

  it('refuses unknown zones, impossible dates and times', () => {
    expect(
      MaintenancePolicy.safeParse({ timeZone: 'Mars/Olympus', windows: [{ days: ['mon'], from: '01:00', to: '02:00' }] }).success,
    ).toBe(false);
    expect(MaintenancePolicy.safeParse({ timeZone: 'UTC', windows: [{ date: '2026-02-30', from: '01:00', to: '02:00' }] }).success).toBe(
      false,
    );
    expect(MaintenancePolicy.safeParse({ timeZone: 'UTC', windows: [{ days: ['mon'], from: '24:00', to: '02:00' }] }).success).toBe(false);
  });
});
