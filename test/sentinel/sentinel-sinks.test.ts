/**
 * The sentinel source through a whole deployment (`collect`) into the file sink, S3 on MinIO and the
 * Azure Monitor contract server: exactly the produced events delivered, each once, broken messages in
 * the dead letters.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { decodePart, type JsonRecord, SecretRegistry, silentLogger, systemClock } from '@ctxsiem/core';
import { type CollectSummary, collect } from '@ctxsiem/deployment';
import { type RunningKafka, startAzureMonitorApi, startMinio } from '@ctxsiem/local-services';
import { createS3Client, ensureBucket, listObjectKeys } from '@ctxsiem/object-store-s3';
import { DeploymentConfigSchema } from '@ctxsiem/registry';
import { dcrDeclaration } from '@ctxsiem/sink-azure-monitor';
import { readStoredFiles } from '@ctxsiem/sink-file';
import { S3SinkConfigSchema } from '@ctxsiem/sink-s3';
import { SENTINEL_STREAMS, TENANT_FIELD } from '@ctxsiem/source-sentinel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { produce, sentinelSection, startBroker, TENANT_ENTRY, USER } from './support.ts';

const EVENTS = 4_000;
const BROKEN = ['{"event_type":', '{"event_type":"riskScoreChange","tenant_id":"acme01"}'];
const TOPICS = ['to-files', 'to-minio', 'to-azure'] as const;

/** Where the broker's SCRAM password is, as a deployment's `env:` reference names it. */
const PASSWORD_VARIABLE = 'CTXSIEM_TEST_CAS_PASSWORD';

let kafka: RunningKafka;
let scratch: string;
let caFile: string;

beforeAll(async () => {
  kafka = await startBroker(TOPICS);
  scratch = await mkdtemp(join(tmpdir(), 'ctxsiem-sentinel-sinks-'));
  process.env[PASSWORD_VARIABLE] = USER.password;
  caFile = join(scratch, 'CARoot.pem');
  await writeFile(caFile, kafka.ca);
  await Promise.all(TOPICS.map((topic) => produce(kafka, topic, EVENTS, BROKEN)));
}, 120_000);
afterAll(async () => {
  delete process.env[PASSWORD_VARIABLE];
  await kafka?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

async function collectInto(topic: string, sections: Record<string, unknown>): Promise<CollectSummary> {
  const config = DeploymentConfigSchema.parse({
    tenants: [TENANT_ENTRY],
    // The password and CA as a user writes them: references, resolved by the deployment.
    sources: [
      sentinelSection(kafka, topic, undefined, {
        password: `env:${PASSWORD_VARIABLE}`,
        ca: `file:${caFile}`,
      }),
    ],
    ...sections,
  });
  return collect(config, { logger: silentLogger(), clock: systemClock, secrets: new SecretRegistry() });
}

const ids = (records: JsonRecord[]) => new Set(records.map((record) => String(record.record_id)));

function expectDelivered(summary: CollectSummary) {
  expect(summary.totals.failed).toEqual([]);
  expect(summary.logs).toHaveLength(1);
  expect(summary.logs[0]).toMatchObject({
    records: EVENTS,
    deadLetters: BROKEN.length,
    stoppedBy: 'caught-up',
  });
  expect(summary.logs[0]!.partitions.every((p) => p.lag === 0)).toBe(true);
}

describe('sentinel into every kind of sink', () => {
  it('files: every event once', async () => {
    const out = join(scratch, 'files');
    const summary = await collectInto('to-files', {
      sink: { type: 'file', directory: out },
      checkpoint: { type: 'file', directory: join(out, '_state') },
    });
    expectDelivered(summary);
    const files = await readStoredFiles(out);
    const records = files.filter((f) => !f.path.startsWith('_deadletter/')).flatMap((f) => f.records);
    expect(records).toHaveLength(EVENTS);
    expect(ids(records).size).toBe(EVENTS);
    expect(files.filter((f) => f.path.startsWith('_deadletter/')).flatMap((f) => f.records)).toHaveLength(
      BROKEN.length,
    );
  }, 120_000);

  it('S3 on MinIO: every event once', async () => {
    const minio = await startMinio();
    try {
      const sink = S3SinkConfigSchema.parse({ type: 's3', prefix: 'cas', ...minio.connection('risk') });
      await ensureBucket(sink);
      const summary = await collectInto('to-minio', {
        sink,
        checkpoint: { type: 's3', prefix: 'cas/_state', ...minio.connection('risk') },
      });
      expectDelivered(summary);
      const client = createS3Client(sink);
      const keys = (await listObjectKeys(sink)).filter(
        (key) => /^cas\/.*\.ndjson(\.gz)?$/.test(key) && !key.includes('_deadletter/'),
      );
      const records: JsonRecord[] = [];
      for (const key of keys) {
        const object = await client.send(new GetObjectCommand({ Bucket: 'risk', Key: key }));
        const bytes = Buffer.from(await object.Body!.transformToByteArray());
        records.push(...decodePart(bytes));
      }
      expect(records).toHaveLength(EVENTS);
      expect(ids(records).size).toBe(EVENTS);
    } finally {
      await minio.stop();
    }
  }, 120_000);

  it('the Azure Monitor Logs Ingestion API: every event once, stored in Citrix’s CitrixAnalytics_<stream>_V1_CL tables, nothing dropped', async () => {
    const api = await startAzureMonitorApi();
    api.loadDcr(
      dcrDeclaration(
        SENTINEL_STREAMS.map((stream) => ({
          source: 'sentinel',
          stream: stream.name,
          columns: stream.columns ?? [],
          timeField: stream.timeField,
          tenantField: TENANT_FIELD,
        })),
      ),
    );
    const out = join(scratch, 'azure');
    try {
      const summary = await collectInto('to-azure', {
        sink: { type: 'azure-monitor', ...api.connection },
        deadLetters: { type: 'file', directory: out },
        checkpoint: { type: 'file', directory: join(out, '_state') },
      });
      expectDelivered(summary);
      const accepted = [...api.accepted.values()].flat();
      expect(accepted).toHaveLength(EVENTS);
      expect(ids(accepted).size).toBe(EVENTS);
      expect([...api.accepted.keys()].every((stream) => stream.startsWith('Custom-CitrixAnalytics_'))).toBe(
        true,
      );
      expect(api.accepted.has('Custom-CitrixAnalytics_riskScoreChange_V1')).toBe(true);
      // As Azure stores them: every event a row of its table, no field dropped on the way.
      expect(api.drops).toEqual({});
      expect([...api.rows.values()].flat()).toHaveLength(EVENTS);
      expect(api.rows.get('CitrixAnalytics_riskScoreChange_V1_CL')?.length).toBeGreaterThan(0);
    } finally {
      await api.close();
    }
  }, 120_000);
});
