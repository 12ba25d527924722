/** Failures a user meets first: wrong credentials, a missing bucket, a denied write — clear, and safe. */
import { describeError, PartExistsError, SinkError, silentLogger } from '@ctxsiem/core';
import {
  expectFailedRunKeepsCheckpoint,
  partName,
  sampleBatch,
  startForwardingProxy,
} from '@ctxsiem/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3SinkConfigInput } from '../../src/config.ts';
import { s3CheckpointStore, s3Sink } from '../../src/index.ts';
import { type MinioFixture, SERVER_HOOK_TIMEOUT_MS, startMinioFixture } from '../support/minio.ts';

const deps = { logger: silentLogger(), clock: { now: Date.now } };
const WRONG_SECRET = 'definitely-not-the-secret-0123456789';

let fixture: MinioFixture;
let bucket = '';
beforeAll(async () => {
  fixture = await startMinioFixture();
  bucket = await fixture.newBucket();
}, SERVER_HOOK_TIMEOUT_MS);
afterAll(async () => {
  await fixture?.stop();
});

interface Case {
  name: string;
  config: () => Promise<S3SinkConfigInput>;
  message: RegExp;
  retryable: boolean;
}

const cases: Case[] = [
  {
    name: 'an unknown access key id',
    config: async () =>
      fixture.sinkConfig(bucket, {
        credentials: { accessKeyId: 'NOSUCHKEY', secretAccessKey: WRONG_SECRET },
      }),
    message:
      /S3 does not know the access key id \(InvalidAccessKeyId, HTTP 403\) while writing s3:\/\/ctxsiem-[^/]+\/citrix_monitor\/Sessions\/.*: check the credentials/,
    retryable: false,
  },
  {
    name: 'a wrong secret',
    config: async () =>
      fixture.sinkConfig(bucket, {
        credentials: { accessKeyId: fixture.minio.accessKeyId, secretAccessKey: WRONG_SECRET },
      }),
    message:
      /S3 rejected the request signature \(SignatureDoesNotMatch, HTTP 403\) .*the secret access key does not belong to the access key id/,
    retryable: false,
  },
  {
    name: 'a missing bucket',
    config: async () => fixture.sinkConfig('no-such-bucket-anywhere'),
    message:
      /S3 bucket "no-such-bucket-anywhere" does not exist \(NoSuchBucket, HTTP 404\) .*create it, or fix the bucket name/,
    retryable: false,
  },
  {
    name: 'credentials that may read but not write',
    config: async () =>
      fixture.sinkConfig(bucket, {
        credentials: await fixture.restrictedCredentials({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${bucket}/*`] },
            { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [`arn:aws:s3:::${bucket}`] },
          ],
        }),
      }),
    message:
      /access denied \(AccessDenied, HTTP 403\) while writing s3:\/\/ctxsiem-[^/]+\/citrix_monitor\/Sessions\/\S+ .*: the identity needs s3:PutObject on arn:aws:s3:::ctxsiem-[^/]+\/citrix_monitor\/\*;/,
    retryable: false,
  },
];

describe('s3 sink failures', () => {
  for (const c of cases) {
    describe(c.name, () => {
      it('fails write() with a clear, non-secret SinkError', async () => {
        const config = { ...(await c.config()), prefix: 'citrix_monitor' };
        const sink = s3Sink(config, deps);
        const error = await sink.write(sampleBatch()).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(SinkError);
        expect((error as SinkError).message).toMatch(c.message);
        expect((error as SinkError).retryable).toBe(c.retryable);
        const text = describeError(error);
        expect(text).not.toContain(WRONG_SECRET);
        expect(text).not.toContain(fixture.minio.secretAccessKey);
        if (config.credentials?.sessionToken) expect(text).not.toContain(config.credentials.sessionToken);
        await sink.close();
      });

      it('fails check() the same way', async () => {
        const sink = s3Sink({ ...(await c.config()), prefix: 'citrix_monitor' }, deps);
        await expect(sink.check()).rejects.toThrow(
          c.message.source.includes('NoSuchBucket') ? c.message : /HTTP 403/,
        );
        await sink.close();
      });

      it('leaves the checkpoint where it was when a run hits it', async () => {
        const checkpoints = s3CheckpointStore(fixture.storeConfig(await fixture.newBucket()));
        const sink = s3Sink({ ...(await c.config()), prefix: 'citrix_monitor' }, deps);
        await expectFailedRunKeepsCheckpoint({
          sink,
          checkpoints,
          error: c.message.source.includes('NoSuchBucket') ? c.message : /HTTP 403/,
        });
        await sink.close();
      });
    });
  }

  it('names the probe object and s3:DeleteObject when the probe cannot be removed', async () => {
    const credentials = await fixture.restrictedCredentials({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObject'], Resource: [`arn:aws:s3:::${bucket}/*`] },
      ],
    });
    const sink = s3Sink(fixture.sinkConfig(bucket, { prefix: 'probe-test', credentials }), deps);
    await expect(sink.check()).rejects.toThrow(
      /access denied \(AccessDenied, HTTP 403\) while deleting the probe object s3:\/\/\S+\/probe-test\/_ctxsiem-probe-[0-9a-f]+\.json .*needs s3:DeleteObject.*\(the probe object was left behind\)/,
    );
    await sink.close();
  });

  it('fails check() on a store that accepts a second create-only write (it ignores If-None-Match), and removes the probe', async () => {
    // A store in front of MinIO that answers a create-only PUT of a key it already holds with 200, as a
    // store ignoring If-None-Match does; everything else is MinIO's.
    const written = new Set<string>();
    const proxy = await startForwardingProxy(fixture.minio.endpoint, (req, res) => {
      const path = req.url ?? '/';
      if (req.method === 'PUT' && req.headers['if-none-match'] === '*' && written.has(path)) {
        req.resume();
        req.on('end', () => res.writeHead(200, { etag: '"ignored-condition"' }).end());
        return 'answered';
      }
      if (req.method === 'PUT') written.add(path);
      return path;
    });
    const sink = s3Sink(
      fixture.sinkConfig(bucket, { prefix: 'no-conditions', endpoint: proxy.endpoint }),
      deps,
    );
    try {
      const checked = sink.check();
      await expect(checked).rejects.toBeInstanceOf(SinkError);
      await expect(checked).rejects.toThrow(
        /a second create-only write \(If-None-Match: \*\) of an existing key was accepted: this store ignores conditional writes/,
      );
      expect(await fixture.keys(bucket, 'no-conditions/')).toEqual([]);
    } finally {
      await sink.close();
      await proxy.stop();
    }
  });

  describe('credentials that may write but not read', () => {
    const writeOnly = () =>
      fixture.restrictedCredentials({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['s3:PutObject', 's3:DeleteObject'],
            Resource: [`arn:aws:s3:::${bucket}/*`],
          },
        ],
      });

    it('fail check(), naming s3:GetObject, and remove the probe', async () => {
      const sink = s3Sink(
        fixture.sinkConfig(bucket, { prefix: 'write-only', credentials: await writeOnly() }),
        deps,
      );
      const error = await sink.check().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(SinkError);
      expect((error as Error).message).toMatch(
        /access denied \(AccessDenied, HTTP 403\) while reading the probe object back s3:\/\/\S+\/write-only\/_ctxsiem-probe-[0-9a-f]+\.json .*the identity needs s3:GetObject on arn:aws:s3:::ctxsiem-[^/]+\/write-only\/\*/,
      );
      expect((error as Error).message).not.toContain('left behind');
      expect(await fixture.keys(bucket, 'write-only/')).toEqual([]);
      await sink.close();
    });

    it('write new parts, but cannot compare a retried one or read parts back', async () => {
      const sink = s3Sink(
        fixture.sinkConfig(bucket, { prefix: 'write-only', credentials: await writeOnly() }),
        deps,
      );
      const batch = sampleBatch({ seq: 1 });
      expect((await sink.write(batch)).created).toBe(true);
      await expect(sink.write(batch)).rejects.toThrow(
        /access denied \(AccessDenied, HTTP 403\) while reading the existing part s3:\/\/\S+ .*the identity needs s3:GetObject/,
      );
      await expect(sink.readPart(partName(batch))).rejects.toThrow(
        /access denied \(AccessDenied, HTTP 403\) while reading the part s3:\/\/\S+ .*the identity needs s3:GetObject \(and s3:ListBucket, so that a missing part is a 404, not a 403\)/,
      );
      await sink.close();
    });
  });

  // AWS answers 403 for a missing key without s3:ListBucket (readPart then fails, naming it); MinIO
  // answers 404 all the same, so here s3:PutObject + s3:GetObject suffice.
  it('writes, compares and reads parts with s3:PutObject and s3:GetObject alone', async () => {
    const credentials = await fixture.restrictedCredentials({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObject'], Resource: [`arn:aws:s3:::${bucket}/*`] },
      ],
    });
    const sink = s3Sink(fixture.sinkConfig(bucket, { prefix: 'no-list', credentials }), deps);
    const batch = sampleBatch({ seq: 2 });
    expect(await sink.readPart(partName(batch))).toBeUndefined();
    expect((await sink.write(batch)).created).toBe(true);
    expect((await sink.write(batch)).created).toBe(false);
    await expect(sink.write(sampleBatch({ seq: 2, records: [] }))).rejects.toBeInstanceOf(PartExistsError);
    expect(await sink.readPart(partName(batch))).toEqual(batch.records);
    await sink.close();
  });

  it('sends the configured server-side encryption (MinIO without a KMS refuses it, clearly)', async () => {
    for (const encryption of [
      { serverSideEncryption: 'AES256' as const },
      { serverSideEncryption: 'aws:kms' as const, kmsKeyId: 'ctxsiem-key' },
    ]) {
      const sink = s3Sink(fixture.sinkConfig(bucket, encryption), deps);
      const message = new RegExp(
        `the S3 endpoint does not implement this request \\(NotImplemented, HTTP 501\\) .*serverSideEncryption is ${encryption.serverSideEncryption}: does this store support it\\?.*KMS is not configured`,
      );
      const error = await sink.write(sampleBatch()).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((error as SinkError).message).toMatch(message);
      expect((error as SinkError).retryable).toBe(false);
      await expect(sink.check()).rejects.toThrow(message);
      await sink.close();
    }
  });

  it('reports an unreachable endpoint as retryable', async () => {
    const sink = s3Sink(fixture.sinkConfig(bucket, { endpoint: 'http://127.0.0.1:9', maxAttempts: 1 }), deps);
    const error = await sink.write(sampleBatch()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SinkError);
    expect((error as SinkError).message).toMatch(
      /could not reach S3 \(ECONNREFUSED\) while writing s3:\/\/\S+ \(endpoint http:\/\/127\.0\.0\.1:9\)/,
    );
    expect((error as SinkError).retryable).toBe(true);
    await sink.close();
  });
});
