/** The S3 sink and store under core's runner: same output as the file sink, retries, races, migration. */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkpointKey, decodeNdjson, type JsonRecord, ManualClock, run, silentLogger } from '@ctxsiem/core';
import { fileCheckpointStore, fileSink } from '@ctxsiem/sink-file';
import { generatedSource } from '@ctxsiem/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3CheckpointStore, s3Sink } from '../../src/index.ts';
import { type MinioFixture, SERVER_HOOK_TIMEOUT_MS, startMinioFixture } from '../support/minio.ts';

const logger = silentLogger();
const deps = { logger, clock: { now: Date.now } };
const START = new Date('2024-08-06T00:00:00Z');
const PREFIX = 'citrix_monitor';

let fixture: MinioFixture;
let scratch = '';
beforeAll(async () => {
  fixture = await startMinioFixture();
  scratch = await mkdtemp(join(tmpdir(), 'ctxsiem-s3-runner-'));
}, SERVER_HOOK_TIMEOUT_MS);
afterAll(async () => {
  await fixture?.stop();
  await rm(scratch, { recursive: true, force: true });
});

/** Every stored object of the bucket under PREFIX, as relative key → records. */
async function s3Contents(bucket: string): Promise<Map<string, JsonRecord[]>> {
  const contents = new Map<string, JsonRecord[]>();
  for (const key of await fixture.keys(bucket, `${PREFIX}/`)) {
    contents.set(key.slice(PREFIX.length + 1), await fixture.records(bucket, key));
  }
  return contents;
}

async function fileContents(root: string): Promise<Map<string, JsonRecord[]>> {
  const contents = new Map<string, JsonRecord[]>();
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  for (const file of files.sort()) {
    contents.set(file.slice(root.length + 1), decodeNdjson(await readFile(file, 'utf8')));
  }
  return new Map([...contents].sort(([a], [b]) => (a < b ? -1 : 1)));
}

const ids = (records: Iterable<JsonRecord>) => [...records].map((r) => String(r.id)).sort();

describe('s3 sink under the runner', () => {
  it('produces the same keys and records as the file sink for the same run', async () => {
    const source = generatedSource({
      start: START,
      pageSize: 40,
      invalidEvery: 5,
      streams: [
        { name: 'Sessions', recordsPerMinute: 7 },
        { name: 'Machines', recordsPerMinute: 3 },
      ],
    });
    const now = new Date('2024-08-06T02:20:00Z');

    const directory = join(scratch, 'parity');
    const viaFile = await run({
      source,
      sink: fileSink({ directory: join(directory, 'out'), prefix: PREFIX }, deps),
      checkpoints: fileCheckpointStore({ directory: join(directory, 'state') }),
      logger,
      clock: new ManualClock(now),
    });

    const bucket = await fixture.newBucket();
    const sink = s3Sink(fixture.sinkConfig(bucket, { prefix: PREFIX }), deps);
    const viaS3 = await run({
      source,
      sink,
      checkpoints: s3CheckpointStore(fixture.storeConfig(bucket)),
      logger,
      clock: new ManualClock(now),
    });

    expect(viaS3.failed).toEqual([]);
    expect(viaS3.totals).toEqual(viaFile.totals);
    expect(viaS3.totals.deadLetters).toBeGreaterThan(0);
    const expected = await fileContents(join(directory, 'out', PREFIX));
    const actual = await s3Contents(bucket);
    expect([...actual.keys()]).toEqual([...expected.keys()]);
    expect([...actual.keys()].some((key) => key.startsWith('_deadletter/Sessions/'))).toBe(true);
    for (const [key, records] of expected) expect(actual.get(key), key).toEqual(records);
    await sink.close();
  });

  it('overwrites a re-run window instead of adding objects when the checkpoint is lost', async () => {
    const source = generatedSource({ start: START, pageSize: 50 });
    const clock = new ManualClock(new Date('2024-08-06T01:30:00Z'));
    const bucket = await fixture.newBucket();
    const sink = s3Sink(fixture.sinkConfig(bucket, { prefix: PREFIX }), deps);
    const checkpoints = s3CheckpointStore(fixture.storeConfig(bucket));

    const first = await run({ source, sink, checkpoints, logger, clock });
    expect(first.streams[0]?.status).toBe('ok');
    const before = await s3Contents(bucket);

    await checkpoints.delete(checkpointKey('test-tenant', 'generated', 'events'));
    const second = await run({ source, sink, checkpoints, logger, clock });
    expect(second.streams[0]?.status).toBe('ok');
    expect(second.totals.records).toBe(first.totals.records);

    const after = await s3Contents(bucket);
    expect(after.size).toBe(before.size);
    expect(after).toEqual(before);
    const truth = source.truth('events', { from: START, to: new Date('2024-08-06T01:25:00Z') });
    expect(ids([...after.values()].flat())).toEqual(ids(truth));
    await sink.close();
  });

  it('lets only one of two concurrent runners advance a stream; the objects hold the truth exactly', async () => {
    const source = generatedSource({ start: START, pageSize: 25 });
    const clock = new ManualClock(new Date('2024-08-06T00:45:00Z'));
    const bucket = await fixture.newBucket();
    const sink = s3Sink(fixture.sinkConfig(bucket, { prefix: PREFIX }), deps);
    const [a, b] = await Promise.all([
      run({ source, sink, checkpoints: s3CheckpointStore(fixture.storeConfig(bucket)), logger, clock }),
      run({ source, sink, checkpoints: s3CheckpointStore(fixture.storeConfig(bucket)), logger, clock }),
    ]);
    expect([a.streams[0]?.status, b.streams[0]?.status].sort()).toEqual(['failed', 'ok']);
    const loser = [a, b].find((s) => s.streams[0]?.status === 'failed');
    expect(loser?.streams[0]?.error).toMatch(/changed by another runner/);

    const state = await s3CheckpointStore(fixture.storeConfig(bucket)).read(
      checkpointKey('test-tenant', 'generated', 'events'),
    );
    expect(state?.state.position).toBe('2024-08-06T00:40:00.000Z');
    const stored = [...(await s3Contents(bucket)).values()].flat();
    const truth = source.truth('events', { from: START, to: new Date('2024-08-06T00:40:00Z') });
    expect(ids(stored)).toEqual(ids(truth));
    await sink.close();
  });

  it("continues a seed collector's deployment at the hour after its state.json", async () => {
    const bucket = await fixture.newBucket();
    await fixture.put(bucket, `${PREFIX}/state.json`, '{"last_hour_utc":"2024-08-06T07:00:00Z"}');
    const source = generatedSource({ start: START, pageSize: 200 });
    const sink = s3Sink(fixture.sinkConfig(bucket, { prefix: PREFIX }), deps);
    const checkpoints = s3CheckpointStore(
      fixture.storeConfig(bucket, { prefix: `${PREFIX}/_state`, legacyKey: `${PREFIX}/state.json` }),
    );
    const summary = await run({
      source,
      sink,
      checkpoints,
      logger,
      clock: new ManualClock(new Date('2024-08-06T10:10:00Z')),
    });
    expect(summary.streams[0]).toMatchObject({
      status: 'ok',
      from: '2024-08-06T08:00:00.000Z',
      to: '2024-08-06T10:05:00.000Z',
    });
    const keys = await fixture.keys(bucket, `${PREFIX}/events/`);
    expect(keys.some((key) => key.includes('/hour=08/'))).toBe(true);
    expect(keys.every((key) => /hour=(08|09|10)\//.test(key))).toBe(true);
    expect(await fixture.records(bucket, `${PREFIX}/state.json`)).toEqual([
      { last_hour_utc: '2024-08-06T07:00:00Z' },
    ]);
    await sink.close();
  });
});
