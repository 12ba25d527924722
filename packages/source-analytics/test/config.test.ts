/** The options schema, the window policy it implies, and the factory's validation. */
import {
  ConfigError,
  HOUR_MS,
  MINUTE_MS,
  nextWindow,
  parseConfig,
  silentLogger,
  systemClock,
} from '@ctxsiem/core';
import { describe, expect, it } from 'vitest';
import { AnalyticsOptionsSchema } from '../src/config.ts';
import {
  analyticsRecordSchema,
  analyticsSource,
  analyticsWindowPolicy,
  casodataHourPath,
  casodataPageUrl,
  fallbackHour,
  lastCompleteHour,
} from '../src/index.ts';

const parse = (input: Record<string, unknown>) =>
  parseConfig('source-analytics', AnalyticsOptionsSchema, { type: 'analytics', ...input });

function issues(input: Record<string, unknown>) {
  try {
    parse(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

describe('AnalyticsOptionsSchema', () => {
  it("defaults to the seed's settings", () => {
    expect(parse({})).toEqual({
      type: 'analytics',
      entities: ['sessions', 'machines', 'users'],
      top: 1000,
      lookbackMinutes: 75,
    });
  });

  it('takes entities as a comma-separated string (ENTITIES) or a list', () => {
    expect(parse({ entities: ' sessions, users ,' }).entities).toEqual(['sessions', 'users']);
    expect(parse({ entities: ['machines'] }).entities).toEqual(['machines']);
  });

  it('names an unknown entity and the allowed ones', () => {
    expect(issues({ entities: 'sessions,Sessions' })).toEqual([
      {
        path: 'entities[1]',
        reason: 'unknown casodata entity "Sessions": must be one of sessions, machines, users',
      },
    ]);
    expect(issues({ entities: '' })[0]).toMatchObject({
      path: 'entities',
      reason: 'must list at least one name',
    });
    expect(issues({ entities: 'users,users' })[0]).toMatchObject({
      path: 'entities',
      reason: 'lists an entity more than once',
    });
  });

  it('keeps top within casodata limits (1..10000, whole numbers)', () => {
    expect(parse({ top: 10_000 }).top).toBe(10_000);
    for (const top of [0, 10_001, 12.5, '1000']) expect(issues({ top })[0]?.path).toBe('top');
  });

  it('rejects unknown options and a negative lookback', () => {
    expect(issues({ pageSize: 100 })[0]?.reason).toMatch(/pageSize/);
    expect(issues({ lookbackMinutes: -1 })[0]?.path).toBe('lookbackMinutes');
  });

  it("accepts the seed's state object and rejects one it cannot read", () => {
    expect(parse({ legacyState: { last_hour_utc: '2024-08-06T07:00:00Z' } }).legacyState).toEqual({
      last_hour_utc: '2024-08-06T07:00:00Z',
    });
    expect(issues({ legacyState: { last_hour_utc: 'yesterday' } })[0]).toMatchObject({
      path: 'legacyState.last_hour_utc',
    });
    expect(issues({ legacyState: {} })[0]?.path).toBe('legacyState.last_hour_utc');
  });
});

describe('analyticsSource', () => {
  const connection = { customerId: 'acme', clientId: 'id', clientSecret: 'secret' };
  const deps = { logger: silentLogger(), clock: systemClock };

  it('throws a ConfigError naming the bad field', () => {
    expect(() =>
      analyticsSource({ options: { type: 'analytics', entities: ['logons'] }, connection }, deps),
    ).toThrow(/entities\[0\]: unknown casodata entity "logons"/);
  });

  it('has one stream per entity with whole-hour windows, tagged with the tenant', async () => {
    const source = analyticsSource(
      { options: { type: 'analytics', entities: 'users,sessions' }, connection },
      deps,
    );
    try {
      expect(source.type).toBe('analytics');
      expect(source.tenant).toBe('acme');
      expect(source.tenantField).toBe('citrix_customer_id');
      expect(source.streams.map((s) => [s.name, s.cursorField])).toEqual([
        ['users', 'citrix_hour_utc'],
        ['sessions', 'citrix_hour_utc'],
      ]);
      expect(source.streams[0]!.window).toEqual({
        alignMs: HOUR_MS,
        maxWindowMs: HOUR_MS,
        lagMs: 15 * MINUTE_MS,
        wholeWindowsOnly: true,
        minWindowMs: HOUR_MS,
      });
    } finally {
      await source.close();
    }
  });

  it("starts at the hour after the legacy state, in the seed's formats", async () => {
    for (const last_hour_utc of [
      '2024-08-06T07:00:00Z',
      '2024-08-06T07:00:00.123456Z',
      '2024-08-06T07:00:00',
    ]) {
      const source = analyticsSource(
        { options: { type: 'analytics', legacyState: { last_hour_utc } }, connection },
        deps,
      );
      expect(source.start.toISOString(), last_hour_utc).toBe('2024-08-06T08:00:00.000Z');
      await source.close();
    }
  });
});

describe('window rules', () => {
  const at = (iso: string) => Date.parse(iso);

  it("puts a first run at the seed's fallback hour: the hour containing now - lookback", () => {
    expect(fallbackHour(at('2024-08-06T12:20:00Z'), 75).toISOString()).toBe('2024-08-06T11:00:00.000Z');
    expect(fallbackHour(at('2024-08-06T12:10:00Z'), 75).toISOString()).toBe('2024-08-06T10:00:00.000Z');
    expect(fallbackHour(at('2024-08-06T12:10:00Z'), 180).toISOString()).toBe('2024-08-06T09:00:00.000Z');
  });

  it('makes hour H due when H + 1 h <= now - (lookback - 60) min', () => {
    const policy = analyticsWindowPolicy(75);
    const eleven = at('2024-08-06T11:00:00Z');
    expect(nextWindow(eleven, at('2024-08-06T12:14:59Z'), policy)).toBeUndefined();
    expect(nextWindow(eleven, at('2024-08-06T12:15:00Z'), policy)).toEqual({
      from: new Date(eleven),
      to: new Date(eleven + HOUR_MS),
    });
    expect(lastCompleteHour(at('2024-08-06T12:15:00Z'), 75).toISOString()).toBe('2024-08-06T11:00:00.000Z');
    expect(lastCompleteHour(at('2024-08-06T12:14:59Z'), 75).toISOString()).toBe('2024-08-06T10:00:00.000Z');
    // A lookback under an hour means no lag, never a negative one: still only complete hours.
    expect(analyticsWindowPolicy(30).lagMs).toBe(0);
    expect(nextWindow(eleven, at('2024-08-06T11:59:59Z'), analyticsWindowPolicy(30))).toBeUndefined();
    expect(analyticsWindowPolicy(180).lagMs).toBe(120 * MINUTE_MS);
  });

  it("builds the seed's zero-padded query", () => {
    const hour = new Date('2024-01-02T03:00:00Z');
    expect(casodataHourPath('sessions', hour)).toBe('casodata/sessions?year=2024&month=01&day=02&hour=03');
    expect(casodataPageUrl('users', hour, 1000, 2000)).toBe(
      'casodata/users?year=2024&month=01&day=02&hour=03&$top=1000&$skip=2000',
    );
  });
});

describe('record schema', () => {
  const schema = analyticsRecordSchema('sessions');
  const envelope = {
    citrix_entity: 'sessions',
    citrix_hour_utc: '2024-08-06T07:00:00Z',
    collection_timestamp: '2024-08-06T08:20:00.000Z',
    raw: { sessionKey: 'k' },
  };

  it("accepts the seed's envelope, extra fields included", () => {
    expect(schema.safeParse(envelope).success).toBe(true);
    expect(schema.safeParse({ ...envelope, citrix_customer_id: 'demo' }).success).toBe(true);
  });

  it('rejects a raw that is not an object, another entity and a bad hour', () => {
    for (const raw of [null, 7, 'text', ['a']])
      expect(schema.safeParse({ ...envelope, raw }).success).toBe(false);
    expect(schema.safeParse({ ...envelope, citrix_entity: 'users' }).success).toBe(false);
    expect(schema.safeParse({ ...envelope, citrix_hour_utc: 'hour 7' }).success).toBe(false);
  });
});
