import { CronExpressionParser } from 'cron-parser';

/**
 * Cron schedules of batch jobs, read by cron-parser (5 fields; lists, ranges, steps, names) in an
 * IANA time zone. Across clock changes a time skipped in spring runs right after the jump, and a
 * time that happens twice in autumn runs once, the first time.
 */
export function cronProblem(expr: string): string | undefined {
  if (expr.trim().split(/\s+/).length !== 5) return 'five fields: minute hour day-of-month month day-of-week (e.g. "0 2 * * *")';
  try {
    CronExpressionParser.parse(expr);
    return undefined;
  } catch (err) {
    return `not a cron schedule: ${(err as Error).message}`;
  }
}

/** The first time the schedule fires after `after` (epoch ms), in zone `tz`. */
export function nextRunAt(expr: string, tz: string, after: number): number {
  return CronExpressionParser.parse(expr, { currentDate: new Date(after), tz })
    .next()
    .getTime();
}
