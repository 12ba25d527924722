/**
 * How to reach an S3 bucket: the connection every S3 user shares (the S3 sink, the S3 checkpoint
 * store, a source reading documents from S3). The zod shape is the single source of its types,
 * defaults, validation messages and docs (the READMEs' options tables are rendered from it).
 */
import { streamThresholdSchema } from '@ctxsiem/core';
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

/** Where and how to reach S3, and the encryption writes request: spread into a config's object. */
export const s3ConnectionShape = {
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

/** How a streamed body is uploaded (a sink's options): when a batch is streamed, in parts of what size. */
export const s3UploadShape = {
  multipartThresholdBytes: streamThresholdSchema(
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
};

/** SSE-KMS needs a key, and a key without SSE-KMS is a mistake worth stopping for. */
export function checkS3Encryption(
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

/** The whole connection, encryption included (what `createS3Client` and the driver need). */
export const S3ConnectionSchema = z.object(s3ConnectionShape).strict().superRefine(checkS3Encryption);
export type S3ConnectionConfig = z.output<typeof S3ConnectionSchema>;

/**
 * What reading objects needs (a source's documents under a prefix): the connection without the
 * encryption a write requests.
 */
export const S3ReadConnectionSchema = z
  .object({
    region: s3ConnectionShape.region,
    endpoint: s3ConnectionShape.endpoint,
    forcePathStyle: s3ConnectionShape.forcePathStyle,
    credentials: s3ConnectionShape.credentials,
    maxAttempts: s3ConnectionShape.maxAttempts,
  })
  .strict();
export type S3ReadConnection = z.output<typeof S3ReadConnectionSchema>;

/**
 * A bucket and its connection, for the driver and the housekeeping helpers. Not strict: a sink's or
 * checkpoint store's whole config may be given, and what is not about the bucket is ignored.
 */
export const S3BucketSchema = z
  .object({
    bucket: z.string().min(3, 'must name an S3 bucket').describe('The bucket.'),
    prefix: z.string().default('').describe('Key prefix listings are limited to.'),
    ...s3ConnectionShape,
  })
  .superRefine(checkS3Encryption);
export type S3BucketConfig = z.output<typeof S3BucketSchema>;
export type S3BucketConfigInput = z.input<typeof S3BucketSchema>;
