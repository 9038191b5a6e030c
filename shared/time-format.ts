/** Which clock times are written in, everywhere: the UI, the CLI and reports alike. */
export const TIME_ZONE_SETTINGS = ['local', 'utc'] as const;
export type TimeZoneSetting = (typeof TIME_ZONE_SETTINGS)[number];

const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');

/**
 * An instant as ISO 8601 with its offset, in the chosen clock: `2026-12-01T14:57:25Z` in UTC,
 * `2026-12-01T15:57:25+01:00` in local time. Machine-readable and unambiguous (CLI, reports, CSV).
 */
export function isoInstant(ms: number, zone: TimeZoneSetting): string {
  const d = new Date(ms);
  if (zone === 'utc') return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const offsetMin = -d.getTimezoneOffset();
  const sign = offsetMin >= 0 ? '+' : '-';
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}` +
    `${sign}${pad(Math.trunc(Math.abs(offsetMin) / 60))}:${pad(Math.abs(offsetMin) % 60)}`
  );
}

const screenFormats = new Map<TimeZoneSetting, Intl.DateTimeFormat>();

/** An instant for a screen: 24-hour date and time with the zone named (`2026-12-01 14:57:25 UTC`). */
export function screenInstant(ms: number, zone: TimeZoneSetting): string {
  let f = screenFormats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
      ...(zone === 'utc' ? { timeZone: 'UTC' } : {}),
    });
    screenFormats.set(zone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second} ${parts.timeZoneName}`;
}
