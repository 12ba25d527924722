/**
 * A run's time budget. Two mechanisms: `allowsAnother` learns how long a page takes and says, at each
 * page boundary, whether another still fits (a clean stop with the checkpoint written); and `signal`
 * aborts whatever is in flight when the deadline itself passes — a request, a Retry-After wait — so no
 * page overruns the budget by more than the time to notice. Both are on the runner's clock: the deadline
 * signal fires on its timer (`Clock.after`) when it has one — a manual clock in tests, moved past the
 * deadline — else in real time.
 */
import type { Clock } from '../clock/clock.ts';

export class RunBudget {
  /** True once the budget stopped the run (at a boundary or at the deadline). */
  exhausted = false;
  readonly signal: AbortSignal;
  #pageMs = 0;
  readonly #clock: Clock;
  readonly #deadline: number;
  readonly #cancel: (() => void) | undefined;

  constructor(clock: Clock, budgetMs: number | undefined, outer?: AbortSignal) {
    this.#clock = clock;
    this.#deadline = budgetMs === undefined ? Number.POSITIVE_INFINITY : clock.now() + budgetMs;
    const controller = new AbortController();
    const signals = outer ? [controller.signal, outer] : [controller.signal];
    this.signal = AbortSignal.any(signals);
    if (budgetMs !== undefined) {
      const expire = () => {
        this.exhausted = true;
        controller.abort(new BudgetExhaustedError(budgetMs));
      };
      if (clock.after) this.#cancel = clock.after(budgetMs, expire);
      else {
        const timer = setTimeout(expire, budgetMs);
        timer.unref?.();
        this.#cancel = () => clearTimeout(timer);
      }
    }
  }

  /** Record how long the last page took from the previous boundary. */
  observe(ms: number): void {
    this.#pageMs = this.#pageMs === 0 ? ms : Math.max(ms, this.#pageMs * 0.8 + ms * 0.2);
  }

  /** Whether another page still fits. Once it does not, it never does again in this run. */
  allowsAnother(): boolean {
    if (!this.exhausted && this.#clock.now() + this.#pageMs > this.#deadline) this.exhausted = true;
    return !this.exhausted;
  }

  /** Why the run stops now, if it does: the budget, or the caller's abort (ctrl-c, shutdown). */
  stopReason(): 'budget' | 'aborted' | undefined {
    if (this.exhausted) return 'budget';
    if (this.signal.aborted) return 'aborted';
    return undefined;
  }

  dispose(): void {
    this.#cancel?.();
  }
}

/** The reason the budget's signal carries. */
export class BudgetExhaustedError extends Error {
  constructor(budgetMs: number) {
    super(`the run's time budget of ${budgetMs} ms ran out`);
    this.name = 'BudgetExhaustedError';
  }
}
