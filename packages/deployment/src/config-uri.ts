/**
 * A config document kept in a bucket: `s3://bucket/key` (read through the S3 driver, credentials and
 * endpoint from the standard AWS environment) or `gs://bucket/object` (through the GCS driver,
 * Application Default Credentials). Each driver is imported only when its kind of URI is read.
 */
import type { ObjectStoreDriver } from '@ctxsiem/core';

/** Config documents are small; a larger object is refused rather than read into memory. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

export function isConfigUri(value: string): boolean {
  return /^(s3|gs):\/\//.test(value);
}

function parseUri(uri: string): { scheme: 's3' | 'gs'; bucket: string; key: string } {
  const match = /^(s3|gs):\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!match) throw new Error('expected s3://bucket/key or gs://bucket/object');
  return { scheme: match[1] as 's3' | 'gs', bucket: match[2]!, key: match[3]! };
}

function checkedSize(bytes: number): void {
  if (bytes > MAX_CONFIG_BYTES)
    throw new Error(`it holds ${bytes} bytes; a config document may hold at most ${MAX_CONFIG_BYTES}`);
}

async function driverFor(scheme: 's3' | 'gs', bucket: string): Promise<ObjectStoreDriver> {
  if (scheme === 's3') {
    const { s3ObjectStore, S3ReadConnectionSchema } = await import('@ctxsiem/object-store-s3');
    // A local endpoint (MinIO, moto) needs path-style addressing; the SDK reads the endpoint itself.
    const connection = S3ReadConnectionSchema.parse({
      forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL),
    });
    return s3ObjectStore({ ...connection, bucket });
  }
  const { gcsObjectStore, GcsConnectionSchema } = await import('@ctxsiem/object-store-gcs');
  return gcsObjectStore({ ...GcsConnectionSchema.parse({}), bucket });
}

export async function readConfigUri(uri: string): Promise<string> {
  const { scheme, bucket, key } = parseUri(uri);
  const driver = await driverFor(scheme, bucket);
  try {
    const stored = await driver.stored(key);
    if (!stored)
      throw Object.assign(new Error(`${uri} does not exist`), {
        name: scheme === 's3' ? 'NoSuchKey' : 'NotFound',
      });
    try {
      checkedSize(stored.bytes ?? 0);
    } catch (error) {
      // Not read: the body's connection is dropped rather than left open.
      stored.release();
      throw error;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of await stored.body()) chunks.push(Buffer.from(chunk as Uint8Array));
    return Buffer.concat(chunks).toString('utf8');
  } catch (error) {
    const name = (error as { name?: string }).name;
    throw new Error(name && name !== 'Error' ? `${name}: ${(error as Error).message}` : String(error), {
      cause: error,
    });
  } finally {
    await driver.close();
  }
}
