import { describe, expect, it } from 'vitest';
import { AUTO_MEMORY_SHARE, memoryShare, tenantAdmission } from '../src/tenant-admission.ts';

/** `count` tasks that each wait until released, and how many run at once (at most, and now). */
function tasks(count: number) {
  const releases: (() => void)[] = [];
  let running = 0;
  let most = 0;
  const started: number[] = [];
  const make = (i: number) => () =>
    new Promise<number>((resolve) => {
      running++;
      most = Math.max(most, running);
      started.push(i);
      releases[i] = () => {
        running--;
        resolve(i);
      };
    });
  return {
    all: Array.from({ length: count }, (_, i) => make(i)),
    release: (i: number) => releases[i]?.(),
    started,
    get most() {
      return most;
    },
  };
}

/** Lets every settled promise's continuations run (no timers: microtasks and one macrotask). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('tenantAdmission', () => {
  it('runs at most a fixed number at once', async () => {
    const admit = tenantAdmission(3);
    const work = tasks(10);
    const done = Promise.all(work.all.map((task) => admit(task)));
    await settle();
    expect(work.started).toHaveLength(3);
    for (let i = 0; i < 10; i++) {
      work.release(i);
      await settle();
    }
    expect(await done).toEqual([...Array(10).keys()]);
    expect(work.most).toBe(3);
  });

  it('auto: starts every tenant at once while memory is below its share', async () => {
    const admit = tenantAdmission('auto', { memoryShare: () => AUTO_MEMORY_SHARE - 0.01 });
    const work = tasks(50);
    const done = Promise.all(work.all.map((task) => admit(task)));
    await settle();
    expect(work.started).toHaveLength(50);
    for (let i = 0; i < 50; i++) work.release(i);
    await done;
    expect(work.most).toBe(50);
  });

  it('auto: past its share, starts one more only as one finishes — and always runs one', async () => {
    let share = AUTO_MEMORY_SHARE;
    const admit = tenantAdmission('auto', { memoryShare: () => share });
    const work = tasks(5);
    const done = Promise.all(work.all.map((task) => admit(task)));
    await settle();
    expect(work.started).toEqual([0]);
    work.release(0);
    await settle();
    expect(work.started).toEqual([0, 1]);
    // Memory freed: the next finish admits every waiting tenant, in order.
    share = 0.1;
    work.release(1);
    await settle();
    expect(work.started).toEqual([0, 1, 2, 3, 4]);
    for (const i of [2, 3, 4]) work.release(i);
    expect(await done).toEqual([0, 1, 2, 3, 4]);
  });

  it('auto: a failing tenant frees its place', async () => {
    const admit = tenantAdmission('auto', { memoryShare: () => 1 });
    const failed = admit(() => Promise.reject(new Error('tenant down')));
    const next = admit(() => Promise.resolve('next'));
    await expect(failed).rejects.toThrow('tenant down');
    await expect(next).resolves.toBe('next');
  });
});

describe('memoryShare', () => {
  it('is the heap’s share of its limit, or the resident set’s share of the platform’s memory when larger', () => {
    const heapOnly = memoryShare(undefined);
    expect(heapOnly).toBeGreaterThan(0);
    expect(heapOnly).toBeLessThan(1);
    // 1 MiB given: the resident set alone is many times that.
    expect(memoryShare(1)).toBeGreaterThan(1);
    // A terabyte given: the heap's share is the larger one.
    expect(memoryShare(1024 * 1024)).toBeCloseTo(memoryShare(undefined), 2);
  });
});
