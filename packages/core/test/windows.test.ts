import { describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS, nextWindow, splitWindow, type WindowPolicy } from '../src/index.ts';

const policy: WindowPolicy = { alignMs: HOUR_MS, maxWindowMs: HOUR_MS, lagMs: 5 * MINUTE_MS };
const t = (iso: string) => Date.parse(iso);

describe('nextWindow', () => {
  it('stops at the next hour boundary', () => {
    const w = nextWindow(t('2024-08-06T07:20:00Z'), t('2024-08-06T12:00:00Z'), policy);
    expect(w).toEqual({ from: new Date('2024-08-06T07:20:00Z'), to: new Date('2024-08-06T08:00:00Z') });
  });

  it('never ends after now - lag', () => {
    const w = nextWindow(t('2024-08-06T11:00:00Z'), t('2024-08-06T11:30:00Z'), policy);
    expect(w?.to).toEqual(new Date('2024-08-06T11:25:00Z'));
    expect(nextWindow(t('2024-08-06T11:25:00Z'), t('2024-08-06T11:30:00Z'), policy)).toBeUndefined();
  });

  it('with whole windows only, waits until the slot is complete', () => {
    const whole = { ...policy, wholeWindowsOnly: true };
    expect(nextWindow(t('2024-08-06T11:00:00Z'), t('2024-08-06T12:04:00Z'), whole)).toBeUndefined();
    expect(nextWindow(t('2024-08-06T11:00:00Z'), t('2024-08-06T12:05:00Z'), whole)?.to).toEqual(
      new Date('2024-08-06T12:00:00Z'),
    );
  });

  it('respects a max window smaller than the alignment', () => {
    const w = nextWindow(t('2024-08-06T07:00:00Z'), t('2024-08-07T00:00:00Z'), {
      ...policy,
      maxWindowMs: 15 * MINUTE_MS,
    });
    expect(w?.to).toEqual(new Date('2024-08-06T07:15:00Z'));
  });
});

describe('splitWindow', () => {
  it('halves on whole seconds and refuses below the minimum', () => {
    const [a, b] = splitWindow(
      { from: new Date('2024-08-06T07:00:00Z'), to: new Date('2024-08-06T08:00:00Z') },
      MINUTE_MS,
    )!;
    expect(a.to).toEqual(new Date('2024-08-06T07:30:00Z'));
    expect(b.from).toEqual(a.to);
    expect(splitWindow({ from: new Date(0), to: new Date(MINUTE_MS) }, MINUTE_MS)).toBeUndefined();
  });
});

describe('positionFromLegacyState', () => {
  it("continues at the hour after the seed's last_hour_utc", async () => {
    const { positionFromLegacyState } = await import('../src/index.ts');
    expect(positionFromLegacyState({ last_hour_utc: '2024-08-06T07:00:00Z' })).toEqual(
      new Date('2024-08-06T08:00:00Z'),
    );
    expect(positionFromLegacyState({ last_hour_utc: '2024-08-06T07:00:00.123456Z' })).toEqual(
      new Date('2024-08-06T08:00:00Z'),
    );
    expect(positionFromLegacyState({ last_hour_utc: '2024-08-06T07:00:00' })).toEqual(
      new Date('2024-08-06T08:00:00Z'),
    );
    expect(positionFromLegacyState({ last_hour_utc: 'soon' })).toBeUndefined();
    expect(positionFromLegacyState({})).toBeUndefined();
    expect(positionFromLegacyState(null)).toBeUndefined();
  });
});
