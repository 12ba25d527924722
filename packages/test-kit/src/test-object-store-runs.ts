/**
 * The conformance suite of an object-store sink (S3, GCS) and its checkpoint store, together under
 * core's runner: the same objects as the file sink for the same run, a re-run window that overwrites
 * instead of adding, two concurrent runners of which exactly one advances, the checkpoint document
 * and its conflicts, and the migration from the seed collectors' `state.json`.
 *
 * Every test gets a fresh bucket from `create`; what was stored is read back through the harness's
 * own reader (the service's API with admin rights, or plain HTTP), never through the code under test.
 * `expectFailedRunKeepsCheckpoint` is the check each package's failure cases (denied writes, missing
 * buckets…) end with: a run that hits a failing sink leaves the checkpoint where it was.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CheckpointConflictError,
  type CheckpointStore,
  checkpointKey,
  decodeNdjson,
  type JsonRecord,
  LEGACY_VERSION,
  ManualClock,
  type RunSummary,
  run,
  type Sink,
  type SinkFactory,
  type StoredCheckpoint,
  silentLogger,
  systemClock,
} from '@ctxsiem/core';
import { generatedSource } from '@ctxsiem/source-generated';
import { describe, expect, it, onTestFinished } from 'vitest';

/** Where the suite puts things in the bucket; `create` wires the sink to it. */
export interface ObjectStoreLayout {
  /** The sink's prefix: every batch object lies under `{prefix}/`. */
  prefix: string;
  /** Where a seed collector's `state.json` lies (`writeLegacyState` writes there). */
  legacyKey: string;
}

/** The checkpoint store options the suite varies; the rest (bucket, endpoint, credentials) is the harness's. */
export interface CheckpointPlacement {
  prefix?: string;
  legacyKey?: string;
  previousPrefix?: string;
}

/** Reads the bucket the way a SIEM feed or an operator would: independently of the sink and the store. */
export interface ObjectStoreReader {
  /** Every object key in the bucket under `prefix` (full keys), sorted. */
  listKeys(prefix?: string): Promise<string[]>;
  /** The records of one NDJSON object, gunzipped when it is gzip. */
  read(key: string): Promise<JsonRecord[]>;
  /** One object's text as stored. */
  text(key: string): Promise<string>;
  /** One object's version as the checkpoint store reports versions (S3: the ETag; GCS: the generation). */
  version(key: string): Promise<string>;
}

export interface ObjectStoreHarness extends ObjectStoreReader {
  /** The sink under test, on the fresh bucket, writing under `layout.prefix`. */
  sink: Sink;
  /** A new checkpoint store on the same bucket (each call: another runner), placed as asked. */
  checkpoints(placement?: CheckpointPlacement): CheckpointStore;
  /** Writes a seed collector's `state.json` (any text) at `layout.legacyKey`. */
  writeLegacyState(json: string): Promise<void>;
  cleanup?(): Promise<void>;
}

/**
 * The file sink and store factories (`@ctxsiem/sink-file`, which test-kit does not depend on): the
 * reference an object store's output must equal. Called with `{ directory, prefix }` / `{ directory }`.
 */
export interface FileReference {
  sink: SinkFactory<unknown>;
  checkpoints: (config: unknown) => CheckpointStore;
}

export interface TestObjectStoreRunsOptions {
  name: string;
  create: (layout: ObjectStoreLayout) => Promise<ObjectStoreHarness>;
  reference: FileReference;
}

const logger = silentLogger();
const START = new Date('2024-08-06T00:00:00Z');
const LAYOUT: ObjectStoreLayout = { prefix: 'citrix_monitor', legacyKey: 'citrix_monitor/state.json' };
const PREFIX = LAYOUT.prefix;
const LEGACY_STATE = '{"last_hour_utc":"2024-08-06T07:00:00Z"}';
/** The stream the generated source reads by default, as the runner keys its checkpoint. */
const EVENTS = checkpointKey('test-tenant', 'generated', 'events');
/** A stream key as the stores see them in production. */
const KEY = 'acme/monitor/Sessions';

const ids = (records: Iterable<JsonRecord>) => [...records].map((r) => String(r.id)).sort();

/** Every batch object under `root` (default PREFIX), as key relative to it → records. */
async function storedContents(store: ObjectStoreReader, root = PREFIX): Promise<Map<string, JsonRecord[]>> {
  const contents = new Map<string, JsonRecord[]>();
  for (const key of await store.listKeys(`${root}/`)) {
    contents.set(key.slice(root.length + 1), await store.read(key));
  }
  return contents;
}

/** Every file under `root`, as path relative to it → records, sorted by path. */
async function fileContents(root: string): Promise<Map<string, JsonRecord[]>> {
  const contents = new Map<string, JsonRecord[]>();
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  for (const file of files.sort()) {
    contents.set(file.slice(root.length + 1), decodeNdjson(await readFile(file, 'utf8')));
  }
  return new Map([...contents].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * Runs the generated source into `sink`, which cannot write, over a stream whose checkpoint is set:
 * the run must fail the stream with `error` and leave the position where it was (the next window may
 * have been claimed, but no part of it acknowledged).
 */
export async function expectFailedRunKeepsCheckpoint(options: {
  sink: Sink;
  checkpoints: CheckpointStore;
  error: RegExp;
}): Promise<void> {
  const { sink, checkpoints } = options;
  await checkpoints.write(EVENTS, { position: '2024-08-06T00:00:00.000Z' }, undefined);
  const before = await checkpoints.read(EVENTS);
  const summary = await run({
    source: generatedSource({ pageSize: 50 }),
    sink,
    checkpoints,
    logger,
    clock: new ManualClock(new Date('2024-08-06T02:00:00Z')),
  });
  expect(summary.failed).toEqual(['events']);
  expect(summary.streams[0]?.error).toMatch(options.error);
  const after = (await checkpoints.read(EVENTS))?.state;
  expect(after?.position).toBe(before?.state.position);
  expect(after?.window?.seq ?? 0).toBe(0);
}

export function testObjectStoreRuns(options: TestObjectStoreRunsOptions): void {
  /** A fresh bucket for this test; its sink is closed and the harness cleaned up when the test ends. */
  async function open(): Promise<ObjectStoreHarness> {
    const harness = await options.create(LAYOUT);
    onTestFinished(async () => {
      await harness.sink.close();
      await harness.cleanup?.();
    });
    return harness;
  }

  describe(`object store runs: ${options.name}`, () => {
    describe('under the runner', () => {
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

        const directory = await mkdtemp(join(tmpdir(), 'ctxsiem-object-store-runs-'));
        onTestFinished(() => rm(directory, { recursive: true, force: true }));
        const data = join(directory, 'out');
        const viaFile = await run({
          source,
          sink: options.reference.sink({ directory: data, prefix: PREFIX }, { logger, clock: systemClock }),
          checkpoints: options.reference.checkpoints({ directory: join(directory, 'state') }),
          logger,
          clock: new ManualClock(now),
        });

        const store = await open();
        const viaStore = await run({
          source,
          sink: store.sink,
          checkpoints: store.checkpoints(),
          logger,
          clock: new ManualClock(now),
        });

        expect(viaStore.failed).toEqual([]);
        expect(viaStore.totals).toEqual(viaFile.totals);
        expect(viaStore.totals.deadLetters).toBeGreaterThan(0);
        // The same parts: records under the prefix, as the file sink lays them out; dead letters beside
        // the prefix (`_ctxsiem/{prefix}/deadletter/`), where the file sink keeps them in `_deadletter/`.
        const expected = await fileContents(join(data, PREFIX));
        const expectedDead = new Map(
          [...expected]
            .filter(([key]) => key.startsWith('_deadletter/'))
            .map(([key, r]) => [key.slice(12), r]),
        );
        for (const key of expectedDead.keys()) expected.delete(`_deadletter/${key}`);
        const actual = await storedContents(store);
        expect([...actual.keys()]).toEqual([...expected.keys()]);
        for (const [key, records] of expected) expect(actual.get(key), key).toEqual(records);
        const actualDead = await storedContents(store, `_ctxsiem/${PREFIX}/deadletter`);
        expect([...actualDead.keys()]).toEqual([...expectedDead.keys()]);
        expect([...actualDead.keys()].some((key) => key.startsWith('Sessions/'))).toBe(true);
        for (const [key, records] of expectedDead) expect(actualDead.get(key), key).toEqual(records);
      });

      it('re-reads a window whose checkpoint was lost without creating or rewriting an object', async () => {
        const source = generatedSource({ start: START, pageSize: 50 });
        const clock = new ManualClock(new Date('2024-08-06T01:30:00Z'));
        const store = await open();
        const { sink } = store;
        const checkpoints = store.checkpoints();

        const first = await run({ source, sink, checkpoints, logger, clock });
        expect(first.streams[0]?.status).toBe('ok');
        const before = await storedContents(store);
        const versions = await Promise.all(
          [...before.keys()].map((key) => store.version(`${PREFIX}/${key}`)),
        );

        // The checkpoint is lost; the window manifests beside it say what was delivered.
        await checkpoints.delete(EVENTS);
        const second = await run({ source, sink, checkpoints, logger, clock });
        expect(second.streams[0]?.status).toBe('ok');
        expect(second.totals.records).toBe(0);
        expect(second.streams[0]?.skipped).toBe(first.totals.records);

        // Without the manifests either, every part is found identical: acknowledged, not rewritten.
        for (const manifest of await checkpoints.manifests.list())
          await checkpoints.manifests.delete(manifest);
        await checkpoints.delete(EVENTS);
        const third = await run({ source, sink, checkpoints, logger, clock });
        expect(third.streams[0]?.status).toBe('ok');

        const after = await storedContents(store);
        expect(after).toEqual(before);
        expect(await Promise.all([...after.keys()].map((key) => store.version(`${PREFIX}/${key}`)))).toEqual(
          versions,
        );
        const truth = source.truth('events', { from: START, to: new Date('2024-08-06T01:25:00Z') });
        expect(ids([...after.values()].flat())).toEqual(ids(truth));
      });

      it('lets only one of two overlapping runners with different clocks work a stream; the objects hold the truth exactly', async () => {
        const source = generatedSource({ start: START, pageSize: 25, unordered: { seed: 5 } });
        const store = await open();
        const { sink } = store;
        // Whichever runner takes the stream holds its first write until the other has finished: the two
        // really overlap, whatever the scheduling.
        let release = () => {};
        const released = new Promise<void>((resolve) => {
          release = resolve;
        });
        let first = true;
        const held: Sink = {
          ...sink,
          async write(batch) {
            if (first) {
              first = false;
              await released;
            }
            return sink.write(batch);
          },
        };
        const runs = ['2024-08-06T00:45:00Z', '2024-08-06T00:42:00Z'].map((now) =>
          run({
            source,
            sink: held,
            checkpoints: store.checkpoints(),
            logger,
            clock: new ManualClock(new Date(now)),
          }),
        );
        void Promise.race(runs).then(release);
        const [a, b] = (await Promise.all(runs)) as [RunSummary, RunSummary];
        expect([a.streams[0]?.status, b.streams[0]?.status].sort()).toEqual(['busy', 'ok']);
        const loser = [a, b].find((s) => s.streams[0]?.status === 'busy');
        expect(loser?.streams[0]?.error).toMatch(/another runner/);

        const position = (await store.checkpoints().read(EVENTS))?.state.position ?? '';
        const stored = [...(await storedContents(store)).values()].flat();
        const truth = source.truth('events', { from: START, to: new Date(position) });
        expect(stored.length).toBe(new Set(ids(stored)).size);
        expect(ids(stored)).toEqual(ids(truth));
      });

      it('keeps two tenants and two sources apart in one bucket: every object read back, nothing overwritten', async () => {
        const store = await open();
        const clock = new ManualClock(new Date('2024-08-06T01:05:00Z'));
        const checkpoints = store.checkpoints();
        const sources = ['acme', 'globex'].flatMap((tenant) =>
          ['monitor', 'analytics'].map((type) =>
            generatedSource({
              tenant,
              type,
              start: START,
              pageSize: 40,
              streams: [{ name: 'sessions', recordsPerMinute: 2 }],
            }),
          ),
        );
        let parts = 0;
        for (const source of sources) {
          const summary = await run({ source, sink: store.sink, checkpoints, logger, clock });
          parts += summary.totals.pages;
        }
        const stored = await storedContents(store);
        expect(stored.size).toBe(parts);
        const records = [...stored.values()].flat();
        const perSource = [
          ...sources[0]!.truth('sessions', { from: START, to: new Date('2024-08-06T01:00:00Z') }),
        ].length;
        expect(records).toHaveLength(4 * perSource);
        for (const tenant of ['acme', 'globex'])
          expect(records.filter((record) => record.tenant === tenant)).toHaveLength(2 * perSource);
      });
    });

    describe('checkpoint objects', () => {
      it("keeps one object per stream at {prefix}/{key}.json holding the state, a write id and the time; the object's version is the checkpoint's", async () => {
        const store = await open();
        const checkpoints = store.checkpoints({ prefix: 'citrix_monitor/_state/' });
        const version = await checkpoints.write(KEY, { position: '2024-08-06T07:00:00.000Z' }, undefined);
        const name = `citrix_monitor/_state/${KEY}.json`;
        expect(await store.listKeys()).toEqual([name]);
        expect(await store.version(name)).toBe(version);
        const content = JSON.parse(await store.text(name)) as StoredCheckpoint;
        expect(content.state).toEqual({ position: '2024-08-06T07:00:00.000Z' });
        expect(content.writeId).toMatch(/^[0-9a-f-]{36}$/);
        expect(Number.isNaN(Date.parse(content.writtenAt))).toBe(false);
        expect(await checkpoints.list()).toEqual([KEY]);
        expect(await checkpoints.list('acme/monitor')).toEqual([KEY]);
        expect(await checkpoints.list('other')).toEqual([]);
      });

      it('reports a checkpoint deleted under a runner as a conflict', async () => {
        const checkpoints = (await open()).checkpoints();
        const v1 = await checkpoints.write(KEY, { position: '2024-08-06T07:00:00.000Z' }, undefined);
        await checkpoints.delete(KEY);
        const write = checkpoints.write(KEY, { position: '2024-08-06T08:00:00.000Z' }, v1);
        await expect(write).rejects.toBeInstanceOf(CheckpointConflictError);
        await expect(write).rejects.toThrow(/it was deleted/);
      });
    });

    describe('checkpoints of the earlier layout (previousPrefix)', () => {
      it('continues a stream from its checkpoint under the old prefix, and writes the new one beside the data prefix', async () => {
        const store = await open();
        const old = store.checkpoints({ prefix: `${PREFIX}/_state` });
        await old.write(KEY, { position: '2024-08-06T09:00:00.000Z' }, undefined);
        const moved = store.checkpoints({
          prefix: `_ctxsiem/${PREFIX}/state`,
          previousPrefix: `${PREFIX}/_state`,
        });
        const read = await moved.read(KEY);
        expect(read).toEqual({ state: { position: '2024-08-06T09:00:00.000Z' }, version: LEGACY_VERSION });
        await moved.write(KEY, { position: '2024-08-06T10:00:00.000Z' }, read!.version);
        expect((await moved.read(KEY))?.state.position).toBe('2024-08-06T10:00:00.000Z');
        expect(await store.listKeys(`_ctxsiem/${PREFIX}/state/`)).toEqual([
          `_ctxsiem/${PREFIX}/state/${KEY}.json`,
        ]);
        // The old checkpoint is left as it was (an older collector may still read it).
        expect((await old.read(KEY))?.state.position).toBe('2024-08-06T09:00:00.000Z');
        // A second runner that also read the old checkpoint loses: the new one exists now.
        await expect(
          moved.write(KEY, { position: '2024-08-06T11:00:00.000Z' }, LEGACY_VERSION),
        ).rejects.toBeInstanceOf(CheckpointConflictError);
      });
    });

    describe("the seed collectors' state.json (legacyKey)", () => {
      const { legacyKey } = LAYOUT;

      it("continues a seed collector's deployment at the hour after its state.json", async () => {
        const store = await open();
        await store.writeLegacyState(LEGACY_STATE);
        const source = generatedSource({ start: START, pageSize: 200 });
        const summary = await run({
          source,
          sink: store.sink,
          checkpoints: store.checkpoints({ prefix: `${PREFIX}/_state`, legacyKey }),
          logger,
          clock: new ManualClock(new Date('2024-08-06T10:10:00Z')),
        });
        expect(summary.streams[0]).toMatchObject({
          status: 'ok',
          from: '2024-08-06T08:00:00.000Z',
          to: '2024-08-06T10:05:00.000Z',
        });
        const keys = await store.listKeys(`${PREFIX}/events/`);
        expect(keys.some((key) => key.includes('/hour=08/'))).toBe(true);
        expect(keys.every((key) => /hour=(08|09|10)\//.test(key))).toBe(true);
        expect(await store.read(legacyKey)).toEqual([{ last_hour_utc: '2024-08-06T07:00:00Z' }]);
      });

      it('continues at the hour after last_hour_utc, creates our object on the first write, leaves state.json alone', async () => {
        const store = await open();
        await store.writeLegacyState(LEGACY_STATE);
        const before = await store.version(legacyKey);
        const checkpoints = store.checkpoints({ prefix: 'citrix_monitor/_state', legacyKey });

        const read = await checkpoints.read(KEY);
        expect(read).toEqual({ state: { position: '2024-08-06T08:00:00.000Z' }, version: LEGACY_VERSION });
        expect(Date.parse(read!.state.position)).toBe(Date.parse('2024-08-06T08:00:00Z'));
        // Every stream of the deployment continues from the same seed state.
        expect((await checkpoints.read('acme/monitor/Machines'))?.state.position).toBe(
          '2024-08-06T08:00:00.000Z',
        );

        const v1 = await checkpoints.write(KEY, { position: '2024-08-06T09:00:00.000Z' }, read!.version);
        expect(await checkpoints.read(KEY)).toEqual({
          state: { position: '2024-08-06T09:00:00.000Z' },
          version: v1,
        });
        expect(await store.listKeys()).toEqual([`citrix_monitor/_state/${KEY}.json`, legacyKey]);

        // A second runner that also read the legacy state loses: the object exists now.
        const late = checkpoints.write(KEY, { position: '2024-08-06T09:00:00.000Z' }, LEGACY_VERSION);
        await expect(late).rejects.toBeInstanceOf(CheckpointConflictError);

        expect(await store.version(legacyKey)).toBe(before);
        expect(await store.text(legacyKey)).toBe(LEGACY_STATE);
        expect(await store.read(legacyKey)).toEqual([JSON.parse(LEGACY_STATE)]);
        expect(await checkpoints.list()).toEqual([KEY]);
      });

      it('reads nothing when neither our object nor the seed state exists, or the seed state has no hour', async () => {
        const store = await open();
        const checkpoints = store.checkpoints({ legacyKey });
        expect(await checkpoints.read(KEY)).toBeUndefined();
        await store.writeLegacyState('{}');
        expect(await checkpoints.read(KEY)).toBeUndefined();
      });

      it('stops on a seed state that is not JSON rather than silently starting over', async () => {
        const store = await open();
        await store.writeLegacyState('not json');
        const checkpoints = store.checkpoints({ legacyKey });
        await expect(checkpoints.read(KEY)).rejects.toThrow(/state\.json \(legacyKey\) is not JSON/);
      });

      it('prefers our own checkpoint over the seed state once it exists', async () => {
        const store = await open();
        await store.writeLegacyState(LEGACY_STATE);
        const checkpoints = store.checkpoints({ legacyKey });
        const v1 = await checkpoints.write(KEY, { position: '2024-08-06T12:00:00.000Z' }, undefined);
        expect(await checkpoints.read(KEY)).toEqual({
          state: { position: '2024-08-06T12:00:00.000Z' },
          version: v1,
        });
      });
    });
  });
}
