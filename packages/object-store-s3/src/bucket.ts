/**
 * Bucket housekeeping for the demo and for tooling (`ctxsiem demo --sink s3` creates its bucket in the
 * MinIO it starts, then lists what it wrote). Not used on the collection path. Either takes a bucket
 * and its connection, or a whole sink or checkpoint config (what is not about the bucket is ignored).
 */
import { CreateBucketCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import { parseConfig } from '@ctxsiem/core';
import { createS3Client } from './client.ts';
import { type S3BucketConfigInput, S3BucketSchema } from './config.ts';
import { s3ObjectStore } from './driver.ts';

/** Creates the configured bucket unless it exists. */
export async function ensureBucket<T extends S3BucketConfigInput>(input: T): Promise<void> {
  const config = parseConfig('object-store-s3', S3BucketSchema, input);
  const client = createS3Client(config);
  try {
    await client.send(new HeadBucketCommand({ Bucket: config.bucket }));
  } catch {
    await client.send(new CreateBucketCommand({ Bucket: config.bucket }));
  } finally {
    client.destroy();
  }
}

/** Every object key under the configured prefix, sorted. */
export async function listObjectKeys<T extends S3BucketConfigInput>(input: T): Promise<string[]> {
  const config = parseConfig('object-store-s3', S3BucketSchema, input);
  const store = s3ObjectStore(config);
  const keys: string[] = [];
  try {
    for await (const object of store.objects(config.prefix)) keys.push(object.name);
  } finally {
    await store.close();
  }
  return keys.sort();
}
