/**
 * The GCS sink's and the GCS checkpoint store's connector manifests. Cheap to load: the Google Cloud
 * Storage client is imported only when one is created.
 */
import { controlPrefix, defineCheckpointStore, defineSink, type Env, envValue } from '@ctxsiem/core';
import { z } from 'zod';
import { GcsCheckpointConfigSchema, GcsSinkConfigSchema } from './config.ts';

const trimmedPrefix = (env: Env) => (env.GCS_PREFIX ?? '').replace(/^\/+|\/+$/g, '');
/**
 * SEED_LAYOUT=true keeps the seeds' layout: checkpoints and dead letters under the data prefix. By
 * default they go beside it (`_ctxsiem/{prefix}/…`), where a SecOps feed reading the prefix never
 * ingests them.
 */
const seedLayout = (env: Env) => envValue.boolean(env.SEED_LAYOUT) === true;
const under = (prefix: string, folder: string) => (prefix ? `${prefix}/${folder}` : folder);
const connection = (env: Env) => ({ endpoint: env.GCS_ENDPOINT, projectId: env.GOOGLE_CLOUD_PROJECT });
const connectionVariables = { endpoint: 'GCS_ENDPOINT', projectId: 'GOOGLE_CLOUD_PROJECT' };

export const gcsSinkConnector = defineSink({
  type: 'gcs',
  package: '@ctxsiem/sink-gcs',
  summary: 'NDJSON objects in a GCS bucket, in the layout Google SecOps GCS feeds read.',
  schema: GcsSinkConfigSchema.safeExtend({ type: z.literal('gcs').describe('Selects GCS (SINK=gcs).') }),
  env: {
    variables: {
      bucket: 'GCS_BUCKET',
      prefix: 'GCS_PREFIX',
      deadLetterPrefix: 'SEED_LAYOUT',
      gzip: 'GZIP',
      ...connectionVariables,
    },
    read: (env) =>
      envValue.defined({
        bucket: env.GCS_BUCKET,
        prefix: trimmedPrefix(env),
        deadLetterPrefix: seedLayout(env) ? under(trimmedPrefix(env), '_deadletter') : undefined,
        gzip: envValue.boolean(env.GZIP),
        ...connection(env),
      }),
  },
  async create(config, deps) {
    const { gcsSink } = await import('./sink.ts');
    return gcsSink(config, deps);
  },
});

export const gcsCheckpointConnector = defineCheckpointStore({
  type: 'gcs',
  package: '@ctxsiem/sink-gcs',
  summary: 'One JSON object per stream, written with ifGenerationMatch; continues a seed state.json.',
  schema: GcsCheckpointConfigSchema.safeExtend({
    type: z
      .literal('gcs')
      .describe('Selects the GCS checkpoint store (CHECKPOINT=gcs; the default with SINK=gcs).'),
  }),
  env: {
    variables: {
      bucket: 'GCS_BUCKET',
      prefix: 'SEED_LAYOUT',
      legacyKey: 'STATE_KEY',
      ...connectionVariables,
    },
    read: (env) => {
      const prefix = trimmedPrefix(env);
      return envValue.defined({
        bucket: env.GCS_BUCKET,
        prefix: seedLayout(env) ? under(prefix, '_state') : `${controlPrefix(prefix)}/state`,
        // Checkpoints an earlier version kept under the data prefix are continued from.
        previousPrefix: seedLayout(env) ? undefined : under(prefix, '_state'),
        legacyKey: env.STATE_KEY,
        ...connection(env),
      });
    },
  },
  async create(config) {
    const { gcsCheckpointStore } = await import('./checkpoint.ts');
    return gcsCheckpointStore(config);
  },
});

export const connectors = [gcsSinkConnector, gcsCheckpointConnector] as const;
