/**
 * The file sink's and the file checkpoint store's connector manifests: the embedded default.
 */
import { defineCheckpointStore, defineSink, envValue } from '@ctxsiem/core';
import { z } from 'zod';
import { FileCheckpointConfigSchema, FileSinkConfigSchema } from './config.ts';

/**
 * Where files go without OUTPUT_DIR: a folder of its own under `out/`, beside the demo's `out/demo`, so
 * a `collect` with the defaults never mixes its streams and checkpoints with the demo's.
 */
export const DEFAULT_OUTPUT_DIR = 'out/collect';

export const fileSinkConnector = defineSink({
  type: 'file',
  package: '@ctxsiem/sink-file',
  summary: 'Partitioned NDJSON files in a local folder (the embedded default).',
  schema: FileSinkConfigSchema.safeExtend({
    type: z.literal('file').describe('Selects local files (SINK=file).'),
  }),
  env: {
    variables: { directory: 'OUTPUT_DIR', gzip: 'GZIP' },
    read: (env) =>
      envValue.defined({ directory: env.OUTPUT_DIR ?? DEFAULT_OUTPUT_DIR, gzip: envValue.boolean(env.GZIP) }),
  },
  async create(config, deps) {
    const { fileSink } = await import('./sink.ts');
    return fileSink(config, deps);
  },
});

export const fileCheckpointConnector = defineCheckpointStore({
  type: 'file',
  package: '@ctxsiem/sink-file',
  summary: 'One versioned JSON file per stream, written with exclusive creation.',
  schema: FileCheckpointConfigSchema.safeExtend({
    type: z.literal('file').describe('Selects the file checkpoint store (CHECKPOINT=file).'),
  }),
  env: {
    variables: { directory: 'STATE_DIR' },
    read: (env) => ({ directory: env.STATE_DIR ?? `${env.OUTPUT_DIR ?? DEFAULT_OUTPUT_DIR}/_state` }),
  },
  async create(config) {
    const { fileCheckpointStore } = await import('./checkpoint.ts');
    return fileCheckpointStore(config);
  },
});

export const connectors = [fileSinkConnector, fileCheckpointConnector] as const;
