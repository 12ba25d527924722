import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { type JsonRecord, SinkError, silentLogger, systemClock } from '@ctxsiem/core';
import { sampleBatch, testSink } from '@ctxsiem/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIB, s3Sink } from '../../src/index.ts';
import {
  type MinioFixture,
  multipartParts,
  SERVER_HOOK_TIMEOUT_MS,
  startMinioFixture,
} from '../support/minio.ts';

const deps = { logger: silentLogger(), clock: systemClock };

let fixture: MinioFixture;
beforeAll(async () => {
  fixture = await startMinioFixture();
}, SERVER_HOOK_TIMEOUT_MS);
afterAll(async () => {
  await fixture?.stop();
});

for (const gzip of [false, true]) {
  testSink({
    name: `s3 on MinIO${gzip ? ' (gzip)' : ''}`,
    async create() {
      const bucket = await fixture.newBucket();
      return {
        sink: s3Sink(fixture.sinkConfig(bucket, { prefix: 'citrix_monitor', gzip }), deps),
        inspect: fixture.inspector(bucket),
      };
    },
    additionalTests(harness) {
      it(`stores ${gzip ? 'gzip' : 'plain'} NDJSON with the right key suffix and headers`, async () => {
        const receipt = await harness().sink.write(sampleBatch({ seq: 42 }));
        const [, bucket, key] = /^s3:\/\/([^/]+)\/(.+)$/.exec(receipt.location) ?? [];
        expect(key).toBe(
          `citrix_monitor/Sessions/year=2024/month=08/day=06/hour=07/part-20240806T070000Z-00042.ndjson${gzip ? '.gz' : ''}`,
        );
        const head = await fixture.admin.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        expect(head.ContentType).toBe('application/x-ndjson');
        expect(head.ContentEncoding).toBe(gzip ? 'gzip' : undefined);
        const { body } = await fixture.object(bucket!, key!);
        expect(body.length).toBe(receipt.bytes);
        expect(body[0] === 0x1f && body[1] === 0x8b).toBe(gzip);
      });
    },
  });
}

/** A record of about `size` bytes of NDJSON; the padding string is shared, so memory stays small. */
const PAD = 'x'.repeat(1000);
const bigRecord = (i: number): JsonRecord => ({ id: `r-${i}`, n: i, pad: PAD });

describe('s3 sink upload paths', () => {
  it('streams a ~50 MB batch through a multipart upload (ETag "…-N", N ≥ 2) that reads back whole', async () => {
    const bucket = await fixture.newBucket();
    const sink = s3Sink(fixture.sinkConfig(bucket), deps);
    const count = 50_000;
    const records = Array.from({ length: count }, (_, i) => bigRecord(i));
    const receipt = await sink.write(sampleBatch({ records }));
    expect(receipt.upload).toBe('multipart');
    expect(receipt.parts).toBeGreaterThanOrEqual(2);
    expect(receipt.bytes).toBeGreaterThan(50_000_000);

    const [key] = await fixture.keys(bucket);
    const head = await fixture.admin.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(multipartParts(head.ETag ?? '')).toBeGreaterThanOrEqual(2);
    expect(head.ContentLength).toBe(receipt.bytes);
    const stored = await fixture.records(bucket, key!);
    expect(stored).toHaveLength(count);
    expect(stored[0]).toEqual(records[0]);
    expect(stored[count - 1]).toEqual(records[count - 1]);
    expect(stored.every((record, i) => record.id === `r-${i}`)).toBe(true);
    await sink.close();
  });

  it('keeps small batches in a single PutObject', async () => {
    const bucket = await fixture.newBucket();
    const sink = s3Sink(fixture.sinkConfig(bucket), deps);
    const receipt = await sink.write(sampleBatch());
    expect(receipt).toMatchObject({ upload: 'single', parts: 1 });
    const [key] = await fixture.keys(bucket);
    expect(multipartParts((await fixture.object(bucket, key!)).etag)).toBeUndefined();
    await sink.close();
  });

  it('streams gzip bodies above the threshold and they decode to the same records', async () => {
    const bucket = await fixture.newBucket();
    const sink = s3Sink(fixture.sinkConfig(bucket, { gzip: true, multipartThresholdBytes: 1024 }), deps);
    const batch = sampleBatch();
    const receipt = await sink.write(batch);
    expect(receipt.upload).toBe('multipart');
    const [key] = await fixture.keys(bucket);
    expect(key).toMatch(/\.ndjson\.gz$/);
    expect((await fixture.object(bucket, key!)).body.length).toBe(receipt.bytes);
    expect(await fixture.records(bucket, key!)).toEqual(batch.records);
    await sink.close();
  });

  it('overwrites a retried multipart batch in place', async () => {
    const bucket = await fixture.newBucket();
    const sink = s3Sink(
      fixture.sinkConfig(bucket, { multipartThresholdBytes: 1024, partSizeBytes: 5 * MIB }),
      deps,
    );
    const batch = sampleBatch({ records: Array.from({ length: 6000 }, (_, i) => bigRecord(i)) });
    const first = await sink.write(batch);
    const second = await sink.write(batch);
    expect(second.location).toBe(first.location);
    expect(first.parts).toBeGreaterThanOrEqual(2);
    expect(await fixture.keys(bucket)).toHaveLength(1);
    expect(await fixture.records(bucket, (await fixture.keys(bucket))[0]!)).toHaveLength(6000);
    await sink.close();
  });
});

describe('s3 sink check()', () => {
  it('writes and deletes a probe object under the prefix on a good bucket', async () => {
    const bucket = await fixture.newBucket();
    const sink = s3Sink(fixture.sinkConfig(bucket, { prefix: 'citrix_monitor' }), deps);
    const detail = await sink.check();
    expect(detail).toMatch(
      new RegExp(`^wrote and deleted s3://${bucket}/citrix_monitor/_ctxsiem-probe-[0-9a-f]+\\.json`),
    );
    expect(await fixture.keys(bucket)).toEqual([]);
    await sink.close();
  });

  it('fails clearly on a missing bucket', async () => {
    const sink = s3Sink(fixture.sinkConfig('no-such-bucket-here'), deps);
    const failure = sink.check();
    await expect(failure).rejects.toBeInstanceOf(SinkError);
    await expect(failure).rejects.toThrow(
      /S3 bucket "no-such-bucket-here" does not exist \(NoSuchBucket, HTTP 404\)/,
    );
    await sink.close();
  });
});
