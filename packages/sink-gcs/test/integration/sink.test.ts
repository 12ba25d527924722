import { type JsonRecord, SinkError, silentLogger, systemClock } from '@ctxsiem/core';
import { sampleBatch, testSink } from '@ctxsiem/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gcsSink, MIB } from '../../src/index.ts';
import { type FakeGcsFixture, SERVER_HOOK_TIMEOUT_MS, startFakeGcsFixture } from '../support/fake-gcs.ts';

const deps = { logger: silentLogger(), clock: systemClock };

let fixture: FakeGcsFixture;
beforeAll(async () => {
  fixture = await startFakeGcsFixture();
}, SERVER_HOOK_TIMEOUT_MS);
afterAll(async () => {
  await fixture?.stop();
});

for (const gzip of [false, true]) {
  testSink({
    name: `gcs on fake-gcs-server${gzip ? ' (gzip)' : ''}`,
    async create() {
      const bucket = await fixture.newBucket();
      return {
        sink: gcsSink(fixture.sinkConfig(bucket, { prefix: 'citrix_monitor', gzip }), deps),
        inspect: fixture.inspector(bucket),
      };
    },
    additionalTests(harness) {
      it(`stores ${gzip ? 'gzip' : 'plain'} NDJSON with the right name suffix and metadata`, async () => {
        const receipt = await harness().sink.write(sampleBatch({ seq: 42 }));
        const [, bucket, name] = /^gs:\/\/([^/]+)\/(.+)$/.exec(receipt.location) ?? [];
        expect(name).toBe(
          `citrix_monitor/Sessions/year=2024/month=08/day=06/hour=07/part-20240806T070000Z-00042.ndjson${gzip ? '.gz' : ''}`,
        );
        const metadata = await fixture.metadata(bucket!, name!);
        expect(metadata.contentType).toBe('application/x-ndjson');
        expect(metadata.contentEncoding).toBe(gzip ? 'gzip' : undefined);
        expect(Number(metadata.size)).toBe(receipt.bytes);
      });
    },
  });
}

const PAD = 'x'.repeat(1000);
const bigRecord = (i: number): JsonRecord => ({ id: `r-${i}`, n: i, pad: PAD });

describe('gcs sink upload paths', () => {
  it('streams a ~50 MB batch through a chunked resumable upload that reads back whole', async () => {
    const bucket = await fixture.newBucket();
    const sink = gcsSink(fixture.sinkConfig(bucket), deps);
    const count = 50_000;
    const records = Array.from({ length: count }, (_, i) => bigRecord(i));
    const receipt = await sink.write(sampleBatch({ records }));
    expect(receipt.upload).toBe('resumable');
    expect(receipt.bytes).toBeGreaterThan(50_000_000);

    const [name] = await fixture.names(bucket);
    expect(Number((await fixture.metadata(bucket, name!)).size)).toBe(receipt.bytes);
    const stored = await fixture.records(bucket, name!);
    expect(stored).toHaveLength(count);
    expect(stored[0]).toEqual(records[0]);
    expect(stored[count - 1]).toEqual(records[count - 1]);
    expect(stored.every((record, i) => record.id === `r-${i}`)).toBe(true);
  });

  it('keeps small batches in one simple upload', async () => {
    const bucket = await fixture.newBucket();
    const receipt = await gcsSink(fixture.sinkConfig(bucket), deps).write(sampleBatch());
    expect(receipt.upload).toBe('simple');
  });

  it('streams gzip bodies above the threshold and they decode to the same records', async () => {
    const bucket = await fixture.newBucket();
    const sink = gcsSink(fixture.sinkConfig(bucket, { gzip: true, resumableThresholdBytes: 1024 }), deps);
    const batch = sampleBatch();
    const receipt = await sink.write(batch);
    expect(receipt.upload).toBe('resumable');
    const [name] = await fixture.names(bucket);
    expect(name).toMatch(/\.ndjson\.gz$/);
    const metadata = await fixture.metadata(bucket, name!);
    expect(metadata.contentEncoding).toBe('gzip');
    expect(Number(metadata.size)).toBe(receipt.bytes);
    expect(await fixture.records(bucket, name!)).toEqual(batch.records);
  });

  it('replaces a retried resumable batch in place', async () => {
    const bucket = await fixture.newBucket();
    const sink = gcsSink(
      fixture.sinkConfig(bucket, { resumableThresholdBytes: 1024, chunkSizeBytes: MIB / 4 }),
      deps,
    );
    const batch = sampleBatch({ records: Array.from({ length: 3000 }, (_, i) => bigRecord(i)) });
    const first = await sink.write(batch);
    const second = await sink.write(batch);
    expect(second.location).toBe(first.location);
    expect(await fixture.names(bucket)).toHaveLength(1);
    expect(await fixture.records(bucket, (await fixture.names(bucket))[0]!)).toHaveLength(3000);
  });
});

describe('gcs sink check()', () => {
  it('writes and deletes a probe object under the prefix on a good bucket', async () => {
    const bucket = await fixture.newBucket();
    const sink = gcsSink(fixture.sinkConfig(bucket, { prefix: 'citrix_monitor' }), deps);
    expect(await sink.check()).toMatch(
      new RegExp(`^wrote and deleted gs://${bucket}/citrix_monitor/_ctxsiem-probe-[0-9a-f]+\\.json`),
    );
    expect(await fixture.names(bucket)).toEqual([]);
  });

  it('fails clearly on a missing bucket', async () => {
    const sink = gcsSink(fixture.sinkConfig('no-such-bucket-here'), deps);
    const failure = sink.check();
    await expect(failure).rejects.toBeInstanceOf(SinkError);
    await expect(failure).rejects.toThrow(
      /GCS bucket "no-such-bucket-here" does not exist \(HTTP 404 notFound\) while writing the probe object gs:\/\/no-such-bucket-here\/_ctxsiem-probe-/,
    );
  });
});
