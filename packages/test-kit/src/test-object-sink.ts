/**
 * The conformance suite of an object sink (S3, GCS: core's `objectSink` over a driver) on a real
 * server, plain and gzip: `testSink` on a bucket with versioning on — so counting versions counts
 * object creations and a rewrite, even of the same bytes, shows — then what lies in the bucket, read
 * independently of the sink: the part's name and suffix, its content type and encoding, its bytes
 * (gzip exactly when asked), their SHA-256 in the receipt and in the `ctxsiem-sha256` metadata, and
 * every object created exactly once whatever the suite retried or refused.
 */
import { digestOf, type JsonRecord, PartExistsError, type Receipt } from '@ctxsiem/core';
import { describe, expect, it } from 'vitest';
import type { ObjectBucketFixture } from './test-object-checkpoint-store.ts';
import type { ObjectStoreReader } from './test-object-store-runs.ts';
import { type SinkInspector, sampleBatch, testSink } from './test-sink.ts';

/** An object as stored: its bytes undecoded, its headers and custom metadata. */
export interface StoredObjectView {
  body: Buffer;
  contentType?: string | undefined;
  contentEncoding?: string | undefined;
  metadata?: Record<string, string> | undefined;
}

/** A bucket server whose buckets can keep every version, read without the sink. */
export interface VersionedBucketFixture {
  /** A fresh bucket with versioning on: every write that lands makes a version that stays listed. */
  versionedBucket(): Promise<string>;
  /** How many times each name was created (every version). */
  creations(bucket: string): Promise<Record<string, number>>;
  /** Changes whenever the object is written again, even with the same bytes. */
  objectVersion(bucket: string, name: string): Promise<string>;
  stored(bucket: string, name: string): Promise<StoredObjectView>;
  inspector(bucket: string): SinkInspector;
  reader(bucket: string): ObjectStoreReader;
}

const PAD = 'x'.repeat(1000);

/**
 * `count` records of about 1 KB of NDJSON each (ids `r-{from}`…): large batches without much memory,
 * the padding string being shared.
 */
export function paddedRecords(count: number, from = 0): JsonRecord[] {
  return Array.from({ length: count }, (_, i) => ({ id: `r-${i + from}`, n: i + from, pad: PAD }));
}

const PART =
  'citrix_monitor/Sessions/year=2024/month=08/day=06/hour=07/part-20240806T070000.000Z-00042-monitor-acme';
const sha256 = (data: Buffer) => digestOf(data).sha256;

export function testObjectSink(options: {
  name: string;
  fixture: () => ObjectBucketFixture<unknown, unknown>;
}): void {
  const { fixture } = options;
  const sinkOn = (bucket: string, layout: { prefix: string; gzip?: boolean; streamed?: boolean }) =>
    fixture().objectSink(bucket, layout);
  describe(`${options.name} upload paths`, () => {
    const bigRecord = (i: number) => paddedRecords(1, i)[0]!;

    it('streams a ~50 MB batch in pieces (multipart, resumable) that reads back whole', async () => {
      const bucket = await fixture().versionedBucket();
      const sink = sinkOn(bucket, { prefix: 'big', gzip: false });
      const count = 50_000;
      const records = Array.from({ length: count }, (_, i) => bigRecord(i));
      const receipt = (await sink.write(sampleBatch({ records }))) as Receipt & {
        upload?: string;
        parts?: number;
      };
      expect(receipt.upload).toBe(fixture().uploads.streamed);
      expect(receipt.bytes).toBeGreaterThan(50_000_000);
      if (receipt.parts !== undefined) expect(receipt.parts).toBeGreaterThanOrEqual(2);
      const [name] = await fixture().reader(bucket).listKeys();
      if (fixture().storedParts)
        expect(await fixture().storedParts!(bucket, name!)).toBeGreaterThanOrEqual(2);
      expect((await fixture().stored(bucket, name!)).body.length).toBe(receipt.bytes);
      const stored = await fixture().reader(bucket).read(name!);
      expect(stored).toHaveLength(count);
      expect(stored[0]).toEqual(records[0]);
      expect(stored[count - 1]).toEqual(records[count - 1]);
      expect(stored.every((record, i) => record.id === `r-${i}`)).toBe(true);
      await sink.close();
    });

    const manyRecords = (length: number, from = 0) =>
      sampleBatch({ records: Array.from({ length }, (_, i) => bigRecord(i + from)) });
    const streamedSink = (bucket: string, gzip = false) =>
      sinkOn(bucket, { prefix: '', gzip, streamed: true });
    type Streamed = Receipt & { upload?: string; parts?: number };

    it('streams gzip bodies above the threshold and they decode to the same records', async () => {
      const bucket = await fixture().versionedBucket();
      const sink = streamedSink(bucket, true);
      const batch = sampleBatch();
      const receipt = (await sink.write(batch)) as Streamed;
      expect(receipt.upload).toBe(fixture().uploads.streamed);
      const [name] = await fixture().reader(bucket).listKeys();
      expect(name).toMatch(/\.ndjson\.gz$/);
      const stored = await fixture().stored(bucket, name!);
      expect([stored.contentEncoding, stored.body.length]).toEqual(['gzip', receipt.bytes]);
      expect(await fixture().reader(bucket).read(name!)).toEqual(batch.records);
      await sink.close();
    });

    it('acknowledges a retried streamed batch without uploading it again', async () => {
      const bucket = await fixture().versionedBucket();
      const sink = streamedSink(bucket);
      const batch = manyRecords(6000);
      const first = (await sink.write(batch)) as Streamed;
      const name = first.location.slice(`${fixture().scheme}://${bucket}/`.length);
      const before = await fixture().objectVersion(bucket, name);
      const second = (await sink.write(batch)) as Streamed;
      expect(first).toMatchObject({ created: true, upload: fixture().uploads.streamed });
      if (first.parts !== undefined) expect(first.parts).toBeGreaterThanOrEqual(2);
      expect(second).toMatchObject({
        created: false,
        upload: fixture().uploads.streamed,
        location: first.location,
        sha256: first.sha256,
        bytes: first.bytes,
        ...(first.parts === undefined ? {} : { parts: 0 }),
      });
      expect(await fixture().objectVersion(bucket, name)).toBe(before);
      expect(await fixture().creations(bucket)).toEqual({ [name]: 1 });
      const stored = await fixture().stored(bucket, name);
      expect([sha256(stored.body), stored.metadata]).toEqual([
        first.sha256,
        { 'ctxsiem-sha256': first.sha256 },
      ]);
      await expect(sink.write(manyRecords(6001))).rejects.toBeInstanceOf(PartExistsError);
      expect(await fixture().creations(bucket)).toEqual({ [name]: 1 });
      expect(await fixture().reader(bucket).read(name)).toHaveLength(6000);
      await sink.close();
    });

    it('lets one of two concurrent streamed writers of a part create it: the other meets 412 on completion', async () => {
      const bucket = await fixture().versionedBucket();
      const sinks = [streamedSink(bucket), streamedSink(bucket)];
      const batch = manyRecords(12_000);
      // Both look before uploading and find nothing; the create-only completion decides.
      const receipts = (await Promise.all(sinks.map((sink) => sink.write(batch)))) as Streamed[];
      expect(receipts.map((r) => r.created).sort()).toEqual([false, true]);
      expect(receipts.every((r) => r.sha256 === receipts[0]!.sha256)).toBe(true);
      expect(receipts.every((r) => r.upload === fixture().uploads.streamed)).toBe(true);
      expect(Object.values(await fixture().creations(bucket))).toEqual([1]);
      // The loser's upload was aborted: nothing is left behind.
      if (fixture().unfinishedUploads) expect(await fixture().unfinishedUploads!(bucket)).toEqual([]);

      const other = manyRecords(12_000, 1);
      const bucket2 = await fixture().versionedBucket();
      const outcomes = await Promise.allSettled([batch, other].map((b) => streamedSink(bucket2).write(b)));
      const refused = outcomes.filter((o) => o.status === 'rejected');
      expect(refused).toHaveLength(1);
      expect((refused[0] as PromiseRejectedResult).reason).toBeInstanceOf(PartExistsError);
      const [name] = await fixture().reader(bucket2).listKeys();
      const winner = outcomes.findIndex((o) => o.status === 'fulfilled');
      expect((await fixture().reader(bucket2).read(name!))[0]).toEqual([batch, other][winner]!.records[0]);
      expect(Object.values(await fixture().creations(bucket2))).toEqual([1]);
      for (const sink of sinks) await sink.close();
    });

    it('keeps small batches in one request', async () => {
      const bucket = await fixture().versionedBucket();
      const receipt = (await sinkOn(bucket, { prefix: '' }).write(sampleBatch())) as Streamed;
      expect(receipt.upload).toBe(fixture().uploads.whole);
      if (receipt.parts !== undefined) expect(receipt.parts).toBe(1);
      const [name] = await fixture().reader(bucket).listKeys();
      if (fixture().storedParts) expect(await fixture().storedParts!(bucket, name!)).toBeUndefined();
    });
  });

  for (const gzip of [false, true]) {
    let bucket = '';
    testSink({
      name: `${options.name}${gzip ? ' (gzip)' : ''}`,
      // Every object sink stores NDJSON as it is: encoded parts come from the routing workers.
      storesEncodedParts: true,
      async create() {
        bucket = await fixture().versionedBucket();
        return {
          sink: sinkOn(bucket, { prefix: 'citrix_monitor', gzip }),
          inspect: { ...fixture().inspector(bucket), stat: (name) => fixture().objectVersion(bucket, name) },
        };
      },
      additionalTests(harness) {
        it(`stores ${gzip ? 'gzip' : 'plain'} NDJSON with the right name suffix, headers and sha256 metadata`, async () => {
          const receipt = await harness().sink.write(sampleBatch({ seq: 42 }));
          const name = `${PART}.ndjson${gzip ? '.gz' : ''}`;
          expect(receipt.location).toBe(`${fixture().scheme}://${bucket}/${name}`);
          const stored = await fixture().stored(bucket, name);
          expect(stored.contentType).toBe('application/x-ndjson');
          expect(stored.contentEncoding).toBe(gzip ? 'gzip' : undefined);
          expect(stored.body.length).toBe(receipt.bytes);
          expect(stored.body[0] === 0x1f && stored.body[1] === 0x8b).toBe(gzip);
          expect(receipt.sha256).toBe(sha256(stored.body));
          expect(stored.metadata).toEqual({ 'ctxsiem-sha256': receipt.sha256 });
        });

        it('created every object exactly once, whatever was retried or refused', async () => {
          const counts = await fixture().creations(bucket);
          expect(Object.keys(counts).length).toBeGreaterThan(5);
          expect(Object.entries(counts).filter(([, n]) => n !== 1)).toEqual([]);
        });
      },
    });
  }
}
