import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { isoInstant, screenInstant } from '../../shared/time-format.js';

const saved = process.env.TZ;
afterEach(() => {
  if (saved === undefined) delete process.env.TZ;
  else process.env.TZ = saved;
});

// GNU date is the oracle: the same instant in the same zone, as ISO 8601 with its offset.
const dateSays = (zone: string, ms: number) =>
  spawnSync('date', ['-d', `@${Math.floor(ms / 1000)}`, '--iso-8601=seconds'], { env: { ...process.env, TZ: zone }, encoding: 'utf8' })
    .stdout.trim()
    .replace(/\+00:00$/, zone === 'UTC' ? 'Z' : '+00:00');

describe('times written in the chosen clock', () => {
  const instants = [
    Date.parse('2026-12-01T14:57:25.123Z'),
    Date.parse('2026-03-29T00:59:59Z'), // just before Europe's spring change
    Date.parse('2026-03-29T01:00:00Z'), // just after
    Date.parse('2026-11-01T05:30:00Z'), // North America's autumn change
    Date.parse('1999-12-31T23:59:59Z'),
  ];
  for (const zone of ['Europe/Berlin', 'America/St_Johns', 'Asia/Kolkata', 'America/New_York', 'UTC']) {
    it(`writes local time with its offset as date does, in ${zone}`, () => {
      process.env.TZ = zone;
      for (const t of instants) expect(isoInstant(t, zone === 'UTC' ? 'utc' : 'local')).toBe(dateSays(zone, t));
    });
  }

  it('writes UTC with Z whatever the machine zone, and names the zone on screen', () => {
    process.env.TZ = 'Asia/Kolkata';
    const t = Date.parse('2026-12-01T14:57:25Z');
    expect(isoInstant(t, 'utc')).toBe('2026-12-01T14:57:25Z');
    expect(screenInstant(t, 'utc')).toBe('2026-12-01 14:57:25 UTC');
    expect(isoInstant(t, 'local')).toBe('2026-12-01T20:27:25+05:30');
    // 24-hour, never "8:27 PM".
    expect(screenInstant(t, 'local')).toMatch(/^2026-12-01 20:27:25 (GMT\+5:30|IST)$/);
  });
});
