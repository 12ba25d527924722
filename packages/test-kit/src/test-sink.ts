/**
 * The conformance suite every sink runs. The sink is exercised through its public contract; what it
 * stored is read back through `inspect`, which each sink test provides with an independent reader
 * (plain file reads, the AWS SDK's GetObject, a plain HTTP GET).
 *
 * Parts are create-only: a retried identical batch is acknowledged without rewriting its object
 * (`created: false`), a different batch at an existing part is refused with `PartExistsError`, and
 * neither changes what is stored (`inspect.stat` tells whether the object was rewritten).
 */
import {
  type Batch,
  batchKey,
  encodeNdjson,
  type JsonRecord,
  PartExistsError,
  type PartName,
  recordDigest,
  type Sink,
  SinkError,
} from '@ctxsiem/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

export interface SinkInspector {
  /** Every stored object key/path under the sink's root, relative to it, sorted. */
  list(): Promise<string[]>;
  /** The records in one stored object (decoding gzip when the sink wrote it). */
  read(location: string): Promise<JsonRecord[]>;
  /**
   * Something about one stored object that changes whenever it is written again, even with the same
   * bytes: a file's inode and modification time, an S3 version id, a GCS generation. Without it the
   * suite can only check that the content is unchanged, not that the object was left alone.
   */
  stat?(location: string): Promise<string>;
}

export interface SinkHarness {
  sink: Sink;
  inspect: SinkInspector;
  cleanup?: () => Promise<void>;
}

export interface TestSinkOptions {
  name: string;
  create: () => Promise<SinkHarness>;
  /**
   * Whether the sink stores encoded parts (`writeEncoded`: a sink that keeps NDJSON as it is), so that
   * `consume` can route off its thread; checked, and its parts checked against `write`'s.
   */
  storesEncodedParts?: boolean;
  additionalTests?: (harness: () => SinkHarness) => void;
}

export function sampleBatch(overrides: Partial<Batch> = {}): Batch {
  const from = new Date('2024-08-06T07:00:00Z');
  return {
    tenant: 'acme',
    source: 'monitor',
    stream: 'Sessions',
    window: { from, to: new Date('2024-08-06T08:00:00Z') },
    seq: 0,
    kind: 'records',
    records: Array.from({ length: 25 }, (_, i) => ({
      SessionKey: `s-${i}`,
      ModifiedDate: from.toISOString(),
      n: i,
      text: 'é ✓ "quoted"\nline',
    })),
    ...overrides,
  };
}

/**
 * A batch as the runner hands it to a SIEM API sink: `sampleBatch`'s identity (acme / monitor /
 * Sessions, the 07:00 window, part 0) with these records, each record's digest, and the cursor field
 * as the time field.
 */
export function ingestionBatch(records: JsonRecord[], overrides: Partial<Batch> = {}): Batch {
  return {
    ...sampleBatch(),
    records,
    digests: records.map((record) => recordDigest(record)),
    timeField: 'ModifiedDate',
    ...overrides,
  };
}

/** The name half of a batch (what `readPart` takes). */
export function partName(batch: Batch): PartName {
  const { records: _records, ...name } = batch;
  return name;
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;

export function testSink(options: TestSinkOptions): void {
  describe(`sink conformance: ${options.name}`, () => {
    let harness: SinkHarness;
    beforeAll(async () => {
      harness = await options.create();
    });
    afterAll(async () => {
      await harness?.sink.close();
      await harness?.cleanup?.();
    });

    /** The stored key whose name is the batch's part name (relative, whatever the sink's root). */
    const storedKey = async (batch: Batch): Promise<string> => {
      const name = batchKey(batch).split('/').pop() ?? '';
      const deadLetter = (k: string) => new RegExp(`(^|/)_?deadletter/${batch.stream}/`).test(k);
      const keys = await harness.inspect.list();
      const key = keys.find(
        (k) =>
          deadLetter(k) === (batch.kind === 'deadletter') &&
          (k.endsWith(`/${name}`) || k.endsWith(`/${name}.gz`)),
      );
      expect(key, `no stored key ends in ${name}; stored keys: ${keys.join(', ')}`).toBeDefined();
      return key!;
    };

    /** What must not change when the sink leaves an object alone. */
    const snapshot = async (key: string) => ({
      records: await harness.inspect.read(key),
      stat: await harness.inspect.stat?.(key),
    });

    it('stores a batch whose records read back unchanged, in the partitioned layout', async () => {
      const batch = sampleBatch();
      const receipt = await harness.sink.write(batch);
      expect(receipt.records).toBe(batch.records.length);
      expect(receipt.bytes).toBeGreaterThan(0);
      expect(receipt.created).toBe(true);
      expect(receipt.sha256).toMatch(HEX_SHA256);
      const keys = await harness.inspect.list();
      const key = keys.find((k) =>
        k.includes(
          'Sessions/year=2024/month=08/day=06/hour=07/part-20240806T070000.000Z-00000-monitor-acme.ndjson',
        ),
      );
      expect(key, `stored keys: ${keys.join(', ')}`).toBeDefined();
      expect(await harness.inspect.read(key!)).toEqual(batch.records);
    });

    it('acknowledges an identical retried batch without rewriting it', async () => {
      const batch = sampleBatch({ seq: 1 });
      const first = await harness.sink.write(batch);
      expect(first.created).toBe(true);
      const key = await storedKey(batch);
      const keysBefore = await harness.inspect.list();
      const before = await snapshot(key);

      const retried = await harness.sink.write(sampleBatch({ seq: 1 }));
      expect(retried).toMatchObject({
        location: first.location,
        records: first.records,
        bytes: first.bytes,
        sha256: first.sha256,
        created: false,
      });
      expect(await harness.inspect.list()).toEqual(keysBefore);
      expect(await snapshot(key)).toEqual(before);
    });

    it('refuses a different batch at an existing part with PartExistsError and leaves the stored part unchanged', async () => {
      const batch = sampleBatch({ seq: 2 });
      const first = await harness.sink.write(batch);
      const key = await storedKey(batch);
      const keysBefore = await harness.inspect.list();
      const before = await snapshot(key);

      const other = sampleBatch({ seq: 2, records: [...batch.records.slice(1), { SessionKey: 'late' }] });
      const error = await harness.sink.write(other).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(PartExistsError);
      expect(error).not.toBeInstanceOf(SinkError);
      expect((error as PartExistsError).location).toBe(first.location);
      expect((error as PartExistsError).code).toBe('PART_EXISTS');
      expect(await harness.inspect.list()).toEqual(keysBefore);
      expect(await snapshot(key)).toEqual(before);
      expect(before.records).toEqual(batch.records);

      // Fewer records (a shorter re-read) are other content too.
      await expect(
        harness.sink.write(sampleBatch({ seq: 2, records: batch.records.slice(0, 3) })),
      ).rejects.toBeInstanceOf(PartExistsError);
      expect(await snapshot(key)).toEqual(before);
    });

    it(`${options.storesEncodedParts ? 'takes' : 'does not take'} encoded parts (writeEncoded), as declared`, () => {
      expect(typeof harness.sink.writeEncoded).toBe(options.storesEncodedParts ? 'function' : 'undefined');
    });

    if (options.storesEncodedParts)
      it('stores an encoded part exactly as write stores its records', async () => {
        const sink = harness.sink as Sink & Required<Pick<Sink, 'writeEncoded'>>;
        const encoded = (batch: Batch) => {
          const { records, digests: _digests, fence: _fence, ...part } = batch;
          return { ...part, ndjson: new Uint8Array(encodeNdjson(records)), count: records.length };
        };
        const batch = sampleBatch({ seq: 30 });
        const stored = await sink.writeEncoded(encoded(batch));
        expect(stored).toMatchObject({ records: batch.records.length, created: true });
        const key = await storedKey(batch);
        expect(await harness.inspect.read(key)).toEqual(batch.records);
        // The same part, whichever way it comes again: acknowledged, with the same digest.
        const before = await snapshot(key);
        const again = await sink.write(sampleBatch({ seq: 30 }));
        expect(again).toMatchObject({ created: false, sha256: stored.sha256, bytes: stored.bytes });
        expect(await sink.writeEncoded(encoded(sampleBatch({ seq: 30 })))).toMatchObject({
          created: false,
          sha256: stored.sha256,
        });
        expect(await snapshot(key)).toEqual(before);
        // Other content at the part is refused, encoded or not.
        const other = sampleBatch({ seq: 30, records: batch.records.slice(1) });
        await expect(sink.writeEncoded(encoded(other))).rejects.toBeInstanceOf(PartExistsError);
        // Stored by write first, then encoded: the same bytes.
        const plain = sampleBatch({ seq: 31 });
        const written = await sink.write(plain);
        expect(await sink.writeEncoded(encoded(sampleBatch({ seq: 31 })))).toMatchObject({
          created: false,
          sha256: written.sha256,
          records: plain.records.length,
        });
      });

    it('reads a stored part back with readPart (and undefined for a missing one)', async () => {
      const batch = sampleBatch({ seq: 4 });
      await harness.sink.write(batch);
      expect(await harness.sink.readPart(partName(batch))).toEqual(batch.records);

      const records = [{ reason: 'n: expected number', record: { n: 'x' } }];
      const deadLetters = sampleBatch({ seq: 4, kind: 'deadletter', records });
      expect(await harness.sink.readPart(partName(deadLetters))).toBeUndefined();
      await harness.sink.write(deadLetters);
      expect(await harness.sink.readPart(partName(deadLetters))).toEqual(records);

      expect(await harness.sink.readPart(partName(sampleBatch({ seq: 99_999 })))).toBeUndefined();
      expect(
        await harness.sink.readPart(partName(sampleBatch({ seq: 4, tenant: 'nobody' }))),
      ).toBeUndefined();
      const empty = sampleBatch({ seq: 5, stream: 'Empty', records: [] });
      await harness.sink.write(empty);
      expect(await harness.sink.readPart(partName(empty))).toEqual([]);
    });

    it('two tenants and two sources with the same stream and window get different keys', async () => {
      const batches = ['acme', 'acme-2'].flatMap((tenant) =>
        ['monitor', 'analytics'].map((source) =>
          sampleBatch({ tenant, source, seq: 6, records: [{ tenant, source, n: 1 }] }),
        ),
      );
      const receipts = [];
      for (const batch of batches) receipts.push(await harness.sink.write(batch));
      expect(receipts.every((receipt) => receipt.created)).toBe(true);
      expect(new Set(receipts.map((receipt) => receipt.location)).size).toBe(batches.length);
      expect(new Set(receipts.map((receipt) => receipt.location.toLowerCase())).size).toBe(batches.length);
      for (const batch of batches) {
        expect(await harness.sink.readPart(partName(batch))).toEqual(batch.records);
        expect(await harness.inspect.read(await storedKey(batch))).toEqual(batch.records);
      }
    });

    it('names objects deterministically from tenant, stream, window and sequence', async () => {
      const a = await harness.sink.write(sampleBatch({ seq: 7, stream: 'Machines' }));
      const b = await harness.sink.write(sampleBatch({ seq: 7, stream: 'Machines' }));
      const c = await harness.sink.write(sampleBatch({ seq: 8, stream: 'Machines' }));
      const d = await harness.sink.write(
        sampleBatch({
          seq: 7,
          stream: 'Machines',
          window: { from: new Date('2024-08-06T07:00:00.250Z'), to: new Date('2024-08-06T08:00:00Z') },
        }),
      );
      expect(a.location).toBe(b.location);
      expect(c.location).not.toBe(a.location);
      expect(d.location).not.toBe(a.location);
      expect([a.created, b.created, c.created, d.created]).toEqual([true, false, true, true]);
    });

    it('puts dead-lettered records under the dead-letter folder with their reason', async () => {
      const records = [{ reason: 'value: expected number', record: { id: 'x', value: 'oops' } }];
      const batch = sampleBatch({ kind: 'deadletter', seq: 3, records });
      const receipt = await harness.sink.write(batch);
      expect(receipt.created).toBe(true);
      const key = await storedKey(batch);
      expect(key).toMatch(/(^|\/)_?deadletter\/Sessions\//);
      expect(key).toContain('-00003-monitor-acme.');
      expect(await harness.inspect.read(key)).toEqual(records);
      // Create-only like records: the same dead letters again are acknowledged, others refused.
      expect((await harness.sink.write(sampleBatch({ kind: 'deadletter', seq: 3, records }))).created).toBe(
        false,
      );
      await expect(
        harness.sink.write(
          sampleBatch({ kind: 'deadletter', seq: 3, records: [{ reason: 'other', record: {} }] }),
        ),
      ).rejects.toBeInstanceOf(PartExistsError);
      expect(await harness.inspect.read(key)).toEqual(records);
    });

    it('lists its dead-letter parts by name, and nothing else', async () => {
      const hour = (h: number) => new Date(`2024-08-06T${String(h).padStart(2, '0')}:00:00.000Z`);
      const written = [];
      for (const tenant of ['acme-2', 'acme'])
        for (const [at, seq] of [
          [hour(9), 12],
          [hour(7), 3],
        ] as const) {
          const batch = sampleBatch({
            tenant,
            stream: 'Listed',
            window: { from: at, to: hour(10) },
            seq,
            kind: 'deadletter',
            records: [{ reason: 'n: expected number', record: { n: `${tenant}-${seq}` } }],
          });
          written.push({ batch, receipt: await harness.sink.write(batch) });
        }
      // Neither data parts nor replayed parts are dead letters.
      await harness.sink.write(sampleBatch({ stream: 'Listed', seq: 3 }));
      await harness.sink.write(sampleBatch({ stream: 'Listed', seq: 3, replay: 0 }));

      const listed = [];
      for await (const part of harness.sink.listDeadLetters())
        if (part.name.stream === 'Listed') listed.push(part);
      expect(listed.map((part) => part.location)).toEqual(
        written.map(({ receipt }) => receipt.location).sort(),
      );
      for (const part of listed) {
        const { batch } = written.find(({ receipt }) => receipt.location === part.location)!;
        expect(part.name).toEqual({
          tenant: batch.tenant,
          source: batch.source,
          stream: batch.stream,
          window: { from: batch.window.from },
          seq: batch.seq,
          kind: 'deadletter',
        });
        expect(await harness.sink.readPart(part.name)).toEqual(batch.records);
      }
    });

    it('passes its health check with a real probe that leaves nothing behind', async () => {
      const before = await harness.inspect.list();
      const detail = await harness.sink.check();
      expect(typeof detail).toBe('string');
      expect(await harness.inspect.list()).toEqual(before);
    });

    options.additionalTests?.(() => harness);
  });
}
