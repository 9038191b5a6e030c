import { z } from 'zod';

/**
 * Maintenance windows: weekly recurring or one-off, in a named time zone (the site's or the
 * service's), with daylight-saving changes handled. Pure, so the plan, the engine and tests agree.
 *
 * A local time that does not exist (the hour skipped in spring) starts the window at the first
 * instant after the gap; a local time that exists twice (the hour repeated in autumn) means its
 * first occurrence. Both are what a person reading "02:30" on the wall clock expects.
 */
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export const Weekday = z.enum(WEEKDAYS);
export type Weekday = z.infer<typeof Weekday>;

const HHMM = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$/, 'a time of day as HH:MM (24 h)');
const DATE = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'not a real date');

export const TimeZoneName = z
  .string()
  .max(64)
  .refine((tz) => isTimeZone(tz), 'an IANA time zone such as Europe/Berlin or America/New_York');

export const MaintenanceWindow = z.union([
  z.strictObject({
    /** Weekly: on these days, from → to (a "to" at or before "from" ends the next day). */
    days: z.array(Weekday).min(1).max(7),
    from: HHMM,
    to: HHMM,
  }),
  z.strictObject({ date: DATE, from: HHMM, to: HHMM }),
]);
export type MaintenanceWindow = z.infer<typeof MaintenanceWindow>;

export const MaintenancePolicy = z.strictObject({
  timeZone: TimeZoneName,
  windows: z.array(MaintenanceWindow).min(1).max(50),
});
export type MaintenancePolicy = z.infer<typeof MaintenancePolicy>;

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return /^[A-Za-z_]+(?:\/[A-Za-z0-9_+-]+)*$/.test(tz);
  } catch {
    return false;
  }
}

const partsCache = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = partsCache.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'short',
    });
    partsCache.set(tz, f);
  }
  return f;
}

/** The wall clock in `tz` at an instant. */
export function wallClock(instant: number, tz: string): { y: number; m: number; d: number; hh: number; mm: number; weekday: Weekday } {
  const p = Object.fromEntries(
    formatter(tz)
      .formatToParts(new Date(instant))
      .map((x) => [x.type, x.value]),
  );
  return {
    y: Number(p.year),
    m: Number(p.month),
    d: Number(p.day),
    hh: Number(p.hour),
    mm: Number(p.minute),
    weekday: String(p.weekday).slice(0, 3).toLowerCase() as Weekday,
  };
}

/** The zone's offset from UTC (ms) at an instant. */
function offsetAt(instant: number, tz: string): number {
  const w = wallClock(instant, tz);
  const secs = new Date(instant).getUTCSeconds();
  return Date.UTC(w.y, w.m - 1, w.d, w.hh, w.mm, secs) - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant a wall-clock time happens in `tz`: its first occurrence when it happens twice, the
 * end of the gap when it never happens.
 */
export function instantOf(y: number, m: number, d: number, hh: number, mm: number, tz: string): number {
  const naive = Date.UTC(y, m - 1, d, hh, mm);
  // The offsets two days either side: offsets reach ±14 h, and zones change them months apart.
  const before = offsetAt(naive - 2 * 86_400_000, tz);
  const after = offsetAt(naive + 2 * 86_400_000, tz);
  const candidates = [naive - before, naive - after].filter((t) => {
    const w = wallClock(t, tz);
    return w.y === y && w.m === m && w.d === d && w.hh === hh && w.mm === mm;
  });
  if (candidates.length) return Math.min(...candidates);
  // Skipped by a clock change: the window starts the moment the clock jumps past it.
  let lo = naive - after;
  let hi = naive - before;
  while (hi - lo > 1000) {
    const mid = Math.floor((lo + hi) / 2000) * 1000;
    if (offsetAt(mid, tz) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

export interface Opening {
  start: number;
  end: number;
  window: MaintenanceWindow;
}

/** The calendar date `days` after y-m-d. */
function addDays(y: number, m: number, d: number, days: number): { y: number; m: number; d: number } {
  const t = new Date(Date.UTC(y, m - 1, d + days));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

/** The opening of a window that starts on a local date (its end may fall on the next). */
function openingOn(date: { y: number; m: number; d: number }, w: MaintenanceWindow, tz: string): Opening | undefined {
  const from = minutes(w.from);
  const to = minutes(w.to);
  const endDate = to <= from ? addDays(date.y, date.m, date.d, 1) : date;
  const start = instantOf(date.y, date.m, date.d, Math.floor(from / 60), from % 60, tz);
  const end = instantOf(endDate.y, endDate.m, endDate.d, Math.floor(to / 60), to % 60, tz);
  return end > start ? { start, end, window: w } : undefined;
}

/**
 * The opening in force at `at`, or else the next one; undefined when none will come (every
 * one-off window is over and there is no weekly one).
 */
export function windowAt(p: MaintenancePolicy, at: number): { open: boolean; opening: Opening } | undefined {
  const today = wallClock(at, p.timeZone);
  const openings: Opening[] = [];
  for (const w of p.windows) {
    if ('days' in w) {
      // Yesterday's window may run past midnight into today; within eight days every weekday comes.
      for (let i = -1; i <= 8; i++) {
        const date = addDays(today.y, today.m, today.d, i);
        if (!w.days.includes(WEEKDAYS[new Date(Date.UTC(date.y, date.m - 1, date.d)).getUTCDay()]!)) continue;
        const o = openingOn(date, w, p.timeZone);
        if (o) openings.push(o);
      }
    } else {
      const [y, m, d] = w.date.split('-').map(Number) as [number, number, number];
      const o = openingOn({ y, m, d }, w, p.timeZone);
      if (o) openings.push(o);
    }
  }
  const current = openings.filter((o) => o.start <= at && at < o.end).sort((x, y) => y.end - x.end)[0];
  if (current) return { open: true, opening: current };
  const next = openings.filter((o) => o.start > at).sort((x, y) => x.start - y.start)[0];
  return next ? { open: false, opening: next } : undefined;
}

/** "Tue 02:00–04:00 Europe/Berlin" (the window as a person states it). */
export function describeWindow(w: MaintenanceWindow, tz: string): string {
  const when = 'days' in w ? w.days.map((d) => d[0]!.toUpperCase() + d.slice(1)).join(', ') : w.date;
  return `${when} ${w.from}–${w.to} ${tz}`;
}

/** The opening as a person reads it on that site's clock: "Tue 2026-03-31 02:00–04:00 Europe/Berlin". */
export function describeOpening(o: Opening, tz: string): string {
  const s = wallClock(o.start, tz);
  const e = wallClock(o.end, tz);
  const hm = (w: { hh: number; mm: number }) => `${String(w.hh).padStart(2, '0')}:${String(w.mm).padStart(2, '0')}`;
  const day = `${s.weekday[0]!.toUpperCase()}${s.weekday.slice(1)} ${s.y}-${String(s.m).padStart(2, '0')}-${String(s.d).padStart(2, '0')}`;
  return `${day} ${hm(s)}–${hm(e)} ${tz}`;
}

/** "tue,thu 02:00-04:00" or "2026-12-24 01:00-03:00" → a window. */
export function parseWindowText(arg: string): MaintenanceWindow | string {
  const m = /^(\S+)\s+(\d{2}:\d{2})-(\d{2}:\d{2})$/.exec(arg.trim());
  if (!m) return `"${arg}" is not a window: write "tue,thu 02:00-04:00" or "2026-12-24 01:00-03:00"`;
  const [, when, from, to] = m as unknown as [string, string, string, string];
  const days = when.toLowerCase().split(',');
  const candidate = /^\d{4}-\d{2}-\d{2}$/.test(when) ? { date: when, from, to } : { days, from, to };
  const r = MaintenanceWindow.safeParse(candidate);
  if (!r.success)
    return `"${arg}": ${days.some((d) => !(WEEKDAYS as readonly string[]).includes(d)) && !('date' in candidate) ? `days are ${WEEKDAYS.join(', ')}` : r.error.issues[0]!.message}`;
  return r.data;
}

/** A window as parseWindowText reads it back: "tue,thu 02:00-04:00". */
export function windowText(w: MaintenanceWindow): string {
  return `${'days' in w ? w.days.join(',') : w.date} ${w.from}-${w.to}`;
}
