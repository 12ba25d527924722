/**
 * How to reach a GCS bucket: the connection every GCS user shares (the GCS sink, the GCS checkpoint
 * store, a source reading documents from GCS). The zod shape is the single source of its types,
 * defaults, validation messages and docs (the READMEs' options tables are rendered from it).
 */
import { streamThresholdSchema } from '@ctxsiem/core';
import { z } from 'zod';

export const MIB = 1024 * 1024;
/** Resumable upload chunks must be multiples of 256 KiB. */
export const CHUNK_QUANTUM_BYTES = 256 * 1024;

/** Where and how to reach GCS: spread into a config's object. */
export const gcsConnectionShape = {
  endpoint: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://127.0.0.1:4443' })
    .optional()
    .describe(
      'API endpoint override (GCS_ENDPOINT): an emulator such as fake-gcs-server (http: no authentication) or a private endpoint (https: authenticated).',
    ),
  projectId: z
    .string()
    .min(1, 'must not be empty')
    .optional()
    .describe('Google Cloud project id. Default: detected from the credentials (not needed for uploads).'),
  keyFilename: z
    .string()
    .min(1, 'must not be empty')
    .optional()
    .describe(
      'Service-account key file. Default: Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, the Cloud Run/GCE service account, gcloud).',
    ),
  maxRetries: z
    .number()
    .int()
    .min(0)
    .max(20)
    .default(5)
    .describe(
      'Retries per GCS request after the first attempt; the client library backs off exponentially on 408, 429, 5xx and network errors.',
    ),
};

/** How a streamed body is uploaded (a sink's options): when a batch is streamed, in chunks of what size. */
export const gcsUploadShape = {
  resumableThresholdBytes: streamThresholdSchema(
    'Batches whose NDJSON (before gzip) is larger than this are streamed through a resumable upload instead of one simple upload.',
  ),
  chunkSizeBytes: z
    .number()
    .int()
    .min(CHUNK_QUANTUM_BYTES, 'must be at least 256 KiB (262144)')
    .refine(
      (value) => value % CHUNK_QUANTUM_BYTES === 0,
      'must be a multiple of 256 KiB (262144), as GCS requires',
    )
    .default(8 * MIB)
    .describe(
      'Chunk size of resumable uploads (a multiple of 256 KiB): one chunk is buffered, so a failed chunk can be resent.',
    ),
};

/** What reading objects needs (a source's documents under a prefix): the connection alone. */
export const GcsConnectionSchema = z.object(gcsConnectionShape).strict();
/** The connection (what `createStorage` needs). */
export type GcsConnectionConfig = z.output<typeof GcsConnectionSchema>;

/**
 * A bucket and its connection, for the driver and the housekeeping helpers. Not strict: a sink's or
 * checkpoint store's whole config may be given, and what is not about the bucket is ignored.
 */
export const GcsBucketSchema = z.object({
  bucket: z.string().min(3, 'must name a GCS bucket').describe('The bucket.'),
  prefix: z.string().default('').describe('Object name prefix listings are limited to.'),
  ...gcsConnectionShape,
});
export type GcsBucketConfig = z.output<typeof GcsBucketSchema>;
export type GcsBucketConfigInput = z.input<typeof GcsBucketSchema>;
