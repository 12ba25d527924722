import { createHash } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { type JsonRecord, PartExistsError, SinkError, silentLogger, systemClock } from '@ctxsiem/core';
import { partName, sampleBatch, testSink, useServer } from '@ctxsiem/test-kit';
import { describe, expect, it } from 'vitest';
import { MIB, s3Sink } from '../../src/index.ts';
import { multipartParts, startMinioFixture } from '../support/minio.ts';

const deps = { logger: silentLogger(), clock: systemClock };

const fixture = useServer(startMinioFixture);

/**
 * A bucket with versioning on: every PutObject / CompleteMultipartUpload that lands makes a version,
 * so counting versions counts object creations, and the version id changes on any rewrite.
 */
async function versionedBucket(): Promise<string> {
  const bucket = await fixture().newBucket();
  await fixture().admin.send(
    new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
  );
  return bucket;
}

/** How many times each key was created (versions, delete markers left out). */
async function creations(bucket: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  do {
    const page = await fixture().admin.send(
      new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker: keyMarker, VersionIdMarker: versionMarker }),
    );
    for (const version of page.Versions ?? []) counts[version.Key!] = (counts[version.Key!] ?? 0) + 1;
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    versionMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (keyMarker);
  return counts;
}

/** The version id and ETag of the current object: a rewrite, even with the same bytes, changes the id. */
async function objectVersion(bucket: string, key: string): Promise<string> {
  const head = await fixture().admin.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  return `${head.VersionId}:${head.ETag}`;
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const keyOf = (location: string) => /^s3:\/\/[^/]+\/(.+)$/.exec(location)?.[1] ?? '';

for (const gzip of [false, true]) {
  let bucket = '';
  testSink({
    name: `s3 on MinIO${gzip ? ' (gzip)' : ''}`,
    async create() {
      bucket = await versionedBucket();
      return {
        sink: s3Sink(fixture().sinkConfig(bucket, { prefix: 'citrix_monitor', gzip }), deps),
        inspect: { ...fixture().inspector(bucket), stat: (key) => objectVersion(bucket, key) },
      };
    },
    additionalTests(harness) {
      it(`stores ${gzip ? 'gzip' : 'plain'} NDJSON with the right key suffix, headers and sha256 metadata`, async () => {
        const receipt = await harness().sink.write(sampleBatch({ seq: 42 }));
        const [, bucket, key] = /^s3:\/\/([^/]+)\/(.+)$/.exec(receipt.location) ?? [];
        expect(key).toBe(
          `citrix_monitor/Sessions/year=2024/month=08/day=06/hour=07/part-20240806T070000.000Z-00042-monitor-acme.ndjson${gzip ? '.gz' : ''}`,
        );
        const head = await fixture().admin.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        expect(head.ContentType).toBe('application/x-ndjson');
        expect(head.ContentEncoding).toBe(gzip ? 'gzip' : undefined);
        const { body } = await fixture().object(bucket!, key!);
        expect(body.length).toBe(receipt.bytes);
        expect(body[0] === 0x1f && body[1] === 0x8b).toBe(gzip);
        expect(receipt.sha256).toBe(sha256(body));
        expect(head.Metadata).toEqual({ 'ctxsiem-sha256': receipt.sha256 });
      });

      it('created every object exactly once, whatever was retried or refused', async () => {
        const counts = await creations(bucket);
        expect(Object.keys(counts).length).toBeGreaterThan(5);
        expect(Object.entries(counts).filter(([, n]) => n !== 1)).toEqual([]);
      });
    },
  });
}

/** A record of about `size` bytes of NDJSON; the padding string is shared, so memory stays small. */
const PAD = 'x'.repeat(1000);
const bigRecord = (i: number): JsonRecord => ({ id: `r-${i}`, n: i, pad: PAD });

describe('s3 sink upload paths', () => {
  it('streams a ~50 MB batch through a multipart upload (ETag "…-N", N ≥ 2) that reads back whole', async () => {
    const bucket = await fixture().newBucket();
    const sink = s3Sink(fixture().sinkConfig(bucket), deps);
    const count = 50_000;
    const records = Array.from({ length: count }, (_, i) => bigRecord(i));
    const receipt = await sink.write(sampleBatch({ records }));
    expect(receipt.upload).toBe('multipart');
    expect(receipt.parts).toBeGreaterThanOrEqual(2);
    expect(receipt.bytes).toBeGreaterThan(50_000_000);

    const [key] = await fixture().keys(bucket);
    const head = await fixture().admin.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(multipartParts(head.ETag ?? '')).toBeGreaterThanOrEqual(2);
    expect(head.ContentLength).toBe(receipt.bytes);
    const stored = await fixture().records(bucket, key!);
    expect(stored).toHaveLength(count);
    expect(stored[0]).toEqual(records[0]);
    expect(stored[count - 1]).toEqual(records[count - 1]);
    expect(stored.every((record, i) => record.id === `r-${i}`)).toBe(true);
    await sink.close();
  });

  it('keeps small batches in a single PutObject', async () => {
    const bucket = await fixture().newBucket();
    const sink = s3Sink(fixture().sinkConfig(bucket), deps);
    const receipt = await sink.write(sampleBatch());
    expect(receipt).toMatchObject({ upload: 'single', parts: 1 });
    const [key] = await fixture().keys(bucket);
    expect(multipartParts((await fixture().object(bucket, key!)).etag)).toBeUndefined();
    await sink.close();
  });

  it('streams gzip bodies above the threshold and they decode to the same records', async () => {
    const bucket = await fixture().newBucket();
    const sink = s3Sink(fixture().sinkConfig(bucket, { gzip: true, multipartThresholdBytes: 1024 }), deps);
    const batch = sampleBatch();
    const receipt = await sink.write(batch);
    expect(receipt.upload).toBe('multipart');
    const [key] = await fixture().keys(bucket);
    expect(key).toMatch(/\.ndjson\.gz$/);
    expect((await fixture().object(bucket, key!)).body.length).toBe(receipt.bytes);
    expect(await fixture().records(bucket, key!)).toEqual(batch.records);
    await sink.close();
  });

  it('acknowledges a retried multipart batch without uploading it again', async () => {
    const bucket = await versionedBucket();
    const sink = s3Sink(
      fixture().sinkConfig(bucket, { multipartThresholdBytes: 1024, partSizeBytes: 5 * MIB }),
      deps,
    );
    const batch = sampleBatch({ records: Array.from({ length: 6000 }, (_, i) => bigRecord(i)) });
    const first = await sink.write(batch);
    const second = await sink.write(batch);
    expect(first).toMatchObject({ created: true, upload: 'multipart' });
    expect(first.parts).toBeGreaterThanOrEqual(2);
    expect(second).toMatchObject({
      created: false,
      upload: 'multipart',
      parts: 0,
      location: first.location,
      sha256: first.sha256,
      bytes: first.bytes,
    });
    const [key] = await fixture().keys(bucket);
    expect(await creations(bucket)).toEqual({ [key!]: 1 });
    expect(first.sha256).toBe(sha256((await fixture().object(bucket, key!)).body));
    expect(
      (
        await fixture()
          .admin.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
          .then((h) => h.Metadata)
      )?.['ctxsiem-sha256'],
    ).toBe(first.sha256);
    await expect(
      sink.write(sampleBatch({ records: Array.from({ length: 6001 }, (_, i) => bigRecord(i)) })),
    ).rejects.toBeInstanceOf(PartExistsError);
    expect(await creations(bucket)).toEqual({ [key!]: 1 });
    await sink.close();
  });

  it('lets one of two concurrent multipart writers of a part create it: the other meets 412 on CompleteMultipartUpload', async () => {
    const bucket = await versionedBucket();
    const config = fixture().sinkConfig(bucket, { multipartThresholdBytes: 1024, partSizeBytes: 5 * MIB });
    const sinks = [s3Sink(config, deps), s3Sink(config, deps)];
    const batch = sampleBatch({ records: Array.from({ length: 12_000 }, (_, i) => bigRecord(i)) });
    // Both look before uploading and find nothing; the conditional completion decides.
    const receipts = await Promise.all(sinks.map((sink) => sink.write(batch)));
    expect(receipts.map((r) => r.created).sort()).toEqual([false, true]);
    expect(receipts.every((r) => r.sha256 === receipts[0]!.sha256 && r.upload === 'multipart')).toBe(true);
    expect(Object.values(await creations(bucket))).toEqual([1]);
    // The loser's upload was aborted: no parts are left behind.
    const uploads = await fixture().admin.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    expect(uploads.Uploads ?? []).toEqual([]);

    const other = sampleBatch({ records: Array.from({ length: 12_000 }, (_, i) => bigRecord(i + 1)) });
    const bucket2 = await versionedBucket();
    const config2 = fixture().sinkConfig(bucket2, { multipartThresholdBytes: 1024, partSizeBytes: 5 * MIB });
    const outcomes = await Promise.allSettled([batch, other].map((b) => s3Sink(config2, deps).write(b)));
    const refused = outcomes.filter((o) => o.status === 'rejected');
    expect(refused).toHaveLength(1);
    expect((refused[0] as PromiseRejectedResult).reason).toBeInstanceOf(PartExistsError);
    const [key] = await fixture().keys(bucket2);
    const winner = outcomes.findIndex((o) => o.status === 'fulfilled');
    expect((await fixture().records(bucket2, key!))[0]).toEqual([batch, other][winner]!.records[0]);
    expect(Object.values(await creations(bucket2))).toEqual([1]);
    for (const sink of sinks) await sink.close();
  });
});

describe('MinIO honours create-only conditions (If-None-Match: *)', () => {
  it('refuses PutObject with If-None-Match: * on an existing key (412) and keeps the first object', async () => {
    const bucket = await fixture().newBucket();
    const put = (body: string) =>
      fixture().admin.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: body, IfNoneMatch: '*' }));
    await put('first');
    await expect(put('second')).rejects.toMatchObject({
      name: 'PreconditionFailed',
      $metadata: { httpStatusCode: 412 },
    });
    expect((await fixture().object(bucket, 'k')).body.toString()).toBe('first');
  });

  it('refuses CompleteMultipartUpload with If-None-Match: * on an existing key (412)', async () => {
    const bucket = await fixture().newBucket();
    await fixture().put(bucket, 'k', 'first');
    const { UploadId } = await fixture().admin.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'k' }),
    );
    const parts = [];
    for (const [n, body] of [Buffer.alloc(5 * MIB, 120), Buffer.from('tail')].entries()) {
      const part = await fixture().admin.send(
        new UploadPartCommand({ Bucket: bucket, Key: 'k', UploadId, PartNumber: n + 1, Body: body }),
      );
      parts.push({ PartNumber: n + 1, ETag: part.ETag });
    }
    await expect(
      fixture().admin.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: 'k',
          UploadId,
          IfNoneMatch: '*',
          MultipartUpload: { Parts: parts },
        }),
      ),
    ).rejects.toMatchObject({ name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } });
    expect((await fixture().object(bucket, 'k')).body.toString()).toBe('first');
  });

  it('so the sink never replaces an object it did not write, in an unversioned bucket too', async () => {
    const bucket = await fixture().newBucket();
    const sink = s3Sink(fixture().sinkConfig(bucket), deps);
    const batch = sampleBatch();
    const key = keyOf((await sink.write(batch)).location);
    await fixture().admin.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: '{"other":1}\n' }));
    const before = await fixture().object(bucket, key);
    const error = await sink.write(batch).then(
      () => undefined,
      (e: unknown) => e,
    );
    // No ctxsiem-sha256 metadata on that object: the sink downloaded and hashed it.
    expect(error).toBeInstanceOf(PartExistsError);
    expect((error as PartExistsError).message).toContain(`stored sha256 ${sha256(before.body)}`);
    expect(await fixture().object(bucket, key)).toEqual(before);
    await sink.close();
  });

  it('acknowledges a part stored without metadata when its bytes are the same', async () => {
    const bucket = await versionedBucket();
    const sink = s3Sink(fixture().sinkConfig(bucket, { gzip: true }), deps);
    const batch = sampleBatch();
    const key = keyOf((await sink.write(batch)).location);
    const body = (await fixture().object(bucket, key)).body;
    // Same records, recompressed (another zlib would do that), no metadata: the same part all the same.
    const { gunzipSync, gzipSync } = await import('node:zlib');
    const other = gzipSync(gunzipSync(body), { level: 1 });
    await fixture().admin.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: other }));
    const receipt = await sink.write(batch);
    expect(receipt).toMatchObject({ created: false, sha256: sha256(other), bytes: other.length });
    expect(await creations(bucket)).toEqual({ [key]: 2 });
    await sink.close();
  });
});

describe('s3 sink readPart()', () => {
  it('reads plain and gzip parts, single and multipart', async () => {
    const bucket = await fixture().newBucket();
    for (const gzip of [false, true]) {
      const sink = s3Sink(fixture().sinkConfig(bucket, { gzip, multipartThresholdBytes: 1024 }), deps);
      const batch = sampleBatch({
        seq: gzip ? 1 : 0,
        records: Array.from({ length: 6000 }, (_, i) => bigRecord(i)),
      });
      expect((await sink.write(batch)).upload).toBe('multipart');
      expect(await sink.readPart(partName(batch))).toEqual(batch.records);
      await sink.close();
    }
  });

  it('reports an object that is not NDJSON as a SinkError', async () => {
    const bucket = await fixture().newBucket();
    const sink = s3Sink(fixture().sinkConfig(bucket), deps);
    const batch = sampleBatch();
    const key = keyOf((await sink.write(batch)).location);
    await fixture().put(bucket, key, 'not json');
    await expect(sink.readPart(partName(batch))).rejects.toThrow(
      new RegExp(`the part s3://${bucket}/${key.replaceAll('.', '\\.')} is not NDJSON`),
    );
    await sink.close();
  });
});

describe('s3 sink check()', () => {
  it('writes and deletes a probe object under the prefix on a good bucket', async () => {
    const bucket = await fixture().newBucket();
    const sink = s3Sink(fixture().sinkConfig(bucket, { prefix: 'citrix_monitor' }), deps);
    const detail = await sink.check();
    expect(detail).toMatch(
      new RegExp(
        `^wrote \\(a second create-only write refused\\), read back and deleted s3://${bucket}/citrix_monitor/_ctxsiem-probe-[0-9a-f]+\\.json`,
      ),
    );
    expect(await fixture().keys(bucket)).toEqual([]);
    await sink.close();
  });

  it('fails clearly on a missing bucket', async () => {
    const sink = s3Sink(fixture().sinkConfig('no-such-bucket-here'), deps);
    const failure = sink.check();
    await expect(failure).rejects.toBeInstanceOf(SinkError);
    await expect(failure).rejects.toThrow(
      /S3 bucket "no-such-bucket-here" does not exist \(NoSuchBucket, HTTP 404\)/,
    );
    await sink.close();
  });
});
