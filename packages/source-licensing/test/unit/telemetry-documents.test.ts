/** One document's records by its kind: the JSON layouts, NDJSON with a broken line, XML, other files. */
import { describe, expect, it } from 'vitest';
import { documentKind, readTelemetryDocument } from '../../src/telemetry-documents.ts';

const event = (id: string, st = '2026-03-14T08:00:00Z') => ({
  ver: '1.0',
  id,
  type: 'admin',
  st,
  prod: 'AccessSecurity.OnPrem',
  prodVer: '1.0',
  payload: { actualtemplatecode: '1.0', adminLoginType: 'fulladmin', clientType: 'browser' },
});
const read = (name: string, content: unknown) =>
  readTelemetryDocument(name, Buffer.from(typeof content === 'string' ? content : JSON.stringify(content)));

describe('telemetry documents', () => {
  it('knows a document by its extension, and nothing else', () => {
    expect(['a.xml', 'b.JSON', 'c.ndjson', 'd.jsonl', 'e.txt', 'f'].map(documentKind)).toEqual([
      'upload',
      'events',
      'lines',
      'lines',
      undefined,
      undefined,
    ]);
  });

  it('reads events as an array, under "events", or one alone', () => {
    for (const content of [[event('1'), event('2')], { events: [event('1'), event('2')] }])
      expect(read('e.json', content).records.map((r) => r.eventId)).toEqual(['1', '2']);
    expect(read('e.json', event('7')).records.map((r) => r.kind)).toEqual(['spa.admin']);
  });

  it('rejects each invalid event with its index and field path, and keeps the rest', () => {
    const reading = read('e.json', [event('1'), event('2', 'yesterday'), event('3')]);
    expect(reading.records.map((r) => r.eventId)).toEqual(['1', '3']);
    expect(reading.rejected).toEqual([
      {
        record: { index: 1, event: event('2', 'yesterday') },
        reason: 'event 1: spa.admin: st: must be an ISO 8601 date-time',
      },
    ]);
  });

  it('reads NDJSON line by line, a broken line rejected with its number and text', () => {
    const reading = read(
      'e.ndjson',
      `${JSON.stringify(event('1'))}\n{"ver":\n\n${JSON.stringify(event('2'))}\n`,
    );
    expect(reading.records.map((r) => r.eventId)).toEqual(['1', '2']);
    expect(reading.rejected).toHaveLength(1);
    expect(reading.rejected[0]!.record).toEqual({ line: 2, text: '{"ver":' });
    expect(reading.rejected[0]!.reason).toMatch(/^line 2: not JSON: /);
  });

  it('rejects a whole document that is not what its name says', () => {
    expect(read('e.json', '[{"id":').rejected[0]!.reason).toMatch(/^not JSON: /);
    expect(read('u.xml', '<Upload><Metadata>').rejected[0]!.reason).toMatch(/not well-formed XML|Metadata/);
  });
});
