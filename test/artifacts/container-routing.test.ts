/**
 * The container image routes Kafka batches in worker threads as the workspace does: its bundle carries
 * the routing worker's entry and the sentinel source's routing module as files of their own, and its
 * CLI's `collect` on a real broker (SASL_SSL, SCRAM) starts the workers and delivers every event once.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { produceRiskEvents, riskEvents } from '@ctxsiem/emulator';
import { type RunningKafka, startKafka } from '@ctxsiem/local-services';
import { readStoredFiles } from '@ctxsiem/sink-file';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageFolder } from '../../scripts/package-app.ts';

const TOPIC = 'risk-image';
const USER = { name: 'cas-export', password: 'cas-export-password-3' };
const EVENTS = 3_000;

let kafka: RunningKafka;
let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'ctxsiem-image-routing-'));
  kafka = await startKafka({
    users: [USER],
    topics: [{ name: TOPIC, partitions: 3 }],
    grants: [{ user: USER.name, topic: TOPIC, group: `group-${TOPIC}` }],
  });
  await produceRiskEvents({
    connection: kafka.adminConnection,
    topic: TOPIC,
    events: riskEvents({ seed: 3, tenant: 'acme01', count: EVENTS, start: new Date('2026-11-03T00:00:00Z') }),
  });
}, 180_000);
afterAll(async () => {
  await kafka?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('the container image', () => {
  it('collects a Kafka topic with its batches routed in worker threads, every event once', async () => {
    const packaged = await packageFolder('container', join(scratch, 'image'));
    expect(packaged.files).toEqual(expect.arrayContaining(['routing-worker.mjs', 'message-routing.mjs']));

    const out = join(scratch, 'out');
    const config = join(scratch, 'deploy.json');
    await writeFile(
      config,
      JSON.stringify({
        tenants: [{ customerId: 'acme01', clientId: 'unused', clientSecret: 'unused' }],
        sources: [
          {
            type: 'sentinel',
            brokers: [kafka.bootstrap],
            topic: TOPIC,
            groupId: `group-${TOPIC}`,
            username: USER.name,
            password: USER.password,
            ca: kafka.ca,
            idleSeconds: 1,
            batch: { records: 500, bytes: 1_048_576, waitMs: 200 },
          },
        ],
        sink: { type: 'file', directory: out },
        checkpoint: { type: 'file', directory: join(out, '_state') },
        logLevel: 'debug',
      }),
    );
    const run = spawnSync(
      process.execPath,
      [join(packaged.dir, 'cli.mjs'), 'collect', '--json', '--config', config],
      {
        cwd: scratch,
        encoding: 'utf8',
        env: { PATH: process.env.PATH, HOME: scratch },
        timeout: 150_000,
      },
    );
    expect(run.status, run.stderr.slice(-3000)).toBe(0);
    const logs = `${run.stdout}\n${run.stderr}`;
    expect(logs).toContain('routing in worker threads');
    expect(logs).not.toContain('routing on the consuming thread');
    const stored = (await readStoredFiles(out)).filter((file) => !file.path.startsWith('_'));
    const ids = stored.flatMap((file) => file.records.map((record) => String(record.record_id)));
    expect(ids).toHaveLength(EVENTS);
    expect(new Set(ids).size).toBe(EVENTS);
  }, 240_000);
});
