/**
 * The GCS sink's and the GCS checkpoint store's configuration. One zod schema each is the source of the
 * types, defaults, validation messages and the README's options tables (`test/options-table.ts`); the
 * connection part (endpoint, project, credentials, retries) is `@ctxsiem/object-store-gcs`'s.
 */
import { gcsConnectionShape } from '@ctxsiem/object-store-gcs/config';
import { z } from 'zod';

// The connection, as the GCS driver package defines it.
export { type GcsConnectionConfig, GcsConnectionSchema } from '@ctxsiem/object-store-gcs/config';

export const MIB = 1024 * 1024;
/** Resumable upload chunks must be multiples of 256 KiB. */
export const CHUNK_QUANTUM_BYTES = 256 * 1024;

export const GcsSinkConfigSchema = z
  .object({
    type: z.literal('gcs').default('gcs').describe('Sink type.'),
    bucket: z
      .string()
      .min(3, 'must name a GCS bucket')
      .describe('Bucket the NDJSON objects go to (GCS_BUCKET).'),
    prefix: z
      .string()
      .default('')
      .describe(
        'Object name prefix (GCS_PREFIX), e.g. citrix_monitor; `{tenant}` is replaced by the tenant id. Objects land at {prefix}/{stream}/year=…/month=…/day=…/hour=…/part-….ndjson.',
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
      .describe('Gzip each object: names end in .ndjson.gz and objects carry Content-Encoding: gzip.'),
    ...gcsConnectionShape,
    resumableThresholdBytes: z
      .number()
      .int()
      .min(1)
      .default(8 * MIB)
      .describe(
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
  })
  .strict();

export type GcsSinkConfig = z.output<typeof GcsSinkConfigSchema>;
export type GcsSinkConfigInput = z.input<typeof GcsSinkConfigSchema>;

export const GcsCheckpointConfigSchema = z
  .object({
    type: z.literal('gcs').default('gcs').describe('Checkpoint store type.'),
    bucket: z.string().min(3, 'must name a GCS bucket').describe('Bucket holding the checkpoint objects.'),
    prefix: z
      .string()
      .default('_state')
      .describe(
        'Name prefix of the checkpoint objects: one {prefix}/{tenant}/{source}/{stream}.json per stream. The CLI passes _ctxsiem/{GCS_PREFIX}/state (or {GCS_PREFIX}/_state with SEED_LAYOUT=true).',
      ),
    previousPrefix: z
      .string()
      .optional()
      .describe(
        'Where an earlier layout kept the checkpoints: a stream with no object under `prefix` continues from its object here, and its first write creates the new one. The CLI passes {GCS_PREFIX}/_state.',
      ),
    legacyKey: z
      .string()
      .min(1, 'must not be empty')
      .optional()
      .describe(
        "Name of a seed collector's state.json (STATE_KEY, e.g. citrix_monitor/state.json): a stream without a checkpoint continues at the hour after its last_hour_utc. Only read, never written.",
      ),
    ...gcsConnectionShape,
  })
  .strict();

export type GcsCheckpointConfig = z.output<typeof GcsCheckpointConfigSchema>;
export type GcsCheckpointConfigInput = z.input<typeof GcsCheckpointConfigSchema>;
