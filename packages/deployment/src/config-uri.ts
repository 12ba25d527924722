/**
 * A config document kept in a bucket: `s3://bucket/key` (read with the AWS SDK, credentials from the
 * standard AWS environment) or `gs://bucket/object` (read with the Cloud Storage client, Application
 * Default Credentials). Each SDK is imported only when its kind of URI is read.
 */

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

export async function readConfigUri(uri: string): Promise<string> {
  const { scheme, bucket, key } = parseUri(uri);
  if (scheme === 's3') {
    const { S3Client, GetObjectCommand } = await import('@aws-sdk/client-s3');
    // A local endpoint (MinIO, moto) needs path-style addressing.
    const client = new S3Client({
      forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL),
    });
    try {
      const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      try {
        checkedSize(response.ContentLength ?? 0);
      } catch (error) {
        // Not read: the body's connection is dropped rather than left open.
        (response.Body as { destroy?: () => void } | undefined)?.destroy?.();
        throw error;
      }
      return (await response.Body?.transformToString('utf8')) ?? '';
    } catch (error) {
      const name = (error as { name?: string }).name;
      throw new Error(name && name !== 'Error' ? `${name}: ${(error as Error).message}` : String(error), {
        cause: error,
      });
    } finally {
      client.destroy();
    }
  }
  const { Storage } = await import('@google-cloud/storage');
  const file = new Storage().bucket(bucket).file(key);
  const [metadata] = await file.getMetadata();
  checkedSize(Number(metadata.size ?? 0));
  const [contents] = await file.download();
  return contents.toString('utf8');
}
