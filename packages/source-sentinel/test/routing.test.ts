/** Messages to records: streams by event type, schemas, dead letters with the raw message. */
import type { LogMessage } from '@ctxsiem/core';
import { flattenOccurrenceDetails, riskEvents } from '@ctxsiem/emulator';
import { describe, expect, it } from 'vitest';
import { EVENT_STREAMS } from '../src/events.ts';
import {
  columnsOf,
  EVENT_STREAM_NAMES,
  parseLossless,
  routeMessage,
  SentinelOptionsSchema,
  streamOfEventType,
} from '../src/index.ts';
import { checksOf } from '../src/message-routing.ts';

const message = (value: string | Uint8Array | undefined, offset = 41): LogMessage => ({
  partition: 2,
  offset,
  timestamp: new Date('2026-11-01T00:00:00Z'),
  value: typeof value === 'string' ? Buffer.from(value) : value,
});

/** An event of `eventType` for tenant `t` at a fixed time, with `fields`, routed. */
const routeEvent = (eventType: string, fields: Record<string, unknown>) =>
  routeMessage(
    'risk',
    message(
      JSON.stringify({ event_type: eventType, tenant_id: 't', timestamp: '2026-11-01T00:00:00Z', ...fields }),
    ),
  );

describe('routeMessage', () => {
  it('routes every emulated event to its stream with where it was read, and no reason', () => {
    const events = riskEvents({ seed: 3, tenant: 't1', count: 400, start: new Date('2026-11-01T00:00:00Z') });
    const streams = new Set<string>();
    for (const [index, event] of events.entries()) {
      const routed = routeMessage('risk', message(JSON.stringify(event), index));
      expect(routed.reason).toBeUndefined();
      expect(routed.record).toMatchObject({
        ...event,
        record_id: `risk/2/${index}`,
        kafka_partition: 2,
        kafka_offset: index,
      });
      streams.add(routed.stream);
    }
    expect([...streams].sort()).toEqual([...EVENT_STREAM_NAMES].sort());
  });

  it('maps event types to streams as Citrix’s data collection rule does', () => {
    expect(streamOfEventType('userProfileRiskscore')).toBe('userProfile');
    expect(streamOfEventType('userProfileDevice')).toBe('userProfile');
    expect(streamOfEventType('datasourceDPSEventDetails')).toBe('SPA_Events');
    expect(streamOfEventType('datasourceCVADEventDetails')).toBe('CVAD_Events');
    expect(streamOfEventType('riskScoreChange')).toBe('riskScoreChange');
    expect(streamOfEventType('riskScoreChanges')).toBeUndefined();
  });

  it('dead-letters what it cannot deliver, keeping the raw value, partition and offset', () => {
    const cases: [LogMessage, RegExp, string][] = [
      [message('{"event_type": '), /not JSON/, 'unrouted'],
      [message('[1,2]'), /not a JSON object/, 'unrouted'],
      [message('{"tenant_id":"t"}'), /no event_type/, 'unrouted'],
      [message(undefined), /no value/, 'unrouted'],
      [
        message('{"event_type":"quantumRisk","tenant_id":"t","timestamp":"2026-11-01T00:00:00Z"}'),
        /unknown event_type "quantumRisk"/,
        'unrouted',
      ],
      [
        message('{"event_type":"riskScoreChange","tenant_id":"t","timestamp":"yesterday"}'),
        /riskScoreChange cannot be identified: timestamp is missing or not a time/,
        'riskScoreChange',
      ],
      [
        message('{"event_type":"indicatorSummary","timestamp":"2026-11-01T00:00:00Z"}'),
        /cannot be identified: tenant_id is missing/,
        'indicatorSummary',
      ],
    ];
    for (const [input, reason, stream] of cases) {
      const routed = routeMessage('risk', input);
      expect(routed.reason).toMatch(reason);
      expect(routed.stream).toBe(stream);
      expect(routed.record).toMatchObject({ record_id: 'risk/2/41', kafka_partition: 2, kafka_offset: 41 });
    }
    expect(routeMessage('risk', message('not json')).record.value).toBe('not json');
    // A tombstone keeps the key it deletes.
    const tombstone = routeMessage('risk', {
      ...message(undefined),
      key: new TextEncoder().encode('user-7'),
    });
    expect(tombstone).toMatchObject({ stream: 'unrouted', reason: expect.stringMatching(/no value/) });
    expect(tombstone.record).toMatchObject({ key: 'user-7', value: null });
    const binary = routeMessage('risk', message(new Uint8Array([0xff, 0xfe, 0x00])));
    expect(binary.record.valueBase64).toBe('//4A');
  });

  it('delivers an event whose fields differ from the model, normalising what it can, as drift', () => {
    const routed = routeMessage(
      'risk',
      message(
        JSON.stringify({
          event_type: 'riskScoreChange',
          tenant_id: 't',
          timestamp: 1_793_491_200_000,
          cur_riskscore: '55',
          alert_value: 'High',
          alert_message: null,
          version: '2',
        }),
      ),
    );
    expect(routed.reason).toBeUndefined();
    // One shape per stream: a numeric string becomes its number, an epoch time an ISO instant.
    expect(routed.record).toMatchObject({
      timestamp: '2026-11-01T00:00:00.000Z',
      cur_riskscore: 55,
      version: 2,
      alert_value: 'High',
      alert_message: null,
    });
    expect(routed.drift).toEqual([
      { field: 'timestamp', expected: 'datetime', found: 'an integer' },
      { field: 'version', expected: 'long', found: 'a numeric string' },
      { field: 'alert_value', expected: 'real', found: 'a string' },
      { field: 'cur_riskscore', expected: 'long', found: 'a numeric string' },
    ]);
    // 55.5 where an integer is declared: kept as it came, drift all the same.
    const fraction = routeMessage(
      'risk',
      message(
        '{"event_type":"riskScoreChange","tenant_id":"t","timestamp":"2026-11-01T00:00:00Z","cur_riskscore":55.5}',
      ),
    );
    expect(fraction.record.cur_riskscore).toBe(55.5);
    expect(fraction.drift).toEqual([{ field: 'cur_riskscore', expected: 'long', found: 'a number' }]);
  });

  it('delivers an indicator summary with one shape whether occurrence_details came nested or flattened', () => {
    const events = riskEvents({ seed: 5, tenant: 't1', count: 200, start: new Date('2026-11-01T00:00:00Z') });
    const summaries = events.filter((event) => event.event_type === 'indicatorSummary');
    expect(summaries.length).toBeGreaterThan(10);
    for (const [index, event] of summaries.entries()) {
      const flat = flattenOccurrenceDetails(event);
      // The emulator sends both shapes: Citrix's data collection rule declares the flattened one.
      expect(flat).not.toHaveProperty('occurrence_details');
      expect(flat).toHaveProperty('occurrence_details_happen');
      const nested = routeMessage('risk', message(JSON.stringify(event), index));
      const flattened = routeMessage('risk', message(JSON.stringify(flat), index));
      expect(flattened.reason).toBeUndefined();
      expect(flattened.drift).toBeUndefined();
      expect(flattened.record).toEqual(nested.record);
      expect(Object.keys(flattened.record).some((key) => key.startsWith('occurrence_details_'))).toBe(false);
    }
    // Flattened fields are typed as the rule declares (happen an int): a numeric string is normalised.
    const typed = routeEvent('indicatorSummary', {
      occurrence_details_type: 'count',
      occurrence_details_happen: '7',
      occurrence_details_new_entities: 'Berlin',
    });
    expect(typed.record.occurrence_details).toEqual({ type: 'count', happen: 7, new_entities: 'Berlin' });
    expect(typed.drift).toEqual([
      { field: 'occurrence_details.happen', expected: 'long', found: 'a numeric string' },
    ]);
    // Both shapes in one message: folded together; a flattened value the object contradicts is kept
    // where it came (nothing is dropped) and is drift.
    const both = routeEvent('indicatorSummary', {
      occurrence_details: { type: 'count', happen: 3 },
      occurrence_details_repeat: 2,
      occurrence_details_happen: 4,
    });
    expect(both.reason).toBeUndefined();
    expect(both.record.occurrence_details).toEqual({ type: 'count', happen: 3, repeat: 2 });
    expect(both.record.occurrence_details_happen).toBe(4);
    expect(both.drift).toEqual([
      { field: 'occurrence_details_happen', expected: 'occurrence_details.happen', found: 'another value' },
    ]);
  });

  it('delivers a risk score change whose alert_value is a word, as drift, never as a dead letter', () => {
    for (const alertValue of ['High', 'low', '']) {
      const routed = routeEvent('riskScoreChange', { alert_value: alertValue, cur_riskscore: 40 });
      expect(routed).toMatchObject({ stream: 'riskScoreChange', record: { alert_value: alertValue } });
      expect(routed.reason).toBeUndefined();
      expect(routed.drift).toEqual([{ field: 'alert_value', expected: 'real', found: 'a string' }]);
    }
    const number = routeEvent('riskScoreChange', { alert_value: 12.5 });
    expect(number.record.alert_value).toBe(12.5);
    expect(number.drift).toBeUndefined();
  });

  it('keeps integers beyond 2^53 to the last digit, in any field, as the string of their digits', () => {
    const text =
      '{"event_type":"riskScoreChange","tenant_id":"t","timestamp":"2026-11-01T00:00:00Z",' +
      '"cur_riskscore":12345678901234567891,"alert_value":-98765432109876543210,' +
      '"version":"18446744073709551615","session_id":1234567890123456789,' +
      '"nested":{"ids":[9007199254740993,9007199254740991,2.5]},"alert_message":"id 12345678901234567891"}';
    const routed = routeMessage('risk', message(text));
    expect(routed.reason).toBeUndefined();
    expect(routed.record).toMatchObject({
      cur_riskscore: '12345678901234567891',
      alert_value: '-98765432109876543210',
      // Sent as a string: not turned into a (rounded) number either.
      version: '18446744073709551615',
      session_id: '1234567890123456789',
      nested: { ids: ['9007199254740993', 9_007_199_254_740_991, 2.5] },
      alert_message: 'id 12345678901234567891',
    });
    const large = 'an integer beyond 2^53, kept as its digits';
    expect(routed.drift).toEqual([
      { field: 'version', expected: 'long', found: large },
      { field: 'alert_value', expected: 'real', found: large },
      { field: 'cur_riskscore', expected: 'long', found: large },
    ]);
    expect(parseLossless('[12345678901234567891, 1e21, 123]')).toEqual(['12345678901234567891', 1e21, 123]);
  });

  it('keeps fields it does not know', () => {
    const routed = routeMessage(
      'risk',
      message(
        '{"event_type":"riskScoreChange","tenant_id":"t","timestamp":"2026-11-01T00:00:00Z","new_field":{"a":1}}',
      ),
    );
    expect(routed.reason).toBeUndefined();
    expect(routed.record.new_field).toEqual({ a: 1 });
  });
});

describe('columns', () => {
  it('gives each stream its schema’s fields with SIEM types, and where the record was read', () => {
    const columns = Object.fromEntries(columnsOf('riskScoreChange').map((c) => [c.name, c.type]));
    expect(columns).toMatchObject({
      event_type: 'string',
      timestamp: 'datetime',
      cur_riskscore: 'long',
      alert_value: 'real',
      version: 'long',
      record_id: 'string',
      kafka_offset: 'long',
    });
    expect(
      Object.fromEntries(columnsOf('indicatorSummary').map((c) => [c.name, c.type])).occurrence_details,
    ).toBe('dynamic');
  });
});

describe('options', () => {
  it('names the bad field and defaults the brokers to the region’s', () => {
    const parsed = SentinelOptionsSchema.safeParse({
      type: 'sentinel',
      topic: 't',
      groupId: 'g',
      username: 'u',
      password: 'p',
      brokers: 'casnb-0.citrix.com',
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['brokers', 0]);
    const region = SentinelOptionsSchema.parse({
      type: 'sentinel',
      topic: 't',
      groupId: 'g',
      username: 'u',
      password: 'p',
      region: 'eu',
    });
    expect(region.brokers).toBeUndefined();
    expect(region.verifyHostname).toBe(true);
  });
});

describe('the compiled field checks', () => {
  // What JSON gives a field: each kind of value, at the edges the models care about.
  const samples: unknown[] = [
    'text',
    '',
    '55',
    '2026-11-01T00:00:00Z',
    'not a time',
    0,
    -7,
    3.5,
    2 ** 53,
    2 ** 53 - 1,
    1_730_419_200_000,
    true,
    false,
    [],
    [1],
    {},
    { happen: 'x' },
  ];

  it('accept exactly what the stream schemas accept, for every declared field', () => {
    let compared = 0;
    for (const name of EVENT_STREAM_NAMES) {
      const walk = (checks: ReturnType<typeof checksOf>) => {
        for (const check of checks) {
          if (check.nested) walk(check.nested);
          for (const value of samples) {
            expect(
              { field: check.field, value, accepts: check.accepts(value) },
              `${name}.${check.field} ← ${JSON.stringify(value)}`,
            ).toEqual({ field: check.field, value, accepts: check.declared.safeParse(value).success });
            compared++;
          }
        }
      };
      walk(checksOf(EVENT_STREAMS[name].schema));
    }
    // Every stream's fields were compared, the nested occurrence_details among them.
    expect(compared).toBeGreaterThan(EVENT_STREAM_NAMES.length * 6 * samples.length);
  });
});
