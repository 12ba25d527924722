/**
 * The GCS sink's and the GCS checkpoint store's configuration. One zod schema each is the source of the
 * types, defaults, validation messages and the README's options tables (`scripts/options-tables.ts`,
 * rendered by `packages/core/src/config/options-table.ts`): the layout options are core's (shared with S3, in
 * GCS's words), the connection (endpoint, project, credentials, retries) and the resumable upload options
 * `@ctxsiem/object-store-gcs`'s.
 */
import { objectCheckpointShape, objectSinkShape } from '@ctxsiem/core';
import { gcsConnectionShape, gcsUploadShape } from '@ctxsiem/object-store-gcs/config';
import { z } from 'zod';

// The connection and chunk sizes, as the GCS driver package defines them.
export {
  CHUNK_QUANTUM_BYTES,
  type GcsConnectionConfig,
  GcsConnectionSchema,
  MIB,
} from '@ctxsiem/object-store-gcs/config';

const names = {
  variable: 'GCS',
  bucketError: 'must name a GCS bucket',
  name: 'name',
  prefixNoun: 'Object name',
};
const sinkShape = { ...objectSinkShape('gcs', names), ...gcsConnectionShape, ...gcsUploadShape };

export const GcsSinkConfigSchema = z.object(sinkShape).strict();
export type GcsSinkConfig = z.output<typeof GcsSinkConfigSchema>;
export type GcsSinkConfigInput = z.input<typeof GcsSinkConfigSchema>;

export const GcsCheckpointConfigSchema = z
  .object({ ...objectCheckpointShape('gcs', names), ...gcsConnectionShape })
  .strict();
export type GcsCheckpointConfig = z.output<typeof GcsCheckpointConfigSchema>;
export type GcsCheckpointConfigInput = z.input<typeof GcsCheckpointConfigSchema>;
