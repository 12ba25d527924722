import { describe, expect, it } from 'vitest';
import { backoffDelayMs, parseRetryAfter } from '../src/index.ts';

describe('parseRetryAfter', () => {
  const now = Date.parse('2024-08-06T07:00:00Z');

  it('reads delta-seconds', () => {
    expect(parseRetryAfter('1', now)).toBe(1000);
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000);
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter(['3', '9'], now)).toBe(3000);
  });

  it('reads an HTTP date relative to now, never negative', () => {
    expect(parseRetryAfter('Tue, 06 Aug 2024 07:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 06 Aug 2024 06:59:00 GMT', now)).toBe(0);
  });

  it('ignores absent or unparseable values', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});

describe('backoffDelayMs (full jitter)', () => {
  const backoff = { baseMs: 500, maxMs: 30_000 };

  it('doubles the ceiling per retry up to maxMs', () => {
    const ceiling = (retry: number) => backoffDelayMs(retry, backoff, () => 1);
    expect([1, 2, 3, 4, 7, 20].map(ceiling)).toEqual([500, 1000, 2000, 4000, 30_000, 30_000]);
  });

  it('draws uniformly from [0, ceiling]', () => {
    expect(backoffDelayMs(3, backoff, () => 0)).toBe(0);
    expect(backoffDelayMs(3, backoff, () => 0.5)).toBe(1000);
    for (let i = 0; i < 200; i++) {
      const wait = backoffDelayMs(2, backoff);
      expect(wait).toBeGreaterThanOrEqual(0);
      expect(wait).toBeLessThanOrEqual(1000);
    }
  });
});
