/** Time as the runner sees it. Tests pass a manual clock; production uses the system clock. */
export interface Clock {
  now(): number;
  /**
   * Calls `fire` once the clock has moved `ms` on, and returns what cancels it. A clock without it is
   * real time: its timers are `setTimeout`'s.
   */
  after?(ms: number, fire: () => void): () => void;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that moves only when told to: deterministic budgets and lags in tests. */
export class ManualClock implements Clock {
  #now: number;
  readonly #timers = new Set<{ due: number; fire: () => void }>();

  constructor(start: number | Date) {
    this.#now = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.#now;
  }

  /** Fires when `advance` or `set` takes the clock to `ms` from now or past it, never by itself. */
  after(ms: number, fire: () => void): () => void {
    const timer = { due: this.#now + Math.max(0, ms), fire };
    this.#timers.add(timer);
    return () => this.#timers.delete(timer);
  }

  advance(ms: number): void {
    this.#now += ms;
    this.#fireDue();
  }

  set(to: number | Date): void {
    this.#now = typeof to === 'number' ? to : to.getTime();
    this.#fireDue();
  }

  /** Every timer the clock reached, earliest first. */
  #fireDue(): void {
    const due = [...this.#timers].filter((t) => t.due <= this.#now).sort((a, b) => a.due - b.due);
    for (const timer of due) {
      this.#timers.delete(timer);
      timer.fire();
    }
  }
}

/** `base` shifted by `offsetMs`: a process whose clock disagrees with the others' (tests of skew). */
export function offsetClock(offsetMs: number, base: Clock = systemClock): Clock {
  return offsetMs === 0 ? base : { now: () => base.now() + offsetMs };
}
