/**
 * The sinks `ctxsiem demo --sink …` can write to, each on a local stand-in for its cloud service:
 * local files, MinIO for S3 (data kept under the output folder so a second demo resumes),
 * fake-gcs-server for GCS, and the SecOps and Azure Monitor contract servers for the SIEM APIs (their
 * dead letters and checkpoints in files under the output folder). The servers are the ones the test
 * suites use, obtained the same way.
 */
import { join } from 'node:path';
import type { SourceDeps } from '@ctxsiem/deployment';
import type { DeploymentConfig } from '@ctxsiem/registry';

/**
 * The local stand-ins the demo can start, named by the sink they stand in for. Not a connector list:
 * a sink joins only with a server the demo can run on this machine.
 */
export const DEMO_SINKS = ['file', 's3', 'gcs', 'secops', 'azure-monitor'] as const;
export type DemoSink = (typeof DEMO_SINKS)[number];

export interface DemoTarget {
  sink: DeploymentConfig['sink'];
  checkpoint: DeploymentConfig['checkpoint'];
  /** Where a SIEM API sink's dead letters go. */
  deadLetters?: DeploymentConfig['deadLetters'];
  /**
   * Readies the stand-in for the deployment's sources (the Azure Monitor contract server loads the
   * data collection rule `ctxsiem azure dcr` generates, so it stores records as Azure would).
   */
  prepare?(config: DeploymentConfig, deps: SourceDeps): Promise<void>;
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
      const { startMinio } = await import('@ctxsiem/local-services');
      const { SinkConfigSchema, CheckpointConfigSchema } = await import('@ctxsiem/registry');
      const { ensureBucket, listObjectKeys } = await import('@ctxsiem/object-store-s3');
      const minio = await startMinio({ dataDir: join(out, '.minio') });
      const connection = minio.connection(BUCKET);
      await ensureBucket(connection);
      return {
        sink: SinkConfigSchema.parse({ type: 's3', prefix: PREFIX, ...connection }),
        checkpoint: CheckpointConfigSchema.parse({ type: 's3', prefix: `${PREFIX}/_state`, ...connection }),
        describe: async () => {
          const keys = await listObjectKeys({ ...connection, prefix: PREFIX });
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
      const { startFakeGcs } = await import('@ctxsiem/local-services');
      const { SinkConfigSchema, CheckpointConfigSchema } = await import('@ctxsiem/registry');
      const { ensureBucket, listObjectKeys } = await import('@ctxsiem/object-store-gcs');
      const server = await startFakeGcs();
      const connection = { bucket: BUCKET, endpoint: server.endpoint, projectId: 'ctxsiem-demo' };
      await ensureBucket(connection);
      return {
        sink: SinkConfigSchema.parse({ type: 'gcs', prefix: PREFIX, ...connection }),
        checkpoint: CheckpointConfigSchema.parse({ type: 'gcs', prefix: `${PREFIX}/_state`, ...connection }),
        describe: async () => {
          const keys = await listObjectKeys({ ...connection, prefix: PREFIX });
          return `${keys.length} objects in gs://${BUCKET}/${PREFIX}/ on fake-gcs-server (${server.endpoint}; in memory, gone when the demo ends), e.g.\n${keys
            .slice(0, 5)
            .map((k) => `  ${k}`)
            .join('\n')}`;
        },
        resumes: false,
        stop: () => server.stop(),
      };
    }
    case 'secops': {
      const { startSecOpsApi } = await import('@ctxsiem/local-services');
      // The sources SecOps has no log type for go to custom log types, as an administrator would create.
      const logTypes = { daasconfiglog: 'CTXSIEM_DAASCONFIGLOG', licensing: 'CTXSIEM_LICENSING' };
      const api = await startSecOpsApi({ customLogTypes: Object.values(logTypes) });
      return {
        ...localState(out, 'secops'),
        sink: {
          type: 'secops',
          api: 'import',
          region: 'us',
          project: 'ctxsiem-demo',
          instance: '01234567-89ab-cdef-0123-456789abcdef',
          labels: {},
          logTypes,
          maxLogBytes: 1_000_000,
          recordIdField: 'ctxsiemRecordId',
          endpoint: api.endpoint,
          tokenUrl: api.tokenUrl,
          serviceAccountKey: api.serviceAccountKey,
          maxAttempts: 8,
          requestTimeoutSeconds: 60,
        },
        describe: async () => {
          const byType = countBy(api.accepted.map((log) => log.logType));
          return `${api.accepted.length} logs imported into the SecOps contract server (${api.endpoint}) in ${api.stats.requests} logs:import requests: ${byType}. Dead letters and checkpoints are under ${localStateFolder(out, 'secops')}/.`;
        },
        stop: () => api.close(),
      };
    }
    case 'azure-monitor': {
      const { startAzureMonitorApi } = await import('@ctxsiem/local-services');
      const api = await startAzureMonitorApi();
      return {
        ...localState(out, 'azure-monitor'),
        sink: {
          type: 'azure-monitor',
          endpoint: api.endpoint,
          ruleId: api.ruleId,
          streams: {},
          tenantId: api.tenantId,
          clientId: api.clientId,
          clientSecret: api.clientSecret,
          authorityHost: api.authorityHost,
          recordIdColumn: 'CtxsiemRecordId',
          maxRequestBytes: 1_000_000,
          maxAttempts: 8,
          requestTimeoutSeconds: 60,
        },
        async prepare(config, deps) {
          const { azureDcr } = await import('@ctxsiem/deployment');
          api.loadDcr(await azureDcr(config, deps));
        },
        describe: async () => {
          const streams = [...api.accepted]
            .map(([stream, records]) => `${stream} ${records.length}`)
            .join(', ');
          const rows = [...api.rows.values()].reduce((sum, table) => sum + table.length, 0);
          const drops = Object.entries(api.drops).map(([what, records]) => `${what} (${records})`);
          const stored = `Azure would store ${rows} rows in ${api.rows.size} tables; ${
            drops.length ? `it would drop: ${drops.join(', ')}` : 'nothing dropped'
          }${api.timeReplaced ? `; ${api.timeReplaced} TimeGenerated replaced by the time received` : ''}.`;
          return `Records sent to the Azure Monitor contract server (${api.endpoint}, HTTPS with a CA made for it) in ${api.stats.requests} gzipped requests: ${streams}. ${stored} Dead letters and checkpoints are under ${localStateFolder(out, 'azure-monitor')}/.`;
        },
        stop: () => api.close(),
      };
    }
  }
}

/**
 * A SIEM API sink's local state in the demo: dead letters and checkpoints in files under `out/_<kind>`,
 * its own — a demo into SecOps after one into files (or Azure) starts from its own checkpoints, not from
 * where the other left off.
 */
export function localState(out: string, kind: 'secops' | 'azure-monitor') {
  const root = localStateFolder(out, kind);
  return {
    deadLetters: { type: 'file' as const, directory: root, prefix: '', gzip: false },
    checkpoint: { type: 'file' as const, directory: join(root, '_state') },
    resumes: true,
  };
}

/** Where a SIEM API sink's demo keeps its dead letters and checkpoints. */
export const localStateFolder = (out: string, kind: 'secops' | 'azure-monitor') => join(out, `_${kind}`);

/** `A 3, B 2`: how many of each value, most first. */
function countBy(values: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([value, count]) => `${value} ${count}`)
    .join(', ');
}
