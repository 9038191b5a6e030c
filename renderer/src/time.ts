/**
 * Every time on screen is written the same way: local date and time with the zone named, so an
 * on-call reading a screenshot or a shared screen at another site knows which clock it was.
 */
export function formatTime(ms: number): string {
  return new Date(ms).toLocaleString(undefined, {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    timeZoneName: 'short',
  });
}
