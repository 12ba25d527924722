/**
 * The GCS sink's and the GCS checkpoint store's connector manifests. Cheap to load: the Google Cloud
 * Storage client is imported only when one is created. Both read the seeds' environment (GCS_BUCKET,
 * GCS_PREFIX, GZIP, SEED_LAYOUT, STATE_KEY) as every object store does (core's
 * `objectStoreConnectors`), plus GCS's connection (GCS_ENDPOINT, GOOGLE_CLOUD_PROJECT).
 */
import { type Env, objectStoreConnectors } from '@ctxsiem/core';
import { z } from 'zod';
import { GcsCheckpointConfigSchema, GcsSinkConfigSchema } from './config.ts';

const gcsSinkSchema = GcsSinkConfigSchema.safeExtend({
  type: z.literal('gcs').describe('Selects GCS (SINK=gcs).'),
});
const gcsCheckpointSchema = GcsCheckpointConfigSchema.safeExtend({
  type: z
    .literal('gcs')
    .describe('Selects the GCS checkpoint store (CHECKPOINT=gcs; the default with SINK=gcs).'),
});
const variables = { endpoint: 'GCS_ENDPOINT', projectId: 'GOOGLE_CLOUD_PROJECT' };
const read = (env: Env) => ({ endpoint: env.GCS_ENDPOINT, projectId: env.GOOGLE_CLOUD_PROJECT });
const env = { names: { variable: 'GCS' }, connection: { variables, read } };

export const connectors = objectStoreConnectors({
  type: 'gcs',
  package: '@ctxsiem/sink-gcs',
  env,
  sink: {
    summary: 'NDJSON objects in a GCS bucket, in the layout Google SecOps GCS feeds read.',
    schema: gcsSinkSchema,
    create: async (config, deps) => (await import('./sink.ts')).gcsSink(config, deps),
  },
  checkpoint: {
    summary: 'One JSON object per stream, written with ifGenerationMatch; continues a seed state.json.',
    schema: gcsCheckpointSchema,
    create: async (config) => (await import('./checkpoint.ts')).gcsCheckpointStore(config),
  },
});
export const [gcsSinkConnector, gcsCheckpointConnector] = connectors;
