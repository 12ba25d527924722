/**
 * The conformance suite of a checkpoint store kept as objects in a bucket (S3, GCS: core's
 * `objectCheckpointStore` over a driver): `testCheckpointStore` with a second store instance as the
 * competing runner, `testObjectStoreRuns` with the object sink when a file `reference` is given, then what lies in the bucket, read independently of the store — the window
 * manifests at `{prefix}/_manifests/{key}.json` whose object version is the version, the seed's
 * state.json read for checkpoints only, a stored manifest that is not a JSON object named, keys that
 * are not plain paths refused.
 */
import {
  CheckpointConflictError,
  type JsonRecord,
  manifestKey,
  type ObjectCheckpointStore,
  type Sink,
} from '@ctxsiem/core';
import { describe, expect, it } from 'vitest';
import { testCheckpointStore } from './test-checkpoint-store.ts';
import type { VersionedBucketFixture } from './test-object-sink.ts';
import {
  type CheckpointPlacement,
  type FileReference,
  type ObjectStoreReader,
  testObjectStoreRuns,
} from './test-object-store-runs.ts';
import type { SinkInspector } from './test-sink.ts';

/** A bucket server for the suite: fresh buckets, stores on them, and reads that bypass the store. */
export interface ObjectCheckpointHarness {
  newBucket(): Promise<string>;
  /** A store on `bucket` (each call: another runner), placed as asked. */
  checkpointStore(bucket: string, placement?: CheckpointPlacement): ObjectCheckpointStore;
  reader(bucket: string): ObjectStoreReader;
  put(bucket: string, key: string, text: string): Promise<void>;
  /** How the store and sink write locations: `s3`, `gs`. */
  readonly scheme: string;
  /**
   * The object sink on `bucket`, writing under `layout.prefix`; `streamed`: every batch above 1 KiB goes
   * up in pieces (multipart, resumable), as small as the service allows.
   */
  objectSink(bucket: string, layout: { prefix: string; gzip?: boolean; streamed?: boolean }): Sink;
}

/** A bucket server as an object sink's and store's tests use it (MinIO, fake-gcs-server). */
export interface ObjectBucketFixture<SinkConfig, StoreConfig>
  extends ObjectCheckpointHarness,
    VersionedBucketFixture {
  /** Sink config on `bucket`: the server's endpoint and credentials, then `extra`. */
  sinkConfig(bucket: string, extra?: Partial<SinkConfig>): SinkConfig;
  storeConfig(bucket: string, extra?: Partial<StoreConfig>): StoreConfig;
  /** The records of one object, gunzipped when it is gzip. */
  records(bucket: string, name: string): Promise<JsonRecord[]>;
  /** What receipts call the upload paths: `single`/`multipart` (S3), `simple`/`resumable` (GCS). */
  readonly uploads: { whole: string; streamed: string };
  /** How many parts the stored object says it was uploaded in (S3's ETag `…-N`; undefined: one request). */
  storedParts?(bucket: string, name: string): Promise<number | undefined>;
  /** Streamed uploads begun and never completed nor aborted (S3's multipart uploads), where listed. */
  unfinishedUploads?(bucket: string): Promise<unknown[]>;
  /** A `testSink` inspector over the bucket. */
  inspector(bucket: string): SinkInspector;
  stop(): Promise<void>;
}

const KEY = 'acme/monitor/Sessions';
const HOUR = new Date('2024-08-06T07:00:00Z');

export function testObjectCheckpointStore(options: {
  name: string;
  harness: () => ObjectCheckpointHarness;
  /** The file sink and store: with the harness's `objectSink`, `testObjectStoreRuns` compares with them. */
  reference?: FileReference;
}): void {
  const { harness, reference } = options;
  if (reference) {
    testObjectStoreRuns({
      name: options.name,
      reference,
      async create({ prefix, legacyKey }) {
        const at = harness();
        const bucket = await at.newBucket();
        return {
          ...at.reader(bucket),
          sink: at.objectSink(bucket, { prefix }),
          checkpoints: (placement) => at.checkpointStore(bucket, placement),
          writeLegacyState: (json) => at.put(bucket, legacyKey, json),
        };
      },
    });
  }
  let bucket = '';
  testCheckpointStore({
    name: options.name,
    async create() {
      bucket = await harness().newBucket();
      return { store: harness().checkpointStore(bucket) };
    },
    createPeer: async () => harness().checkpointStore(bucket),
  });

  describe(`object checkpoint store: ${options.name}`, () => {
    it('keeps window manifests at {prefix}/_manifests/{key}.json; the object version is the version', async () => {
      const bucket = await harness().newBucket();
      const store = harness().checkpointStore(bucket, { prefix: 'citrix/_state' });
      const key = manifestKey(KEY, HOUR);
      await store.write(KEY, { position: '2024-08-06T07:00:00.000Z' }, undefined);
      const version = await store.manifests.write(key, { parts: [], digests: '' }, undefined);
      const name = `citrix/_state/_manifests/${KEY}/2024-08-06T070000.000Z.json`;
      expect(store.manifestObjectName(key)).toBe(name);
      const reader = harness().reader(bucket);
      expect(await reader.listKeys()).toEqual([name, `citrix/_state/${KEY}.json`]);
      expect(await reader.version(name)).toBe(version);
      expect(JSON.parse(await reader.text(name))).toEqual({
        document: { parts: [], digests: '' },
        writeId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        writtenAt: expect.any(String),
      });
      expect(await store.list()).toEqual([KEY]);
      expect(await store.manifests.list()).toEqual([key]);
    });

    it("reads the seed's state.json for checkpoints only, never for manifests", async () => {
      const bucket = await harness().newBucket();
      await harness().put(bucket, 'citrix/state.json', '{"last_hour_utc":"2024-08-06T07:00:00Z"}');
      const placement = { prefix: 'citrix/_state', legacyKey: 'citrix/state.json' };
      const store = harness().checkpointStore(bucket, placement);
      const key = manifestKey(KEY, HOUR);
      expect((await store.read(KEY))?.version).toBe('legacy:none');
      expect(await store.manifests.read(key)).toBeUndefined();
      await expect(store.manifests.write(key, {}, 'legacy:none')).rejects.toBeInstanceOf(
        CheckpointConflictError,
      );
    });

    it('names the object when a stored manifest is not a JSON object', async () => {
      const bucket = await harness().newBucket();
      const store = harness().checkpointStore(bucket);
      const key = manifestKey(KEY, HOUR);
      for (const text of ['"text"', '[1, 2]']) {
        await harness().put(bucket, store.manifestObjectName(key), text);
        await expect(store.manifests.read(key)).rejects.toThrow(
          `manifest ${harness().scheme}://${bucket}/_state/_manifests/${key}.json is not a ctxsiem manifest (it is not a JSON object)`,
        );
      }
    });

    it('refuses keys that are not plain paths', async () => {
      const store = harness().checkpointStore(await harness().newBucket());
      await expect(store.read('acme/../x')).rejects.toThrow(/not a plain path/);
    });
  });
}
