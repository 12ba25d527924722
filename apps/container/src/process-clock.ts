/**
 * The clock this process runs on: the system clock, shifted by `CTXSIEM_CLOCK_OFFSET_MS` when that is
 * set. The shift is a testing aid: the chaos suite runs overlapping collectors whose clocks are minutes
 * apart, as two schedulers' hosts can be, and points their "now" at the emulator's.
 */
import { type Clock, ConfigError, offsetClock } from '@ctxsiem/core';

export const CLOCK_OFFSET_VARIABLE = 'CTXSIEM_CLOCK_OFFSET_MS';

export function processClock(env: Record<string, string | undefined> = process.env): Clock {
  const text = env[CLOCK_OFFSET_VARIABLE];
  if (text === undefined || text === '') return offsetClock(0);
  if (!/^-?\d+$/.test(text.trim()))
    throw new ConfigError('environment', [
      { path: CLOCK_OFFSET_VARIABLE, reason: `must be a whole number of milliseconds, got "${text}"` },
    ]);
  return offsetClock(Number(text));
}
