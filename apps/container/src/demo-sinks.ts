/**
 * The sinks `ctxsiem demo --sink …` can write to, each on a local stand-in for its cloud service:
 * local files, MinIO for S3 (data kept under the output folder so a second demo resumes), and
 * fake-gcs-server for GCS. The servers are the ones the test suites use, obtained the same way.
 */
import { join } from 'node:path';
import type { DeploymentConfig } from '@ctxsiem/registry';

/**
 * The local stand-ins the demo can start, named by the sink they stand in for. Not a connector list:
 * a sink joins only with a server the demo can run on this machine.
 */
export const DEMO_SINKS = ['file', 's3', 'gcs'] as const;
export type DemoSink = (typeof DEMO_SINKS)[number];

export interface DemoTarget {
  sink: DeploymentConfig['sink'];
  checkpoint: DeploymentConfig['checkpoint'];
  /** Where the data went, for the closing message. */
  describe(): Promise<string>;
  /** Whether the checkpoints outlive the demo, so a second demo resumes. */
  resumes: boolean;
  stop(): Promise<void>;
}

const BUCKET = 'ctxsiem-demo';
const PREFIX = 'citrix';

export async function demoTarget(kind: DemoSink, out: string): Promise<DemoTarget> {
  switch (kind) {
    case 'file':
      return {
        sink: { type: 'file', directory: out, prefix: '', gzip: false },
        checkpoint: { type: 'file', directory: join(out, '_state') },
        describe: async () =>
          `Files are under ${out}/ (one folder per stream, partitioned by hour), checkpoints under ${out}/_state/.`,
        resumes: true,
        stop: async () => {},
      };
    case 's3': {
      const { startMinio } = await import('@ctxsiem/test-kit/servers');
      const { S3SinkConfigSchema, S3CheckpointConfigSchema } = await import('@ctxsiem/sink-s3/config');
      const { ensureBucket, listObjectKeys } = await import('@ctxsiem/sink-s3');
      const minio = await startMinio({ dataDir: join(out, '.minio') });
      const connection = minio.connection(BUCKET);
      const sink = S3SinkConfigSchema.parse({ type: 's3', prefix: PREFIX, ...connection });
      await ensureBucket(sink);
      return {
        sink,
        checkpoint: S3CheckpointConfigSchema.parse({ type: 's3', prefix: `${PREFIX}/_state`, ...connection }),
        describe: async () => {
          const keys = await listObjectKeys(sink);
          return `${keys.length} objects in s3://${BUCKET}/${PREFIX}/ on MinIO (${minio.endpoint}; data kept in ${out}/.minio), e.g.\n${keys
            .slice(0, 5)
            .map((k) => `  ${k}`)
            .join('\n')}`;
        },
        resumes: true,
        stop: () => minio.stop(),
      };
    }
    case 'gcs': {
      const { startFakeGcs } = await import('@ctxsiem/test-kit/servers');
      const { GcsSinkConfigSchema, GcsCheckpointConfigSchema } = await import('@ctxsiem/sink-gcs/config');
      const { ensureBucket, listObjectKeys } = await import('@ctxsiem/sink-gcs');
      const server = await startFakeGcs();
      const connection = { bucket: BUCKET, endpoint: server.endpoint, projectId: 'ctxsiem-demo' };
      const sink = GcsSinkConfigSchema.parse({ type: 'gcs', prefix: PREFIX, ...connection });
      await ensureBucket(sink);
      return {
        sink,
        checkpoint: GcsCheckpointConfigSchema.parse({
          type: 'gcs',
          prefix: `${PREFIX}/_state`,
          ...connection,
        }),
        describe: async () => {
          const keys = await listObjectKeys(sink);
          return `${keys.length} objects in gs://${BUCKET}/${PREFIX}/ on fake-gcs-server (${server.endpoint}; in memory, gone when the demo ends), e.g.\n${keys
            .slice(0, 5)
            .map((k) => `  ${k}`)
            .join('\n')}`;
        },
        resumes: false,
        stop: () => server.stop(),
      };
    }
  }
}
