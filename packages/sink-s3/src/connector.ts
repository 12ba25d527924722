/**
 * The S3 sink's and the S3 checkpoint store's connector manifests. Cheap to load: the AWS SDK is
 * imported only when one is created. Both read the seeds' environment (S3_BUCKET, S3_PREFIX, GZIP,
 * SEED_LAYOUT, STATE_KEY) as every object store does (core's `objectStoreConnectors`), plus S3's
 * connection (AWS_REGION, S3_ENDPOINT, S3_FORCE_PATH_STYLE).
 */
import { envValue, objectStoreConnectors } from '@ctxsiem/core';
import { z } from 'zod';
import { S3CheckpointConfigSchema, S3SinkConfigSchema } from './config.ts';

const selects = (text: string) => ({ type: z.literal('s3').describe(text) });

export const connectors = objectStoreConnectors({
  type: 's3',
  package: '@ctxsiem/sink-s3',
  env: {
    names: { variable: 'S3' },
    connection: {
      variables: { region: 'AWS_REGION', endpoint: 'S3_ENDPOINT', forcePathStyle: 'S3_FORCE_PATH_STYLE' },
      read: (env) => ({
        region: env.AWS_REGION,
        endpoint: env.S3_ENDPOINT,
        forcePathStyle: envValue.boolean(env.S3_FORCE_PATH_STYLE),
      }),
    },
    // The seeds kept their state.json at the data prefix.
    defaultLegacyKey: (prefix) => (prefix ? `${prefix}/state.json` : 'state.json'),
  },
  sink: {
    summary: 'NDJSON objects in an S3 bucket, in the layout Google SecOps S3 feeds read.',
    schema: S3SinkConfigSchema.safeExtend(selects('Selects S3 (SINK=s3).')),
    create: async (config, deps) => (await import('./sink.ts')).s3Sink(config, deps),
  },
  checkpoint: {
    summary:
      'One JSON object per stream, written with If-Match / If-None-Match; continues a seed state.json.',
    schema: S3CheckpointConfigSchema.safeExtend(
      selects('Selects the S3 checkpoint store (CHECKPOINT=s3; the default with SINK=s3).'),
    ),
    create: async (config) => (await import('./checkpoint.ts')).s3CheckpointStore(config),
  },
});
export const [s3SinkConnector, s3CheckpointConnector] = connectors;
