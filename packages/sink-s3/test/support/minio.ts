/**
 * A real MinIO for the S3 tests, plus readers that do not go through the sink: the AWS SDK's own
 * ListObjectsV2 / GetObject / HeadObject with the root credentials, and gzip decoded here.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutObjectCommand,
  paginateListObjectsV2,
  S3Client,
} from '@aws-sdk/client-s3';
import { decodeNdjson, silentLogger } from '@ctxsiem/core';
import { fileCheckpointStore, fileSink } from '@ctxsiem/sink-file';
import type { ObjectBucketFixture } from '@ctxsiem/test-kit';
import { type RunningMinio, startMinio } from '@ctxsiem/test-kit/servers';
import { s3CheckpointStore } from '../../src/checkpoint.ts';
import type { S3CheckpointConfigInput, S3SinkConfigInput } from '../../src/config.ts';
import { s3Sink } from '../../src/sink.ts';

/** The file sink and store, whose output the object store's must equal under the runner. */
export const reference = { sink: fileSink, checkpoints: fileCheckpointStore };

/** Building MinIO on a fresh machine takes minutes: hooks that start it get this long. */
export const SERVER_HOOK_TIMEOUT_MS = 300_000;

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
    objectSink: (bucket, prefix) =>
      s3Sink({ bucket, ...connection(), prefix }, { logger: silentLogger(), clock: { now: Date.now } }),
    checkpointStore: (bucket, placement = {}) => s3CheckpointStore({ bucket, ...connection(), ...placement }),
    keys,
    records,
    object,
    async put(bucket, key, body) {
      await admin.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    inspector: (bucket) => ({ list: () => keys(bucket), read: (key) => records(bucket, key) }),
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
