import { ConfigError } from '@ctxsiem/core';
import { describe, expect, it } from 'vitest';
import { backfillRange, pastInstant } from '../src/backfill-range.ts';

const NOW = Date.parse('2026-12-07T22:41:13.500Z');

describe('backfill range', () => {
  it('reads an ISO-8601 instant with its zone as given', () => {
    expect(pastInstant('2026-11-01T00:00:00Z', NOW)?.toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(pastInstant('2026-11-01T01:30:00+01:00', NOW)?.toISOString()).toBe('2026-11-01T00:30:00.000Z');
  });

  it('reads a duration back from the start of the current hour, so the range is the same all hour', () => {
    expect(pastInstant('36h', NOW)?.toISOString()).toBe('2026-12-06T10:00:00.000Z');
    expect(pastInstant('2d', NOW)?.toISOString()).toBe('2026-12-05T22:00:00.000Z');
    expect(pastInstant('90m', NOW)?.toISOString()).toBe('2026-12-07T20:30:00.000Z');
    expect(pastInstant('2d', NOW + 18 * 60_000)?.toISOString()).toBe('2026-12-05T22:00:00.000Z');
  });

  it('refuses what a reader could read two ways: a date without a time, no zone, a bare number', () => {
    for (const text of ['2026-11-01', '2026-11-01T00:00:00', '12', '3w', 'yesterday'])
      expect(pastInstant(text, NOW), text).toBeUndefined();
  });

  it('names each bad option, a range out of order and one reaching into the future', () => {
    const issues = (from: string, to: string) => {
      try {
        backfillRange(from, to, NOW);
        return [];
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        return error.issues.map((issue) => `${issue.path}: ${issue.reason}`);
      }
    };
    expect(issues('3d', '2d')).toEqual([]);
    expect(issues('2026-11-01', '1d')).toEqual([
      expect.stringMatching(/^--from: not an ISO-8601 instant with its zone/),
    ]);
    expect(issues('2d', '3d')).toEqual(['--to: must be after --from (2026-12-05T22:00:00.000Z)']);
    expect(issues('2d', '2027-01-01T00:00:00Z')).toEqual([
      '--to: is in the future: a backfill reads the past',
    ]);
  });
});
