import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { batchKey, decodeNdjson, encodeNdjson } from '../src/index.ts';

const batch = {
  tenant: 'acme',
  source: 'monitor',
  stream: 'Sessions',
  window: { from: new Date('2024-08-06T07:30:00Z'), to: new Date('2024-08-06T08:00:00Z') },
  seq: 12,
  kind: 'records' as const,
  records: [{ a: 1 }, { b: 'two' }],
};

describe('object layout', () => {
  it('follows the seeds layout with a deterministic part name', () => {
    expect(batchKey(batch, { prefix: '/citrix_monitor/' })).toBe(
      'citrix_monitor/Sessions/year=2024/month=08/day=06/hour=07/part-20240806T073000.000Z-00012-monitor-acme.ndjson',
    );
  });

  it('names windows to the millisecond and never gives two tenants or sources one key', () => {
    const at = (iso: string) => ({ ...batch, window: { from: new Date(iso), to: batch.window.to } });
    expect(batchKey(at('2024-08-06T07:30:00.400Z'))).not.toBe(batchKey(at('2024-08-06T07:30:00.000Z')));
    const keys = new Set(
      ['acme', 'acme-2'].flatMap((tenant) =>
        [
          ['monitor', 'Sessions'],
          ['analytics', 'sessions'],
        ].map(([source = '', stream = '']) =>
          batchKey({ ...batch, tenant, source, stream }, { prefix: 'shared' }).toLowerCase(),
        ),
      ),
    );
    expect(keys.size).toBe(4);
  });

  it('refuses names that could escape their folder', () => {
    expect(() => batchKey({ ...batch, stream: '../x' })).toThrow(/stream name/);
    expect(() => batchKey({ ...batch, tenant: 'a/b' })).toThrow(/tenant name/);
    expect(() => batchKey({ ...batch, source: 'Mon-itor' })).toThrow(/source name/);
  });

  it('substitutes the tenant, adds .gz and files dead letters apart', () => {
    expect(batchKey({ ...batch, kind: 'deadletter' }, { prefix: 'x/{tenant}', gzip: true })).toBe(
      'x/acme/_deadletter/Sessions/year=2024/month=08/day=06/hour=07/part-20240806T073000.000Z-00012-monitor-acme.ndjson.gz',
    );
  });

  it('encodes NDJSON that round-trips, gzipped or not', () => {
    expect(decodeNdjson(encodeNdjson(batch.records).toString())).toEqual(batch.records);
    expect(decodeNdjson(gunzipSync(encodeNdjson(batch.records, true)).toString())).toEqual(batch.records);
  });
});
