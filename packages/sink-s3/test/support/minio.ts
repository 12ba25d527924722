/**
 * A real MinIO for the S3 tests, plus readers that do not go through the sink: the AWS SDK's own
 * ListObjectsV2 / GetObject / HeadObject with the root credentials, and gzip decoded here.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  paginateListObjectsV2,
  S3Client,
} from '@aws-sdk/client-s3';
import { decodeNdjson, silentLogger, systemClock } from '@ctxsiem/core';
import { type RunningMinio, startMinio } from '@ctxsiem/local-services';
import { fileCheckpointStore, fileSink } from '@ctxsiem/sink-file';
import type { ObjectBucketFixture } from '@ctxsiem/test-kit';
import { s3CheckpointStore } from '../../src/checkpoint.ts';
import type { S3CheckpointConfigInput, S3SinkConfigInput } from '../../src/config.ts';
import { s3Sink } from '../../src/sink.ts';

/** What a sink under test is given: a silent logger, the system clock. */
export const deps = { logger: silentLogger(), clock: systemClock };

/** The file sink and store, whose output the object store's must equal under the runner. */
export const reference = { sink: fileSink, checkpoints: fileCheckpointStore };

/** Building MinIO on a fresh machine takes minutes: hooks that start it get this long. */
export const SERVER_HOOK_TIMEOUT_MS = 300_000;

/** Every batch above 1 KiB goes up in a multipart upload, in parts of S3's smallest size. */
const STREAMED = { multipartThresholdBytes: 1024, partSizeBytes: 5 * 1024 * 1024 };

/** MinIO, with readers that bypass the sink (versions are ETags). */
export interface MinioFixture extends ObjectBucketFixture<S3SinkConfigInput, S3CheckpointConfigInput> {
  minio: RunningMinio;
  /** A client with the root credentials, independent of the code under test. */
  admin: S3Client;
  /** Every key under `prefix` (full keys), sorted. */
  keys(bucket: string, prefix?: string): Promise<string[]>;
  /** The raw bytes and head of one object. */
  object(bucket: string, key: string): Promise<{ body: Buffer; etag: string; contentEncoding?: string }>;
  /** Temporary credentials limited by `policy` (MinIO's STS AssumeRole with a session policy). */
  restrictedCredentials(
    policy: object,
  ): Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken: string }>;
}

let buckets = 0;

export async function startMinioFixture(): Promise<MinioFixture> {
  const minio = await startMinio();
  // A fresh object each time: the SDK marks the credentials objects it is given.
  const credentials = () => ({ accessKeyId: minio.accessKeyId, secretAccessKey: minio.secretAccessKey });
  /** How the sink and the store under test reach MinIO: path-style, the root credentials, few retries. */
  const connection = () => ({
    endpoint: minio.endpoint,
    region: minio.region,
    forcePathStyle: true,
    credentials: credentials(),
    maxAttempts: 2,
  });
  const admin = new S3Client({
    endpoint: minio.endpoint,
    region: minio.region,
    forcePathStyle: true,
    credentials: credentials(),
  });

  const object = async (bucket: string, key: string) => {
    const response = await admin.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const body = Buffer.from((await response.Body?.transformToByteArray()) ?? []);
    return {
      body,
      etag: response.ETag ?? '',
      ...(response.ContentEncoding ? { contentEncoding: response.ContentEncoding } : {}),
    };
  };
  const records = async (bucket: string, key: string) => {
    const { body } = await object(bucket, key);
    const gzipped = body[0] === 0x1f && body[1] === 0x8b;
    return decodeNdjson((gzipped ? gunzipSync(body) : body).toString('utf8'));
  };
  const keys = async (bucket: string, prefix = '') => {
    const found: string[] = [];
    for await (const page of paginateListObjectsV2({ client: admin }, { Bucket: bucket, Prefix: prefix })) {
      for (const entry of page.Contents ?? []) if (entry.Key) found.push(entry.Key);
    }
    return found.sort();
  };

  return {
    minio,
    admin,
    async newBucket() {
      const name = `ctxsiem-${++buckets}-${randomBytes(3).toString('hex')}`;
      await admin.send(new CreateBucketCommand({ Bucket: name }));
      return name;
    },
    sinkConfig: (bucket, extra = {}) => ({ bucket, ...connection(), ...extra }),
    storeConfig: (bucket, extra = {}) => ({ bucket, ...connection(), ...extra }),
    scheme: 's3',
    uploads: { whole: 'single', streamed: 'multipart' },
    objectSink: (bucket, { streamed, ...layout }) =>
      s3Sink({ bucket, ...connection(), ...layout, ...(streamed ? STREAMED : {}) }, deps),
    storedParts: async (bucket, key) => multipartParts((await object(bucket, key)).etag),
    unfinishedUploads: async (bucket) =>
      (await admin.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? [],
    checkpointStore: (bucket, placement = {}) => s3CheckpointStore({ bucket, ...connection(), ...placement }),
    keys,
    records,
    object,
    async put(bucket, key, body) {
      await admin.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    inspector: (bucket) => ({ list: () => keys(bucket), read: (key) => records(bucket, key) }),
    /**
     * A bucket with versioning on: every PutObject / CompleteMultipartUpload that lands makes a version,
     * so counting versions counts object creations, and the version id changes on any rewrite.
     */
    async versionedBucket() {
      const bucket = `ctxsiem-v-${randomBytes(4).toString('hex')}`;
      await admin.send(new CreateBucketCommand({ Bucket: bucket }));
      const VersioningConfiguration = { Status: 'Enabled' as const };
      await admin.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration }));
      return bucket;
    },
    /** How many times each key was created (versions, delete markers left out). */
    async creations(bucket) {
      const counts: Record<string, number> = {};
      let KeyMarker: string | undefined;
      let VersionIdMarker: string | undefined;
      do {
        const page = await admin.send(
          new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker, VersionIdMarker }),
        );
        for (const version of page.Versions ?? []) counts[version.Key!] = (counts[version.Key!] ?? 0) + 1;
        KeyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
        VersionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
      } while (KeyMarker);
      return counts;
    },
    /** The version id and ETag of the current object: a rewrite, even with the same bytes, changes the id. */
    async objectVersion(bucket, key) {
      const head = await admin.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return `${head.VersionId}:${head.ETag}`;
    },
    async stored(bucket, key) {
      const head = await admin.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      const { body } = await object(bucket, key);
      return {
        body,
        contentType: head.ContentType,
        contentEncoding: head.ContentEncoding,
        metadata: head.Metadata,
      };
    },
    reader: (bucket) => ({
      listKeys: (prefix) => keys(bucket, prefix),
      read: (key) => records(bucket, key),
      text: async (key) => (await object(bucket, key)).body.toString('utf8'),
      version: async (key) => (await object(bucket, key)).etag,
    }),
    restrictedCredentials: (policy) => assumeRole(minio, policy),
    async stop() {
      admin.destroy();
      await minio.stop();
    },
  };
}

/** The object's ETag shape: `"<md5>"` for one PutObject, `"<md5>-<parts>"` for a multipart upload. */
export function multipartParts(etag: string): number | undefined {
  const match = /-(\d+)"?$/.exec(etag);
  return match ? Number(match[1]) : undefined;
}

const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();

/**
 * MinIO's STS AssumeRole, signed with SigV4 by hand (the test needs no STS client): temporary
 * credentials whose rights are the intersection of the root's and the session `policy`.
 */
async function assumeRole(
  minio: RunningMinio,
  policy: object,
): Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken: string }> {
  const url = new URL(minio.endpoint);
  const body = new URLSearchParams({
    Action: 'AssumeRole',
    Version: '2011-06-15',
    DurationSeconds: '3600',
    Policy: JSON.stringify(policy),
  }).toString();
  const amzDate = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
    host: url.host,
    'x-amz-content-sha256': sha256(body),
    'x-amz-date': amzDate,
  };
  const names = Object.keys(headers).sort();
  const canonical = [
    'POST',
    '/',
    '',
    names.map((name) => `${name}:${headers[name]}\n`).join(''),
    names.join(';'),
    sha256(body),
  ].join('\n');
  const scope = `${day}/${minio.region}/sts/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  let key = hmac(`AWS4${minio.secretAccessKey}`, day);
  for (const part of [minio.region, 'sts', 'aws4_request']) key = hmac(key, part);
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  const { host: _host, ...sent } = headers;
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      ...sent,
      authorization: `AWS4-HMAC-SHA256 Credential=${minio.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
    },
    body,
  });
  const xml = await response.text();
  const field = (name: string) => new RegExp(`<${name}>([^<]+)</${name}>`).exec(xml)?.[1];
  const accessKeyId = field('AccessKeyId');
  const secretAccessKey = field('SecretAccessKey');
  const sessionToken = field('SessionToken');
  if (!response.ok || !accessKeyId || !secretAccessKey || !sessionToken) {
    throw new Error(`MinIO AssumeRole failed (HTTP ${response.status}): ${xml.slice(0, 500)}`);
  }
  return { accessKeyId, secretAccessKey, sessionToken };
}
