import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  batchKey,
  deadLetterListing,
  decodeNdjson,
  encodeNdjson,
  type LayoutOptions,
  partNumber,
} from '../src/index.ts';

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

  it('names a replayed part beside the data, apart from the part it replays', () => {
    const deadLetter = { ...batch, kind: 'deadletter' as const };
    const replayed = batchKey({ ...batch, replay: 2 }, { prefix: 'feed' });
    expect(replayed).toBe(
      'feed/Sessions/year=2024/month=08/day=06/hour=07/part-20240806T073000.000Z-00012-monitor-acme-replay2.ndjson',
    );
    expect(replayed).not.toBe(batchKey(batch, { prefix: 'feed' }));
    expect(replayed).not.toBe(batchKey(deadLetter, { prefix: 'feed' }));
  });

  it.each<[string, LayoutOptions, string]>([
    ['no prefix', {}, '_deadletter/'],
    ['a prefix, gzipped', { prefix: '/feed/', gzip: true }, 'feed/_deadletter/'],
    ['a tenant folder', { prefix: 'feed/{tenant}' }, 'feed/'],
    [
      'a dead-letter prefix of its own',
      { prefix: 'feed', deadLetterPrefix: '_ctxsiem/feed/deadletter' },
      '_ctxsiem/feed/deadletter/',
    ],
    ['a tenant inside a folder name', { deadLetterPrefix: 'dl-{tenant}/x' }, 'dl-'],
  ])('finds the dead-letter parts it names back by listing, with %s', (_label, options, prefix) => {
    const listing = deadLetterListing(options);
    expect(listing.prefix).toBe(prefix);
    for (const tenant of ['acme', 'acme-2.eu', 'a_b'])
      for (const source of ['monitor', 'analytics']) {
        const name = {
          ...batch,
          tenant,
          source,
          kind: 'deadletter' as const,
          window: { from: batch.window.from },
        };
        const { records: _records, ...expected } = name;
        const key = batchKey(name, options);
        expect(key.startsWith(prefix)).toBe(true);
        expect(listing.parse(key)).toEqual(expected);
        // Not dead letters: the data part and a replayed part, whatever folder they are in.
        expect(listing.parse(batchKey({ ...name, kind: 'records' }, options))).toBeUndefined();
        expect(listing.parse(batchKey({ ...name, kind: 'records', replay: 0 }, options))).toBeUndefined();
      }
  });

  it('names a part of a partitioned log by partition and first offset, and lists it back', () => {
    const part = {
      tenant: 'acme',
      source: 'sentinel',
      stream: 'riskScoreChange',
      window: { from: new Date('2026-11-01T10:15:00.250Z') },
      seq: 1234,
      partition: 2,
    };
    expect(partNumber(part)).toBe('p2-01234');
    expect(partNumber({ seq: 7 })).toBe('00007');
    const key = batchKey({ ...part, kind: 'records' }, { prefix: 'risk' });
    expect(key).toBe(
      'risk/riskScoreChange/year=2026/month=11/day=01/hour=10/part-20261101T101500.250Z-p2-01234-sentinel-acme.ndjson',
    );
    // Another partition, or another first offset, is another object.
    expect(batchKey({ ...part, partition: 3, kind: 'records' })).not.toBe(
      batchKey({ ...part, kind: 'records' }),
    );
    expect(batchKey({ ...part, seq: 1235, kind: 'records' })).not.toBe(
      batchKey({ ...part, kind: 'records' }),
    );
    const listing = deadLetterListing({ prefix: 'risk' });
    expect(listing.parse(batchKey({ ...part, kind: 'deadletter' }, { prefix: 'risk' }))).toEqual({
      ...part,
      kind: 'deadletter',
    });
  });

  it('leaves out keys under the dead-letter folder that are not parts this layout names', () => {
    const options = { prefix: 'feed' };
    const listing = deadLetterListing(options);
    const key = batchKey({ ...batch, kind: 'deadletter' }, options);
    expect(listing.parse(key)).toBeDefined();
    for (const stray of [
      `${key}.tmp`,
      key.replace('.ndjson', '.ndjson.gz'),
      key.replace('hour=07', 'hour=08'),
      key.replace('20240806T073000.000Z', '20240806T073000.000'),
      key.replace('-monitor-', '-Monitor-'),
      'feed/_deadletter/README.md',
      key.replace('feed/_deadletter/', 'feed/_deadletter/x/'),
    ])
      expect(listing.parse(stray), stray).toBeUndefined();
  });

  it('encodes NDJSON that round-trips, gzipped or not', () => {
    expect(decodeNdjson(encodeNdjson(batch.records).toString())).toEqual(batch.records);
    expect(decodeNdjson(gunzipSync(encodeNdjson(batch.records, true)).toString())).toEqual(batch.records);
  });
});
