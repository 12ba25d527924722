/**
 * Bucket housekeeping for the demo and for tooling (`ctxsiem demo --sink gcs` creates its bucket in the
 * fake-gcs-server it starts, then lists what it wrote). Not used on the collection path.
 */
import { parseConfig } from '@ctxsiem/core';
import { createStorage } from './client.ts';
import { type GcsSinkConfigInput, GcsSinkConfigSchema } from './config.ts';

/** Creates the configured bucket unless it exists. */
export async function ensureBucket(input: GcsSinkConfigInput): Promise<void> {
  const config = parseConfig('sink-gcs', GcsSinkConfigSchema, input);
  const bucket = createStorage(config, 'conditional').bucket(config.bucket);
  const [exists] = await bucket.exists();
  if (!exists) await bucket.create();
}

/** Every object name under the configured prefix, sorted. */
export async function listObjectKeys(input: GcsSinkConfigInput): Promise<string[]> {
  const config = parseConfig('sink-gcs', GcsSinkConfigSchema, input);
  const [files] = await createStorage(config, 'conditional')
    .bucket(config.bucket)
    .getFiles(config.prefix ? { prefix: config.prefix } : {});
  return files.map((file) => file.name).sort();
}
