import { describe, expect, it } from 'vitest';
import { BoundedQueue } from '../src/index.ts';

describe('BoundedQueue', () => {
  it('never holds more than its capacity while a fast producer feeds a slow consumer', async () => {
    const queue = new BoundedQueue<number>(3);
    const producer = (async () => {
      for (let i = 0; i < 100; i++) await queue.push(i);
      queue.close();
    })();
    const got: number[] = [];
    for await (const item of queue) {
      got.push(item);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await producer;
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(queue.highWater).toBeLessThanOrEqual(3);
  });

  it('hands the producer failure to the consumer after the items before it', async () => {
    const queue = new BoundedQueue<number>(2);
    await queue.push(1);
    queue.fail(new Error('boom'));
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const item of queue) got.push(item);
      })(),
    ).rejects.toThrow('boom');
    expect(got).toEqual([1]);
  });

  it('releases a blocked producer when the consumer abandons', async () => {
    const queue = new BoundedQueue<number>(1);
    await queue.push(1);
    const blocked = queue.push(2);
    queue.abandon();
    await expect(blocked).resolves.toBeUndefined();
  });
});
