/**
 * Bucket housekeeping for the demo and for tooling (`ctxsiem demo --sink s3` creates its bucket in the
 * MinIO it starts, then lists what it wrote). Not used on the collection path.
 */
import { CreateBucketCommand, HeadBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { parseConfig } from '@ctxsiem/core';
import { createS3Client } from './client.ts';
import { type S3SinkConfigInput, S3SinkConfigSchema } from './config.ts';

/** Creates the configured bucket unless it exists. */
export async function ensureBucket(input: S3SinkConfigInput): Promise<void> {
  const config = parseConfig('sink-s3', S3SinkConfigSchema, input);
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
export async function listObjectKeys(input: S3SinkConfigInput): Promise<string[]> {
  const config = parseConfig('sink-s3', S3SinkConfigSchema, input);
  const client = createS3Client(config);
  const keys: string[] = [];
  try {
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({
          Bucket: config.bucket,
          Prefix: config.prefix || undefined,
          ContinuationToken: token,
        }),
      );
      for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  } finally {
    client.destroy();
  }
  return keys.sort();
}
