/**
 * The S3 sink's and the S3 checkpoint store's configuration. One zod schema each is the source of the
 * types, defaults, validation messages and the README's options tables (`test/options-table.ts`).
 */
import { z } from 'zod';

export const MIB = 1024 * 1024;
/** S3's smallest part size (every part of a multipart upload but the last). */
export const MIN_PART_SIZE_BYTES = 5 * MIB;
/** S3's largest part size. */
export const MAX_PART_SIZE_BYTES = 5 * 1024 * MIB;

const CredentialsSchema = z
  .object({
    accessKeyId: z.string().min(1, 'must not be empty').describe('Access key id (AWS_ACCESS_KEY_ID).'),
    secretAccessKey: z
      .string()
      .min(1, 'must not be empty')
      .describe('Secret access key (AWS_SECRET_ACCESS_KEY). Never logged and never put in error messages.'),
    sessionToken: z
      .string()
      .min(1, 'must not be empty')
      .optional()
      .describe('Session token of temporary credentials (AWS_SESSION_TOKEN).'),
  })
  .strict()
  .describe(
    'Static credentials. Default: the AWS SDK default provider chain (environment, shared profile, web identity, ECS/EC2/Lambda role).',
  );

/** Where and how to reach S3: shared by the sink and the checkpoint store. */
const connectionShape = {
  region: z
    .string()
    .min(1, 'must not be empty')
    .optional()
    .describe('AWS region of the bucket. Default: AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1.'),
  endpoint: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://127.0.0.1:9000' })
    .optional()
    .describe(
      'Custom endpoint for S3-compatible stores (MinIO, Ceph, R2, …) or VPC endpoints (S3_ENDPOINT).',
    ),
  forcePathStyle: z
    .boolean()
    .default(false)
    .describe(
      'Path-style addressing (`{endpoint}/{bucket}/{key}`) instead of virtual hosts; MinIO needs it (S3_FORCE_PATH_STYLE).',
    ),
  credentials: CredentialsSchema.optional(),
  serverSideEncryption: z
    .enum(['AES256', 'aws:kms'])
    .optional()
    .describe('Server-side encryption requested on every object: AES256 (SSE-S3) or aws:kms (SSE-KMS).'),
  kmsKeyId: z
    .string()
    .min(1, 'must not be empty')
    .optional()
    .describe(
      'KMS key id or ARN for SSE-KMS; required when serverSideEncryption is aws:kms, refused otherwise.',
    ),
  maxAttempts: z
    .number()
    .int()
    .min(1)
    .max(20)
    .default(5)
    .describe(
      "Attempts per S3 request (first try included); the SDK's standard retry strategy backs off on throttling, 5xx and network errors.",
    ),
};

/**
 * What reading objects needs (a source's documents under a prefix): the connection without the
 * encryption a write requests.
 */
export const S3ReadConnectionSchema = z
  .object({
    region: connectionShape.region,
    endpoint: connectionShape.endpoint,
    forcePathStyle: connectionShape.forcePathStyle,
    credentials: connectionShape.credentials,
    maxAttempts: connectionShape.maxAttempts,
  })
  .strict();
export type S3ReadConnection = z.output<typeof S3ReadConnectionSchema>;

/** SSE-KMS needs a key, and a key without SSE-KMS is a mistake worth stopping for. */
function checkEncryption(
  config: { serverSideEncryption?: string | undefined; kmsKeyId?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  if (config.serverSideEncryption === 'aws:kms' && config.kmsKeyId === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['kmsKeyId'],
      message: 'is required when serverSideEncryption is "aws:kms" (the KMS key id or ARN to encrypt with)',
    });
  }
  if (config.serverSideEncryption !== 'aws:kms' && config.kmsKeyId !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['kmsKeyId'],
      message: 'is only used with serverSideEncryption "aws:kms": set that too, or remove kmsKeyId',
    });
  }
}

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
    ...connectionShape,
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
  .superRefine(checkEncryption);

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
    ...connectionShape,
  })
  .strict()
  .superRefine(checkEncryption);

export type S3CheckpointConfig = z.output<typeof S3CheckpointConfigSchema>;
export type S3CheckpointConfigInput = z.input<typeof S3CheckpointConfigSchema>;

/** The connection part of either config (what `createS3Client` needs). */
export type S3ConnectionConfig = Pick<
  S3SinkConfig,
  | 'region'
  | 'endpoint'
  | 'forcePathStyle'
  | 'credentials'
  | 'maxAttempts'
  | 'serverSideEncryption'
  | 'kmsKeyId'
>;
