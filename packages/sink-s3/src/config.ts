/**
 * The S3 sink's and the S3 checkpoint store's configuration. One zod schema each is the source of the
 * types, defaults, validation messages and the README's options tables (`test/options-table.ts`); the
 * connection part (region, endpoint, credentials, encryption, retries) is `@ctxsiem/object-store-s3`'s.
 */
import { checkS3Encryption, s3ConnectionShape } from '@ctxsiem/object-store-s3/config';
import { z } from 'zod';

// The connection, as the S3 driver package defines it.
export {
  type S3ConnectionConfig,
  S3ConnectionSchema,
  type S3ReadConnection,
  S3ReadConnectionSchema,
} from '@ctxsiem/object-store-s3/config';

export const MIB = 1024 * 1024;
/** S3's smallest part size (every part of a multipart upload but the last). */
export const MIN_PART_SIZE_BYTES = 5 * MIB;
/** S3's largest part size. */
export const MAX_PART_SIZE_BYTES = 5 * 1024 * MIB;

export const S3SinkConfigSchema = z
  .object({
    type: z.literal('s3').default('s3').describe('Sink type.'),
    bucket: z
      .string()
      .min(3, 'must name an S3 bucket')
      .describe('Bucket the NDJSON objects go to (S3_BUCKET).'),
    prefix: z
      .string()
      .default('')
      .describe(
        'Key prefix (S3_PREFIX), e.g. citrix_monitor; `{tenant}` is replaced by the tenant id. Objects land at {prefix}/{stream}/year=…/month=…/day=…/hour=…/part-….ndjson.',
      ),
    deadLetterPrefix: z
      .string()
      .optional()
      .describe(
        "Where dead-lettered records go; `{tenant}` is replaced by the tenant id. Default `_ctxsiem/{prefix}/deadletter`, beside the prefix a SecOps feed reads rather than under it. `{prefix}/_deadletter` is the seeds' layout (SEED_LAYOUT=true).",
      ),
    gzip: z
      .boolean()
      .default(false)
      .describe('Gzip each object: keys end in .ndjson.gz and objects carry Content-Encoding: gzip.'),
    ...s3ConnectionShape,
    multipartThresholdBytes: z
      .number()
      .int()
      .min(1)
      .default(8 * MIB)
      .describe(
        'Batches whose NDJSON (before gzip) is larger than this are streamed through a multipart upload instead of one PutObject.',
      ),
    partSizeBytes: z
      .number()
      .int()
      .min(MIN_PART_SIZE_BYTES, 'must be at least 5 MiB (5242880), the smallest part S3 accepts')
      .max(MAX_PART_SIZE_BYTES, 'must be at most 5 GiB, the largest part S3 accepts')
      .default(8 * MIB)
      .describe(
        'Part size of multipart uploads (at least 5 MiB). Two parts are uploaded at a time, so a streamed batch holds about 3 × this in memory.',
      ),
  })
  .strict()
  .superRefine(checkS3Encryption);

export type S3SinkConfig = z.output<typeof S3SinkConfigSchema>;
export type S3SinkConfigInput = z.input<typeof S3SinkConfigSchema>;

export const S3CheckpointConfigSchema = z
  .object({
    type: z.literal('s3').default('s3').describe('Checkpoint store type.'),
    bucket: z.string().min(3, 'must name an S3 bucket').describe('Bucket holding the checkpoint objects.'),
    prefix: z
      .string()
      .default('_state')
      .describe(
        'Key prefix of the checkpoint objects: one {prefix}/{tenant}/{source}/{stream}.json per stream. The CLI passes _ctxsiem/{S3_PREFIX}/state (or {S3_PREFIX}/_state with SEED_LAYOUT=true).',
      ),
    previousPrefix: z
      .string()
      .optional()
      .describe(
        'Where an earlier layout kept the checkpoints: a stream with no object under `prefix` continues from its object here, and its first write creates the new one. The CLI passes {S3_PREFIX}/_state.',
      ),
    legacyKey: z
      .string()
      .min(1, 'must not be empty')
      .optional()
      .describe(
        "Key of a seed collector's state.json (STATE_KEY, e.g. citrix_monitor/state.json): a stream without a checkpoint continues at the hour after its last_hour_utc. Only read, never written.",
      ),
    ...s3ConnectionShape,
  })
  .strict()
  .superRefine(checkS3Encryption);

export type S3CheckpointConfig = z.output<typeof S3CheckpointConfigSchema>;
export type S3CheckpointConfigInput = z.input<typeof S3CheckpointConfigSchema>;
