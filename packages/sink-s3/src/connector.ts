/**
 * The S3 sink's and the S3 checkpoint store's connector manifests. Cheap to load: the AWS SDK is
 * imported only when one is created.
 */
import { controlPrefix, defineCheckpointStore, defineSink, type Env, envValue } from '@ctxsiem/core';
import { z } from 'zod';
import { S3CheckpointConfigSchema, S3SinkConfigSchema } from './config.ts';

const trimmedPrefix = (env: Env) => (env.S3_PREFIX ?? '').replace(/^\/+|\/+$/g, '');
/**
 * SEED_LAYOUT=true keeps the seeds' layout: checkpoints and dead letters under the data prefix. By
 * default they go beside it (`_ctxsiem/{prefix}/…`), where a SecOps feed reading the prefix never
 * ingests them.
 */
const seedLayout = (env: Env) => envValue.boolean(env.SEED_LAYOUT) === true;
const under = (prefix: string, folder: string) => (prefix ? `${prefix}/${folder}` : folder);
const connection = (env: Env) => ({
  region: env.AWS_REGION,
  endpoint: env.S3_ENDPOINT,
  forcePathStyle: envValue.boolean(env.S3_FORCE_PATH_STYLE),
});
const connectionVariables = {
  region: 'AWS_REGION',
  endpoint: 'S3_ENDPOINT',
  forcePathStyle: 'S3_FORCE_PATH_STYLE',
};

export const s3SinkConnector = defineSink({
  type: 's3',
  package: '@ctxsiem/sink-s3',
  summary: 'NDJSON objects in an S3 bucket, in the layout Google SecOps S3 feeds read.',
  schema: S3SinkConfigSchema.safeExtend({ type: z.literal('s3').describe('Selects S3 (SINK=s3).') }),
  env: {
    variables: {
      bucket: 'S3_BUCKET',
      prefix: 'S3_PREFIX',
      deadLetterPrefix: 'SEED_LAYOUT',
      gzip: 'GZIP',
      ...connectionVariables,
    },
    read: (env) =>
      envValue.defined({
        bucket: env.S3_BUCKET,
        prefix: trimmedPrefix(env),
        deadLetterPrefix: seedLayout(env) ? under(trimmedPrefix(env), '_deadletter') : undefined,
        gzip: envValue.boolean(env.GZIP),
        ...connection(env),
      }),
  },
  async create(config, deps) {
    const { s3Sink } = await import('./sink.ts');
    return s3Sink(config, deps);
  },
});

export const s3CheckpointConnector = defineCheckpointStore({
  type: 's3',
  package: '@ctxsiem/sink-s3',
  summary: 'One JSON object per stream, written with If-Match / If-None-Match; continues a seed state.json.',
  schema: S3CheckpointConfigSchema.safeExtend({
    type: z
      .literal('s3')
      .describe('Selects the S3 checkpoint store (CHECKPOINT=s3; the default with SINK=s3).'),
  }),
  env: {
    variables: { bucket: 'S3_BUCKET', prefix: 'SEED_LAYOUT', legacyKey: 'STATE_KEY', ...connectionVariables },
    // Our per-stream checkpoints live next to the seeds' state.json (STATE_KEY), which is read once to
    // continue where the seed stopped.
    read: (env) => {
      const prefix = trimmedPrefix(env);
      return envValue.defined({
        bucket: env.S3_BUCKET,
        prefix: seedLayout(env) ? under(prefix, '_state') : `${controlPrefix(prefix)}/state`,
        // Checkpoints an earlier version kept under the data prefix are continued from.
        previousPrefix: seedLayout(env) ? undefined : under(prefix, '_state'),
        legacyKey: env.STATE_KEY ?? (prefix ? `${prefix}/state.json` : 'state.json'),
        ...connection(env),
      });
    },
  },
  async create(config) {
    const { s3CheckpointStore } = await import('./checkpoint.ts');
    return s3CheckpointStore(config);
  },
});

export const connectors = [s3SinkConnector, s3CheckpointConnector] as const;
