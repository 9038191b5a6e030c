import { screenInstant, type TimeZoneSetting } from '../../shared/time-format.js';

// The settings' clock, set by the app as settings load and change; every view reads it here.
let zone: TimeZoneSetting = 'local';

export function setDisplayTimeZone(z: TimeZoneSetting): void {
  zone = z;
}

export function displayTimeZone(): TimeZoneSetting {
  return zone;
}

/**
 * Every time on screen is written the same way: 24-hour date and time with the zone named, in the
 * clock the settings choose (local or UTC), so an on-call reading a screenshot or a shared screen
 * at another site knows which clock it was.
 */
export function formatTime(ms: number): string {
  return screenInstant(ms, zone);
}
