/**
 * The S3 sink's and the S3 checkpoint store's configuration. One zod schema each is the source of the
 * types, defaults, validation messages and the README's options tables (`scripts/options-tables.ts`,
 * rendered by `packages/core/src/config/options-table.ts`): the layout options are core's (shared with GCS, in
 * S3's words), the connection (region, endpoint, credentials, encryption, retries) and the multipart upload
 * options `@ctxsiem/object-store-s3`'s.
 */
import { objectCheckpointShape, objectSinkShape } from '@ctxsiem/core';
import { checkS3Encryption, s3ConnectionShape, s3UploadShape } from '@ctxsiem/object-store-s3/config';
import { z } from 'zod';

// The connection and upload limits, as the S3 driver package defines them.
export {
  MAX_PART_SIZE_BYTES,
  MIB,
  MIN_PART_SIZE_BYTES,
  type S3ConnectionConfig,
  S3ConnectionSchema,
  type S3ReadConnection,
  S3ReadConnectionSchema,
} from '@ctxsiem/object-store-s3/config';

/** How the S3 docs and environment name things. */
const S3_NAMES = { variable: 'S3', bucketError: 'must name an S3 bucket', name: 'key', prefixNoun: 'Key' };

export const S3SinkConfigSchema = z
  .object({ ...objectSinkShape('s3', S3_NAMES), ...s3ConnectionShape, ...s3UploadShape })
  .strict()
  .superRefine(checkS3Encryption);
export const S3CheckpointConfigSchema = z
  .object({ ...objectCheckpointShape('s3', S3_NAMES), ...s3ConnectionShape })
  .strict()
  .superRefine(checkS3Encryption);

export type S3SinkConfig = z.output<typeof S3SinkConfigSchema>;
export type S3SinkConfigInput = z.input<typeof S3SinkConfigSchema>;
export type S3CheckpointConfig = z.output<typeof S3CheckpointConfigSchema>;
export type S3CheckpointConfigInput = z.input<typeof S3CheckpointConfigSchema>;
