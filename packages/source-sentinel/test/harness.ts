/**
 * A real Kafka broker (SASL_SSL, SCRAM, ACLs as Citrix grants them) with one topic per test, the
 * emulator's risk events produced into it, and sentinel sources wired to a file sink and file
 * checkpoints.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ConsumeOptions,
  type ConsumeSummary,
  consume,
  type JsonRecord,
  type Sink,
  silentLogger,
  systemClock,
} from '@ctxsiem/core';
import { produceRiskEvents, riskEvents } from '@ctxsiem/emulator';
import { type RunningKafka, startKafka } from '@ctxsiem/local-services';
import { fileCheckpointStore, fileSink, readStoredFiles, readStoredRecords } from '@ctxsiem/sink-file';
import { type SentinelOptions, SentinelOptionsSchema } from '../src/config.ts';
import { sentinelSource } from '../src/index.ts';

export const TENANT = 'acme01';
export const USER = { name: 'cas-export', password: 'cas-export-password-1' };
export const TOPICS = [
  'risk-a',
  'risk-a-inline',
  'risk-b',
  'risk-c',
  'risk-d',
  'risk-e',
  'risk-codecs',
  'risk-restart',
  'risk-flattened',
] as const;
export type Topic = (typeof TOPICS)[number];
export const groupOf = (topic: string) => `group-${topic}`;

export async function startBroker(): Promise<RunningKafka> {
  return startKafka({
    users: [USER],
    topics: [...TOPICS.map((name) => ({ name, partitions: 3 })), { name: 'not-granted' }],
    grants: TOPICS.map((topic) => ({ user: USER.name, topic, group: groupOf(topic) })),
  });
}

/** The source's options for `topic`, as a user writes them from Citrix's configuration file. */
export function optionsFor(
  kafka: RunningKafka,
  topic: string,
  overrides: Record<string, unknown> = {},
): SentinelOptions {
  return SentinelOptionsSchema.parse({
    type: 'sentinel',
    brokers: [kafka.bootstrap],
    topic,
    groupId: groupOf(topic),
    username: USER.name,
    password: USER.password,
    ca: kafka.ca,
    batch: { records: 500, bytes: 1024 * 1024, waitMs: 200 },
    idleSeconds: 1,
    ...overrides,
  });
}

/** Produces the first `count` events of seed 7 (and any extra raw messages) into `topic` as the admin. */
export async function produce(
  kafka: RunningKafka,
  topic: string,
  count: number,
  extra: (string | Uint8Array)[] = [],
  first = 0,
): Promise<Record<string, unknown>[]> {
  const events = riskEvents({
    seed: 7,
    tenant: TENANT,
    count: first + count,
    start: new Date('2026-11-01T00:00:00Z'),
  }).slice(first);
  await produceRiskEvents({
    connection: kafka.adminConnection,
    topic,
    events: [...events, ...extra],
  });
  return events;
}

export interface Delivery {
  directory: string;
  sink: Sink;
  consume(options: SentinelOptions, extra?: Partial<ConsumeOptions>): Promise<ConsumeSummary>;
  /** Every record stored, across streams (dead letters apart). */
  stored(): Promise<JsonRecord[]>;
  deadLetters(): Promise<JsonRecord[]>;
  cleanup(): Promise<void>;
}

/** A file sink and file checkpoints in a fresh folder, and a way to consume into them. */
export async function fileDelivery(): Promise<Delivery> {
  const directory = await mkdtemp(join(tmpdir(), 'ctxsiem-sentinel-'));
  const deps = { logger: silentLogger(), clock: systemClock };
  const sink = fileSink({ directory: join(directory, 'out') }, deps);
  const checkpoints = fileCheckpointStore({ directory: join(directory, 'state') });
  return {
    directory,
    sink,
    consume: (options, extra = {}) => {
      const source = sentinelSource({ options, tenant: TENANT }, deps);
      return consume({
        source,
        sink,
        claims: checkpoints.manifests,
        ...deps,
        ...source.consumption,
        untilCaughtUp: true,
        ...extra,
      });
    },
    async stored() {
      const files = await readStoredFiles(join(directory, 'out'));
      return files.filter((file) => !file.path.startsWith('_deadletter/')).flatMap((file) => file.records);
    },
    async deadLetters() {
      return readStoredRecords(join(directory, 'out', '_deadletter'));
    },
    cleanup: () => rm(directory, { recursive: true, force: true }),
  };
}

/** How many record ids appear more than once. */
export function duplicates(records: JsonRecord[]): number {
  const ids = records.map((record) => String(record.record_id));
  return ids.length - new Set(ids).size;
}
