import { describe, expect, it } from 'vitest';
import { BudgetExhaustedError, ManualClock, RunBudget, systemClock } from '../src/index.ts';

describe('RunBudget', () => {
  it('on a manual clock, aborts when the clock reaches the deadline, not before, and never by itself', () => {
    const clock = new ManualClock(0);
    const budget = new RunBudget(clock, 1_000);
    clock.advance(999);
    expect(budget.signal.aborted).toBe(false);
    expect(budget.stopReason()).toBeUndefined();
    clock.advance(1);
    expect(budget.signal.aborted).toBe(true);
    expect(budget.signal.reason).toBeInstanceOf(BudgetExhaustedError);
    expect(budget.stopReason()).toBe('budget');
    budget.dispose();
  });

  it('a disposed budget no longer aborts; the caller’s abort is not the budget', () => {
    const clock = new ManualClock(0);
    const outer = new AbortController();
    const budget = new RunBudget(clock, 1_000, outer.signal);
    budget.dispose();
    clock.advance(5_000);
    expect(budget.signal.aborted).toBe(false);
    outer.abort(new Error('ctrl-c'));
    expect(budget.signal.aborted).toBe(true);
    expect(budget.stopReason()).toBe('aborted');
  });

  it('on a clock without timers (the system clock), aborts in real time', async () => {
    const started = performance.now();
    const budget = new RunBudget(systemClock, 20);
    // Liveness only: however loaded the machine, the deadline passes some time.
    await new Promise((resolve) => budget.signal.addEventListener('abort', resolve, { once: true }));
    expect(performance.now() - started).toBeGreaterThanOrEqual(15);
    expect(budget.signal.reason).toBeInstanceOf(BudgetExhaustedError);
    expect(budget.exhausted).toBe(true);
  });
});
