/**
 * How to reach a GCS bucket: the connection every GCS user shares (the GCS sink, the GCS checkpoint
 * store, a source reading documents from GCS). The zod shape is the single source of its types,
 * defaults, validation messages and docs (the READMEs' options tables are rendered from it).
 */
import { z } from 'zod';

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
