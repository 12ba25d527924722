/** Time as the runner sees it. Tests pass a manual clock; production uses the system clock. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that moves only when told to: deterministic budgets and lags in tests. */
export class ManualClock implements Clock {
  #now: number;

  constructor(start: number | Date) {
    this.#now = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.#now;
  }

  advance(ms: number): void {
    this.#now += ms;
  }

  set(to: number | Date): void {
    this.#now = typeof to === 'number' ? to : to.getTime();
  }
}

/** `base` shifted by `offsetMs`: a process whose clock disagrees with the others' (tests of skew). */
export function offsetClock(offsetMs: number, base: Clock = systemClock): Clock {
  return offsetMs === 0 ? base : { now: () => base.now() + offsetMs };
}
