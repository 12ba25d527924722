/**
 * What issue 27 found against Google's documentation, each held by the contract server: regions map
 * to both APIs' hosts (`europe` → location `eu`), the import API is called on `v1`, a log over 1 MB is
 * dead-lettered before sending (SecOps would accept and drop it), and a log type the instance does not
 * have is refused as the API refuses it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigError,
  type JsonRecord,
  ManualClock,
  run,
  type Sink,
  SinkError,
  type Source,
  silentLogger,
  withDeadLetterSink,
} from '@ctxsiem/core';
import { CHRONICLE_LOCATIONS, LEGACY_REGIONS, type SecOpsApi, startSecOpsApi } from '@ctxsiem/local-services';
import { fileCheckpointStore, fileSink, readStoredRecords } from '@ctxsiem/sink-file';
import { generatedSource } from '@ctxsiem/source-generated';
import { ingestionBatch } from '@ctxsiem/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  chronicleLocation,
  ingestionUrl,
  SECOPS_REGIONS,
  type SecOpsSinkConfigInput,
  SecOpsSinkConfigSchema,
  secopsSink,
} from '../src/index.ts';
import { CUSTOM_LOG_TYPE, contractSink } from './harness.ts';

let api: SecOpsApi;
let dir: string;

beforeEach(async () => {
  api = await startSecOpsApi({ customLogTypes: [CUSTOM_LOG_TYPE] });
  dir = await mkdtemp(join(tmpdir(), 'ctxsiem-secops-contract-'));
});
afterEach(async () => {
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

/** A sink that reaches Google's real host names, resolved to the contract server. */
function sink(overrides: Partial<SecOpsSinkConfigInput> = {}): Sink {
  return contractSink(
    api,
    fileCheckpointStore({ directory: join(dir, 'state') }).manifests,
    { region: 'europe', maxAttempts: 2, ...overrides },
    { fetch: api.fetch },
  );
}

const sessions = (count: number) =>
  Array.from({ length: count }, (_, i) => ({
    SessionKey: `s-${i}`,
    ModifiedDate: new Date(Date.UTC(2024, 7, 6, 7, 0, i)).toISOString(),
  }));
/** What SecOps holds, without the record id every log carries (`recordIdField`). */
const delivered = () =>
  api.accepted.map((log) => {
    const { ctxsiemRecordId: _id, ...record } = JSON.parse(log.text) as JsonRecord;
    return record;
  });

describe('regions and the API version', () => {
  it('maps a region to both APIs: europe is the Chronicle API location eu and the legacy host europe-…', () => {
    const config = (region: string, api: 'import' | 'legacy' = 'import') =>
      SecOpsSinkConfigSchema.parse({ project: 'p', instance: 'i', region, api });
    expect(chronicleLocation('europe')).toBe('eu');
    expect(ingestionUrl(config('europe'), 'CITRIX_MONITOR')).toBe(
      'https://eu-chronicle.googleapis.com/v1/projects/p/locations/eu/instances/i/logTypes/CITRIX_MONITOR/logs:import',
    );
    expect(ingestionUrl(config('us'), 'CITRIX_MONITOR')).toMatch(
      /^https:\/\/us-chronicle\.googleapis\.com\/v1\/projects\/p\/locations\/us\//,
    );
    expect(ingestionUrl(config('europe-west2'), 'X')).toMatch(
      /^https:\/\/europe-west2-chronicle\.googleapis\.com\/v1\/projects\/p\/locations\/europe-west2\//,
    );
    expect(ingestionUrl(config('europe', 'legacy'), 'X')).toBe(
      'https://europe-malachiteingestion-pa.googleapis.com/v2/unstructuredlogentries:batchCreate',
    );
    expect(ingestionUrl(config('us', 'legacy'), 'X')).toBe(
      'https://malachiteingestion-pa.googleapis.com/v2/unstructuredlogentries:batchCreate',
    );
    // The sink's table and the contract server's agree.
    expect(new Set(Object.values(SECOPS_REGIONS).map((r) => r.location))).toEqual(
      new Set(CHRONICLE_LOCATIONS),
    );
    expect(
      new Set(
        Object.values(SECOPS_REGIONS).map((r) =>
          r.legacyHost.replace(/-?malachiteingestion-pa\.googleapis\.com$/, ''),
        ),
      ),
    ).toEqual(new Set(['', ...LEGACY_REGIONS]));
    // A region Google does not list is refused, naming the field.
    expect(() => secopsSink({ project: 'p', instance: 'i', region: 'mars' })).toThrow(ConfigError);
    expect(() => secopsSink({ project: 'p', instance: 'i', region: 'mars' })).toThrow(
      /region.*must be a SecOps region/,
    );
  });

  it('imports through eu-chronicle.googleapis.com on v1 for region europe, and the legacy API through europe-…', async () => {
    const records = sessions(3);
    await sink().write(ingestionBatch(records));
    expect(delivered()).toEqual(records);
    expect(api.accepted.every((log) => log.api === 'import' && log.logType === 'CITRIX_MONITOR')).toBe(true);
    await sink({ api: 'legacy' }).write(ingestionBatch(sessions(2), { seq: 1 }));
    expect(api.accepted.slice(3).every((log) => log.api === 'legacy')).toBe(true);
    expect(await sink().check()).toMatch(/eu-chronicle\.googleapis\.com/);
  });

  it('the contract server refuses what Google does not serve: a europe location or host, a pre-GA version', async () => {
    const post = (url: string) =>
      api.fetch(url, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    const path = (version: string, location: string) =>
      `/${version}/projects/p/locations/${location}/instances/i/logTypes/CITRIX_MONITOR/logs:import`;
    const wrongLocation = await post(`https://eu-chronicle.googleapis.com${path('v1', 'europe')}`);
    expect(wrongLocation.status).toBe(404);
    expect(await wrongLocation.json()).toMatchObject({ error: { status: 'NOT_FOUND' } });
    expect((await post(`https://europe-chronicle.googleapis.com${path('v1', 'eu')}`)).status).toBe(404);
    expect((await post(`https://us-chronicle.googleapis.com${path('v1', 'eu')}`)).status).toBe(400);
    expect((await post(`https://eu-chronicle.googleapis.com${path('v1alpha', 'eu')}`)).status).toBe(404);
    expect(
      (await post('https://eu-malachiteingestion-pa.googleapis.com/v2/unstructuredlogentries:batchCreate'))
        .status,
    ).toBe(404);
    expect(api.stats.requests).toBe(0);
  });
});

describe('log types the instance does not have', () => {
  it('are refused as the API refuses them (404 NOT_FOUND for import, 400 for legacy), and nothing is delivered', async () => {
    const records = sessions(2);
    const error = await sink({ logTypes: { monitor: 'CITRIX_SESSIONS' } })
      .write(ingestionBatch(records))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SinkError);
    expect((error as Error).message).toMatch(
      /SecOps answered 404: LogType ".*\/logTypes\/CITRIX_SESSIONS" not found/,
    );
    const legacy = await sink({ api: 'legacy', logTypes: { monitor: 'CITRIX_SESSIONS' } })
      .write(ingestionBatch(records, { seq: 1 }))
      .catch((e: unknown) => e);
    expect((legacy as Error).message).toMatch(/SecOps answered 400: invalid log_type: CITRIX_SESSIONS/);
    expect(api.accepted).toEqual([]);
    // A custom log type the administrator created is accepted.
    api.logTypes.add('CITRIX_SESSIONS');
    await sink({ logTypes: { monitor: 'CITRIX_SESSIONS' } }).write(ingestionBatch(records, { seq: 2 }));
    expect(delivered()).toEqual(records);
  });
});

describe('one log over 1 MB', () => {
  it('is never sent: refused with its size, dead-lettered by the runner, the rest delivered once', async () => {
    const big = { id: 'big', pad: 'x'.repeat(1_100_000) };
    expect(sink().refuse?.(big)).toMatch(
      /^the record is a log of 1100\d{3} bytes; SecOps ingests no log over 1000000 bytes/,
    );
    expect(sink().refuse?.({ id: 'small', pad: 'x'.repeat(900_000) })).toBeUndefined();
    // The contract server ingests no such log: it would be accepted and dropped.
    // The generated source, with every record whose id ends in 7 padded past 1 MB.
    const base = generatedSource({ start: new Date('2024-08-06T07:00:00Z'), pageSize: 40 });
    const source: Source = {
      ...base,
      streams: base.streams.map((stream) => ({
        ...stream,
        async *read(...args: Parameters<typeof stream.read>) {
          for await (const page of stream.read(...args))
            yield {
              ...page,
              records: page.records.map((record) =>
                String(record.id).endsWith('7') ? { ...record, pad: 'x'.repeat(1_100_000) } : record,
              ),
            };
        },
      })),
    };
    const deadLetters = fileSink(
      { directory: join(dir, 'out') },
      { logger: silentLogger(), clock: { now: Date.now } },
    );
    const clock = new ManualClock(new Date('2024-08-06T09:10:00Z'));
    const checkpoints = fileCheckpointStore({ directory: join(dir, 'state') });
    const summary = await run({
      source,
      sink: withDeadLetterSink(sink(), deadLetters),
      checkpoints,
      logger: silentLogger(),
      clock,
      start: new Date('2024-08-06T07:00:00Z'),
    });
    expect(summary.streams.map((stream) => [stream.status, stream.error])).toEqual([['ok', undefined]]);
    const dead = await readStoredRecords(join(dir, 'out', '_deadletter'));
    expect(dead.length).toBeGreaterThan(0);
    expect(dead.every((entry) => /SecOps ingests no log over 1000000 bytes/.test(String(entry.reason)))).toBe(
      true,
    );
    expect(api.dropped).toEqual([]);
    expect(api.accepted.every((log) => Buffer.byteLength(log.text) <= 1_000_000)).toBe(true);
    const ids = delivered().map((record) => String(record.id));
    expect(ids.length).toBe(new Set(ids).size);
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.some((id) => id.endsWith('7'))).toBe(false);
    expect(dead.map((entry) => String((entry.record as JsonRecord).id)).every((id) => id.endsWith('7'))).toBe(
      true,
    );
  });
});
