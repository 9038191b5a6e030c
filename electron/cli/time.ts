import { isoInstant, type TimeZoneSetting } from '../../shared/time-format.js';

// One CLI process runs one command, so the clock is read from the settings once, as it starts.
let zone: TimeZoneSetting = 'local';

export function setCliTimeZone(z: TimeZoneSetting): void {
  zone = z;
}

/** A time in human-readable CLI output: ISO 8601 with its offset, in the clock the settings name. */
export function cliTime(ms: number): string {
  return isoInstant(ms, zone);
}
