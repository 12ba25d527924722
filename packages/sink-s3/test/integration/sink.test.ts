import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { digestOf, PartExistsError, SinkError } from '@ctxsiem/core';
import { paddedRecords, partName, sampleBatch, testObjectSink, useServer } from '@ctxsiem/test-kit';
import { describe, expect, it } from 'vitest';
import { MIB, s3Sink } from '../../src/index.ts';
import { deps, startMinioFixture } from '../support/minio.ts';

const fixture = useServer(startMinioFixture);

const sha256 = (data: Buffer) => digestOf(data).sha256;
const keyOf = (location: string) => /^s3:\/\/[^/]+\/(.+)$/.exec(location)?.[1] ?? '';

testObjectSink({ name: 's3 on MinIO', fixture });

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
    const bucket = await fixture().versionedBucket();
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
    expect(await fixture().creations(bucket)).toEqual({ [key]: 2 });
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
        records: paddedRecords(6000),
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
