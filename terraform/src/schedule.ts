/**
 * "Every N minutes" as each scheduler wants it. EventBridge Scheduler takes `rate(N minutes)` as is;
 * Cloud Scheduler and `ctxsiem serve` take cron, which can say every N minutes only when N divides an
 * hour, or is whole hours dividing a day — the environment schema allows just those.
 */

/** Whether `minutes` can be a cron schedule: it divides 60, or is whole hours dividing 24. */
export function isCronInterval(minutes: number): boolean {
  return (minutes < 60 && 60 % minutes === 0) || (minutes % 60 === 0 && 1440 % minutes === 0);
}

/** A five-field cron expression (UTC) firing every `minutes`. */
export function cronEvery(minutes: number): string {
  if (!isCronInterval(minutes))
    throw new Error(
      `every ${minutes} minutes is not a cron schedule: use a divisor of 60, or whole hours dividing 24`,
    );
  if (minutes < 60) return minutes === 1 ? '* * * * *' : `*/${minutes} * * * *`;
  const hours = minutes / 60;
  return hours === 1 ? '0 * * * *' : hours === 24 ? '0 0 * * *' : `0 */${hours} * * *`;
}
