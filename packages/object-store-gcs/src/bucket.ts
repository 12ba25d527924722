/**
 * Bucket housekeeping for the demo and for tooling (`ctxsiem demo --sink gcs` creates its bucket in the
 * fake-gcs-server it starts, then lists what it wrote). Not used on the collection path. Either takes
 * a bucket and its connection, or a whole sink or checkpoint config (what is not about the bucket is
 * ignored).
 */
import { parseConfig } from '@ctxsiem/core';
import { createStorage } from './client.ts';
import { type GcsBucketConfigInput, GcsBucketSchema } from './config.ts';
import { gcsObjectStore } from './driver.ts';

/** Creates the configured bucket unless it exists. */
export async function ensureBucket<T extends GcsBucketConfigInput>(input: T): Promise<void> {
  const config = parseConfig('object-store-gcs', GcsBucketSchema, input);
  const bucket = createStorage(config, 'conditional').bucket(config.bucket);
  const [exists] = await bucket.exists();
  if (!exists) await bucket.create();
}

/** Every object name under the configured prefix, sorted. */
export async function listObjectKeys<T extends GcsBucketConfigInput>(input: T): Promise<string[]> {
  const config = parseConfig('object-store-gcs', GcsBucketSchema, input);
  const names: string[] = [];
  for await (const object of gcsObjectStore(config).objects(config.prefix)) names.push(object.name);
  return names.sort();
}
