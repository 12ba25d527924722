import { gunzipSync, gzipSync } from 'node:zlib';
import { digestOf, PartExistsError, SinkError } from '@ctxsiem/core';
import {
  paddedRecords,
  partName,
  sampleBatch,
  startForwardingProxy,
  testObjectSink,
  useServer,
} from '@ctxsiem/test-kit';
import { describe, expect, it } from 'vitest';
import { gcsSink, MIB } from '../../src/index.ts';
import { deps, startFakeGcsFixture } from '../support/fake-gcs.ts';

const fixture = useServer(startFakeGcsFixture);

const objectUrl = (bucket: string, name: string) =>
  `${fixture().endpoint}/storage/v1/b/${encodeURIComponent(bucket)}/o/${encodeURIComponent(name)}`;
/** The stored bytes, undecoded. */
const storedBytes = async (bucket: string, name: string) => (await fixture().stored(bucket, name)).body;

const sha256 = (data: Buffer) => digestOf(data).sha256;
const nameOf = (location: string) => /^gs:\/\/[^/]+\/(.+)$/.exec(location)?.[1] ?? '';

testObjectSink({ name: 'gcs on fake-gcs-server', fixture });

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
    const before = await fixture().objectVersion(bucket, name);
    const error = await sink.write(batch).then(
      () => undefined,
      (e: unknown) => e,
    );
    // No ctxsiem-sha256 metadata on that object: the sink downloaded and hashed it.
    expect(error).toBeInstanceOf(PartExistsError);
    expect((error as Error).message).toContain(`stored sha256 ${sha256(Buffer.from('{"other":1}\n'))}`);
    expect(await fixture().objectVersion(bucket, name)).toBe(before);
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
          records: paddedRecords(600),
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
    const failure = gcsSink(fixture().sinkConfig('no-such-bucket-here'), deps).check();
    await expect(failure).rejects.toSatisfy((error) => error instanceof SinkError);
    await expect(failure).rejects.toThrow(
      /GCS bucket "no-such-bucket-here" does not exist \(HTTP 404 notFound\) while writing the probe object gs:\/\/no-such-bucket-here\/_ctxsiem-probe-/,
    );
  });
});
