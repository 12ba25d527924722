/** Time as the runner sees it, and lengths of time. */

// The system clock, a manual clock for tests and a shifted clock for tests of skew.
export { type Clock, ManualClock, offsetClock, systemClock } from './clock.ts';
// Minutes, hours and days in milliseconds.
export { DAY_MS, HOUR_MS, MINUTE_MS } from './durations.ts';
