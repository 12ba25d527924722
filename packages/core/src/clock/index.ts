/** Time as the runner sees it. */

// The system clock, a manual clock for tests and a shifted clock for tests of skew.
export { type Clock, ManualClock, offsetClock, systemClock } from './clock.ts';
