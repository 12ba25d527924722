import { createHash, randomBytes } from 'node:crypto';
import { get } from 'node:http';
import { gunzipSync, gzipSync } from 'node:zlib';
import { type JsonRecord, PartExistsError, SinkError, silentLogger, systemClock } from '@ctxsiem/core';
import { partName, sampleBatch, startForwardingProxy, testSink, useServer } from '@ctxsiem/test-kit';
import { describe, expect, it } from 'vitest';
import { gcsSink, MIB } from '../../src/index.ts';
import { startFakeGcsFixture } from '../support/fake-gcs.ts';

const deps = { logger: silentLogger(), clock: systemClock };

const fixture = useServer(startFakeGcsFixture);

const objectUrl = (bucket: string, name: string) =>
  `${fixture().endpoint}/storage/v1/b/${encodeURIComponent(bucket)}/o/${encodeURIComponent(name)}`;

/**
 * A bucket with object versioning on: every upload that lands makes a generation that stays listed,
 * so counting generations counts object creations.
 */
async function versionedBucket(): Promise<string> {
  const name = `ctxsiem-v-${randomBytes(4).toString('hex')}`;
  const response = await fetch(`${fixture().endpoint}/storage/v1/b?project=test`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, versioning: { enabled: true } }),
  });
  if (!response.ok) throw new Error(`create bucket ${name}: HTTP ${response.status}`);
  return name;
}

/** How many times each name was created (every generation, live or not). */
async function creations(bucket: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  let pageToken: string | undefined;
  do {
    const url = new URL(`${fixture().endpoint}/storage/v1/b/${encodeURIComponent(bucket)}/o`);
    url.searchParams.set('versions', 'true');
    if (pageToken) url.searchParams.set('pageToken', pageToken);
    const page = (await (await fetch(url)).json()) as {
      items?: Array<{ name: string }>;
      nextPageToken?: string;
    };
    for (const item of page.items ?? []) counts[item.name] = (counts[item.name] ?? 0) + 1;
    pageToken = page.nextPageToken;
  } while (pageToken);
  return counts;
}

/** Generation and metageneration: a rewrite, even with the same bytes, makes a new generation. */
async function objectVersion(bucket: string, name: string): Promise<string> {
  const metadata = (await (await fetch(objectUrl(bucket, name))).json()) as {
    generation: string;
    metageneration: string;
  };
  return `${metadata.generation}/${metadata.metageneration}`;
}

/** The custom metadata of an object (fake-gcs-server's JSON API, not the client library). */
async function customMetadata(bucket: string, name: string): Promise<Record<string, string> | undefined> {
  return ((await (await fetch(objectUrl(bucket, name))).json()) as { metadata?: Record<string, string> })
    .metadata;
}

/** The stored bytes, undecoded (node:http: fetch would undo a `Content-Encoding: gzip`). */
async function storedBytes(bucket: string, name: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    get(`${objectUrl(bucket, name)}?alt=media`, { headers: { 'accept-encoding': 'gzip' } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve(Buffer.concat(chunks)));
      response.on('error', reject);
    }).on('error', reject);
  });
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const nameOf = (location: string) => /^gs:\/\/[^/]+\/(.+)$/.exec(location)?.[1] ?? '';

for (const gzip of [false, true]) {
  let bucket = '';
  testSink({
    name: `gcs on fake-gcs-server${gzip ? ' (gzip)' : ''}`,
    async create() {
      bucket = await versionedBucket();
      return {
        sink: gcsSink(fixture().sinkConfig(bucket, { prefix: 'citrix_monitor', gzip }), deps),
        inspect: { ...fixture().inspector(bucket), stat: (name) => objectVersion(bucket, name) },
      };
    },
    additionalTests(harness) {
      it(`stores ${gzip ? 'gzip' : 'plain'} NDJSON with the right name suffix, metadata and sha256`, async () => {
        const receipt = await harness().sink.write(sampleBatch({ seq: 42 }));
        const [, bucket, name] = /^gs:\/\/([^/]+)\/(.+)$/.exec(receipt.location) ?? [];
        expect(name).toBe(
          `citrix_monitor/Sessions/year=2024/month=08/day=06/hour=07/part-20240806T070000.000Z-00042-monitor-acme.ndjson${gzip ? '.gz' : ''}`,
        );
        const metadata = await fixture().metadata(bucket!, name!);
        expect(metadata.contentType).toBe('application/x-ndjson');
        expect(metadata.contentEncoding).toBe(gzip ? 'gzip' : undefined);
        expect(Number(metadata.size)).toBe(receipt.bytes);
        const body = await storedBytes(bucket!, name!);
        expect(body[0] === 0x1f && body[1] === 0x8b).toBe(gzip);
        expect(receipt.sha256).toBe(sha256(body));
        expect(await customMetadata(bucket!, name!)).toEqual({ 'ctxsiem-sha256': receipt.sha256 });
      });

      it('created every object exactly once, whatever was retried or refused', async () => {
        const counts = await creations(bucket);
        expect(Object.keys(counts).length).toBeGreaterThan(5);
        expect(Object.entries(counts).filter(([, n]) => n !== 1)).toEqual([]);
      });
    },
  });
}

const PAD = 'x'.repeat(1000);
const bigRecord = (i: number): JsonRecord => ({ id: `r-${i}`, n: i, pad: PAD });

describe('gcs sink upload paths', () => {
  it('streams a ~50 MB batch through a chunked resumable upload that reads back whole', async () => {
    const bucket = await fixture().newBucket();
    const sink = gcsSink(fixture().sinkConfig(bucket), deps);
    const count = 50_000;
    const records = Array.from({ length: count }, (_, i) => bigRecord(i));
    const receipt = await sink.write(sampleBatch({ records }));
    expect(receipt.upload).toBe('resumable');
    expect(receipt.bytes).toBeGreaterThan(50_000_000);

    const [name] = await fixture().names(bucket);
    expect(Number((await fixture().metadata(bucket, name!)).size)).toBe(receipt.bytes);
    const stored = await fixture().records(bucket, name!);
    expect(stored).toHaveLength(count);
    expect(stored[0]).toEqual(records[0]);
    expect(stored[count - 1]).toEqual(records[count - 1]);
    expect(stored.every((record, i) => record.id === `r-${i}`)).toBe(true);
  });

  it('keeps small batches in one simple upload', async () => {
    const bucket = await fixture().newBucket();
    const receipt = await gcsSink(fixture().sinkConfig(bucket), deps).write(sampleBatch());
    expect(receipt.upload).toBe('simple');
  });

  it('streams gzip bodies above the threshold and they decode to the same records', async () => {
    const bucket = await fixture().newBucket();
    const sink = gcsSink(fixture().sinkConfig(bucket, { gzip: true, resumableThresholdBytes: 1024 }), deps);
    const batch = sampleBatch();
    const receipt = await sink.write(batch);
    expect(receipt.upload).toBe('resumable');
    const [name] = await fixture().names(bucket);
    expect(name).toMatch(/\.ndjson\.gz$/);
    const metadata = await fixture().metadata(bucket, name!);
    expect(metadata.contentEncoding).toBe('gzip');
    expect(Number(metadata.size)).toBe(receipt.bytes);
    expect(await fixture().records(bucket, name!)).toEqual(batch.records);
  });

  it('acknowledges a retried resumable batch without rewriting it', async () => {
    const bucket = await versionedBucket();
    const sink = gcsSink(
      fixture().sinkConfig(bucket, { resumableThresholdBytes: 1024, chunkSizeBytes: MIB / 4 }),
      deps,
    );
    const batch = sampleBatch({ records: Array.from({ length: 3000 }, (_, i) => bigRecord(i)) });
    const first = await sink.write(batch);
    const name = nameOf(first.location);
    const before = await objectVersion(bucket, name);
    const second = await sink.write(batch);
    expect(first).toMatchObject({ created: true, upload: 'resumable' });
    expect(second).toMatchObject({
      created: false,
      upload: 'resumable',
      location: first.location,
      sha256: first.sha256,
      bytes: first.bytes,
    });
    expect(await objectVersion(bucket, name)).toBe(before);
    expect(await creations(bucket)).toEqual({ [name]: 1 });
    expect(first.sha256).toBe(sha256(await storedBytes(bucket, name)));
    expect(await customMetadata(bucket, name)).toEqual({ 'ctxsiem-sha256': first.sha256 });
    await expect(
      sink.write(sampleBatch({ records: Array.from({ length: 3001 }, (_, i) => bigRecord(i)) })),
    ).rejects.toBeInstanceOf(PartExistsError);
    expect(await creations(bucket)).toEqual({ [name]: 1 });
    expect(await fixture().records(bucket, name)).toHaveLength(3000);
  });

  it('lets one of two concurrent resumable writers of a part create it', async () => {
    const bucket = await versionedBucket();
    const config = fixture().sinkConfig(bucket, { resumableThresholdBytes: 1024, chunkSizeBytes: MIB / 4 });
    const batch = sampleBatch({ records: Array.from({ length: 3000 }, (_, i) => bigRecord(i)) });
    const receipts = await Promise.all([
      gcsSink(config, deps).write(batch),
      gcsSink(config, deps).write(batch),
    ]);
    expect(receipts.map((r) => r.created).sort()).toEqual([false, true]);
    expect(receipts[0]!.sha256).toBe(receipts[1]!.sha256);
    expect(Object.values(await creations(bucket))).toEqual([1]);

    const other = sampleBatch({ records: Array.from({ length: 3000 }, (_, i) => bigRecord(i + 1)) });
    const bucket2 = await versionedBucket();
    const config2 = fixture().sinkConfig(bucket2, { resumableThresholdBytes: 1024, chunkSizeBytes: MIB / 4 });
    const outcomes = await Promise.allSettled([batch, other].map((b) => gcsSink(config2, deps).write(b)));
    const refused = outcomes.filter((o) => o.status === 'rejected');
    expect(refused).toHaveLength(1);
    expect((refused[0] as PromiseRejectedResult).reason).toBeInstanceOf(PartExistsError);
    const [name] = await fixture().names(bucket2);
    const winner = outcomes.findIndex((o) => o.status === 'fulfilled');
    expect((await fixture().records(bucket2, name!))[0]).toEqual([batch, other][winner]!.records[0]);
    expect(Object.values(await creations(bucket2))).toEqual([1]);
  });
});

describe('fake-gcs-server honours create-only preconditions (ifGenerationMatch=0)', () => {
  const upload = (bucket: string, name: string, type: 'media' | 'multipart' | 'resumable') =>
    `${fixture().endpoint}/upload/storage/v1/b/${bucket}/o?uploadType=${type}&name=${encodeURIComponent(name)}&ifGenerationMatch=0`;

  it('refuses a simple (media) upload over an existing object with 412', async () => {
    const bucket = await fixture().newBucket();
    expect((await fetch(upload(bucket, 'k', 'media'), { method: 'POST', body: 'first' })).status).toBe(200);
    expect((await fetch(upload(bucket, 'k', 'media'), { method: 'POST', body: 'second' })).status).toBe(412);
    expect((await storedBytes(bucket, 'k')).toString()).toBe('first');
  });

  it('refuses a resumable upload over an existing object with 412 (when it completes)', async () => {
    const bucket = await fixture().newBucket();
    await fixture().put(bucket, 'k', 'first');
    const session = await fetch(upload(bucket, 'k', 'resumable'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'k' }),
    });
    const statuses = [session.status];
    if (session.ok) {
      const location = session.headers.get('location') ?? '';
      statuses.push((await fetch(location, { method: 'PUT', body: 'second' })).status);
    }
    expect(statuses.at(-1)).toBe(412);
    expect((await storedBytes(bucket, 'k')).toString()).toBe('first');
  });

  it('so the sink never replaces an object it did not write', async () => {
    const bucket = await fixture().newBucket();
    const sink = gcsSink(fixture().sinkConfig(bucket), deps);
    const batch = sampleBatch();
    const name = nameOf((await sink.write(batch)).location);
    await fetch(objectUrl(bucket, name), { method: 'DELETE' });
    await fixture().put(bucket, name, '{"other":1}\n');
    const before = await objectVersion(bucket, name);
    const error = await sink.write(batch).then(
      () => undefined,
      (e: unknown) => e,
    );
    // No ctxsiem-sha256 metadata on that object: the sink downloaded and hashed it.
    expect(error).toBeInstanceOf(PartExistsError);
    expect((error as Error).message).toContain(`stored sha256 ${sha256(Buffer.from('{"other":1}\n'))}`);
    expect(await objectVersion(bucket, name)).toBe(before);
    expect(await fixture().records(bucket, name)).toEqual([{ other: 1 }]);
  });

  it('acknowledges a gzip part stored without metadata when its records are the same', async () => {
    const bucket = await fixture().newBucket();
    const sink = gcsSink(fixture().sinkConfig(bucket, { gzip: true }), deps);
    const batch = sampleBatch();
    const name = nameOf((await sink.write(batch)).location);
    // Same records, recompressed (another zlib would do that), no metadata: the same part all the same.
    const other = gzipSync(gunzipSync(await storedBytes(bucket, name)), { level: 1 });
    await fetch(objectUrl(bucket, name), { method: 'DELETE' });
    const put = new URL(`${fixture().endpoint}/upload/storage/v1/b/${bucket}/o`);
    put.searchParams.set('uploadType', 'media');
    put.searchParams.set('name', name);
    await fetch(put, { method: 'POST', body: other });
    const receipt = await sink.write(batch);
    expect(receipt).toMatchObject({ created: false, sha256: sha256(other), bytes: other.length });
  });
});

describe('gcs sink readPart()', () => {
  it('reads plain and gzip parts, simple and resumable', async () => {
    const bucket = await fixture().newBucket();
    for (const gzip of [false, true]) {
      for (const resumable of [false, true]) {
        const sink = gcsSink(
          fixture().sinkConfig(bucket, { gzip, resumableThresholdBytes: resumable ? 1024 : 8 * MIB }),
          deps,
        );
        const batch = sampleBatch({
          seq: Number(gzip) * 2 + Number(resumable),
          records: Array.from({ length: 600 }, (_, i) => bigRecord(i)),
        });
        expect((await sink.write(batch)).upload).toBe(resumable ? 'resumable' : 'simple');
        expect(await sink.readPart(partName(batch))).toEqual(batch.records);
      }
    }
  });

  it('reports an object that is not NDJSON as a SinkError', async () => {
    const bucket = await fixture().newBucket();
    const sink = gcsSink(fixture().sinkConfig(bucket), deps);
    const batch = sampleBatch();
    const name = nameOf((await sink.write(batch)).location);
    await fetch(objectUrl(bucket, name), { method: 'DELETE' });
    await fixture().put(bucket, name, 'not json');
    await expect(sink.readPart(partName(batch))).rejects.toThrow(/the part gs:\/\/\S+ is not NDJSON/);
  });
});

describe('gcs sink check()', () => {
  it('writes and deletes a probe object under the prefix on a good bucket', async () => {
    const bucket = await fixture().newBucket();
    const sink = gcsSink(fixture().sinkConfig(bucket, { prefix: 'citrix_monitor' }), deps);
    expect(await sink.check()).toMatch(
      new RegExp(
        `^wrote \\(a second create-only write refused\\), read back and deleted gs://${bucket}/citrix_monitor/_ctxsiem-probe-[0-9a-f]+\\.json`,
      ),
    );
    expect(await fixture().names(bucket)).toEqual([]);
  });

  it('fails on a store that accepts a second create-only upload (it ignores ifGenerationMatch), and removes the probe', async () => {
    // A store in front of fake-gcs-server that drops the precondition from uploads, as a store ignoring
    // it does; everything else is fake-gcs-server's.
    const bucket = await fixture().newBucket();
    const proxy = await startForwardingProxy(fixture().endpoint, (req) => {
      const url = new URL(req.url ?? '/', fixture().endpoint);
      url.searchParams.delete('ifGenerationMatch');
      return `${url.pathname}${url.search}`;
    });
    try {
      const config = fixture().sinkConfig(bucket, { prefix: 'no-preconditions', endpoint: proxy.endpoint });
      const checked = gcsSink(config, deps).check();
      await expect(checked).rejects.toBeInstanceOf(SinkError);
      await expect(checked).rejects.toThrow(
        /a second create-only upload \(ifGenerationMatch=0\) of an existing object was accepted: this store ignores preconditions/,
      );
      expect(await fixture().names(bucket)).toEqual([]);
    } finally {
      await proxy.stop();
    }
  });

  it('fails clearly on a missing bucket', async () => {
    const sink = gcsSink(fixture().sinkConfig('no-such-bucket-here'), deps);
    const failure = sink.check();
    await expect(failure).rejects.toBeInstanceOf(SinkError);
    await expect(failure).rejects.toThrow(
      /GCS bucket "no-such-bucket-here" does not exist \(HTTP 404 notFound\) while writing the probe object gs:\/\/no-such-bucket-here\/_ctxsiem-probe-/,
    );
  });
});
