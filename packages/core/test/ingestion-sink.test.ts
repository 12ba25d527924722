/**
 * `ingestionSink` and its delivery ledger when an API refuses a request for its records without saying
 * which: the request is split in halves down to the offending records, each split recorded before its
 * halves are sent; a run killed mid-split resumes from the ledger with nothing lost and only
 * byte-identical resends; a ledger written before splits is still read.
 */
import { describe, expect, it } from 'vitest';
import {
  type Batch,
  type DeliveryFence,
  DeliveryLedger,
  digestOf,
  encodeNdjson,
  type FetchLike,
  ingestionSink,
  type JsonRecord,
  recordDigest,
  type Sink,
  SinkError,
  sendIngestionRequest,
  silentLogger,
} from '../src/index.ts';
import { memoryDocuments } from './memory-documents.ts';

const FROM = new Date('2024-08-06T07:00:00Z');
const REASON = 'the record is malformed';

/**
 * An ingestion API in memory: a request is `{"at", "records"}`; one holding a record with `bad` is
 * refused whole (400, naming no record), the others accepted. `kill` makes the next request fail with
 * its answer lost, after the API took it (`accepted`) or not.
 */
function memoryApi() {
  const api = {
    /** Every body received, in order, and the ids of the records of each body accepted. */
    bodies: [] as string[],
    accepted: [] as { body: string; ids: number[] }[],
    kill: undefined as 'accepted' | 'lost' | undefined,
    /** Requests to answer before `kill` applies. */
    killAfter: 0,
    fetch: (async (_url, init) => {
      const body = Buffer.from(init.body as Uint8Array).toString('utf8');
      api.bodies.push(body);
      const { records } = JSON.parse(body) as { records: JsonRecord[] };
      const refused = records.some((record) => record.bad);
      if (api.kill && api.killAfter-- <= 0) {
        if (api.kill === 'accepted' && !refused)
          api.accepted.push({ body, ids: records.map((r) => Number(r.id)) });
        api.kill = undefined;
        throw new Error('the run was killed with the request in flight');
      }
      if (refused) return Response.json({ error: { message: REASON } }, { status: 400 });
      api.accepted.push({ body, ids: records.map((r) => Number(r.id)) });
      return new Response('{}', { status: 200 });
    }) as FetchLike,
  };
  return api;
}

/** A sink over `api`, its ledger in `documents`: parts cut into requests of `perRequest` records. */
function memorySink(
  api: ReturnType<typeof memoryApi>,
  documents: ReturnType<typeof memoryDocuments>,
  perRequest = 40,
): Sink {
  return ingestionSink({
    type: 'memory',
    service: 'Memory API',
    deps: { logger: silentLogger(), clock: { now: Date.now }, documents },
    locationOf: (batch) => `memory://${batch.stream}/${batch.seq}`,
    cut: (batch) =>
      Array.from({ length: Math.ceil(batch.records.length / perRequest) }, (_, i) =>
        Math.min((i + 1) * perRequest, batch.records.length),
      ),
    build: (batch, request, at) => ({
      url: 'https://ingest.invalid/',
      // The time a request is made is in its body: a body built again is not byte-identical.
      body: Buffer.from(
        JSON.stringify({ at: at.toISOString(), records: batch.records.slice(request.start, request.end) }),
      ),
    }),
    post: (request, what, hooks) =>
      sendIngestionRequest({
        service: 'Memory API',
        url: request.url,
        body: request.body,
        headers: {},
        token: async () => 'token',
        what,
        maxAttempts: 1,
        timeoutMs: 5_000,
        advice: { 401: '', 403: '', 413: '' },
        fetch: api.fetch,
        refusesRecords: (status) => status === 400,
        ...hooks,
      }),
    refuse: () => undefined,
    check: async () => 'ok',
  });
}

const records = (count: number, bad: readonly number[]) =>
  Array.from({ length: count }, (_, id) => ({ id, ...(bad.includes(id) ? { bad: true } : {}) }));

function batch(items: JsonRecord[], overrides: Partial<Batch> = {}): Batch {
  return {
    tenant: 'acme',
    source: 'monitor',
    stream: 'Sessions',
    window: { from: FROM, to: new Date('2024-08-06T08:00:00Z') },
    seq: 0,
    kind: 'records',
    records: items,
    digests: items.map((record) => recordDigest(record)),
    ...overrides,
  };
}

function fence(epoch: number): DeliveryFence & { duplicated: number } {
  return {
    owner: `runner-${epoch}`,
    epoch,
    duplicated: 0,
    renew: async () => {},
    possiblyDuplicated(count) {
      this.duplicated += count;
    },
  };
}

/** How many times each record id was accepted, counting a byte-identical body once. */
function acceptedOnce(api: ReturnType<typeof memoryApi>): Map<number, number> {
  const counts = new Map<number, number>();
  const bodies = new Map(api.accepted.map(({ body, ids }) => [body, ids]));
  for (const ids of bodies.values()) for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}

const ids = (from: number, to: number, except: readonly number[] = []) =>
  Array.from({ length: to - from }, (_, i) => from + i).filter((id) => !except.includes(id));

describe('ingestionSink: a request refused for records it does not name', () => {
  it('is split down to the offending records: only they are refused, with the reason; the rest accepted once', async () => {
    const api = memoryApi();
    const documents = memoryDocuments();
    const part = batch(records(40, [7, 30]));
    const receipt = await memorySink(api, documents).write(part);
    expect(receipt.refused).toEqual([
      { start: 7, end: 8, reason: expect.stringContaining(REASON) },
      { start: 30, end: 31, reason: expect.stringContaining(REASON) },
    ]);
    expect(api.accepted.flatMap((a) => a.ids).sort((a, b) => a - b)).toEqual(ids(0, 40, [7, 30]));
    // 2 bad records among 40: at most 2·2·⌈log2 40⌉ requests besides the first.
    expect(api.bodies.length).toBeGreaterThan(2);
    expect(api.bodies.length).toBeLessThanOrEqual(1 + 2 * 2 * 6);
    // The re-read after a kill skips exactly the accepted records, in order.
    const delivered = await memorySink(api, documents).readPartDigests?.(part, fence(1));
    expect(delivered).toEqual(part.digests!.filter((_, i) => i !== 7 && i !== 30));
    // Written again: the same answer, nothing sent.
    const sent = api.bodies.length;
    expect(await memorySink(api, documents).write(part)).toMatchObject({
      created: false,
      refused: receipt.refused,
    });
    expect(api.bodies.length).toBe(sent);
  });

  it('splits only what is refused: a part of clean requests sends one request each, a single refused record is not split', async () => {
    const api = memoryApi();
    const receipt = await memorySink(api, memoryDocuments(), 1).write(batch(records(3, [1])));
    expect(receipt.refused).toEqual([{ start: 1, end: 2, reason: expect.stringContaining(REASON) }]);
    expect(api.bodies).toHaveLength(3);
    expect(api.accepted.flatMap((a) => a.ids)).toEqual([0, 2]);
  });

  it('records each split in the ledger before its halves are sent', async () => {
    const api = memoryApi();
    const documents = memoryDocuments();
    const part = batch(records(8, [5]));
    // Killed on the first half, its answer lost before the API took it.
    api.kill = 'lost';
    api.killAfter = 1;
    await expect(memorySink(api, documents).write(part)).rejects.toThrow(SinkError);
    const stored = await documents.read(DeliveryLedger.keyOf(part));
    expect(stored?.document).toMatchObject({
      halves: [
        { of: 0, start: 0, end: 4 },
        { of: 0, start: 4, end: 8 },
      ],
      claims: [{ index: 8 }],
      accepted: [],
      refused: [],
    });
  });

  for (const kill of ['accepted', 'lost'] as const)
    it(`a run killed mid-split (the request in flight ${kill}) is resumed from the ledger: nothing lost, only byte-identical resends`, async () => {
      const api = memoryApi();
      const documents = memoryDocuments();
      const part = batch(records(40, [7, 30]));
      // The whole request and the first half are refused, [0, 10) is split: the kill hits [0, 5).
      api.kill = kill;
      api.killAfter = 3;
      const killed = fence(1);
      await expect(memorySink(api, documents).write({ ...part, fence: killed })).rejects.toThrow(SinkError);
      const inFlight = api.bodies.at(-1)!;
      expect(JSON.parse(inFlight).records).toHaveLength(5);
      // Time passes: a body built again would differ.
      await new Promise((resolve) => setTimeout(resolve, 5));

      // The successor's re-read sends the claimed request again, as its frozen body, and counts it.
      const successor = fence(2);
      const sent = api.bodies.length;
      const delivered = await memorySink(api, documents).readPartDigests?.(part, successor);
      expect(api.bodies.slice(sent)).toEqual([inFlight]);
      expect(successor.duplicated).toBe(5);
      expect(delivered).toEqual(part.digests!.slice(0, 5));

      // It writes what the part did not deliver as the next part: split again down to the bad records.
      const rest = part.records.slice(5);
      const next = await memorySink(api, documents).write(batch(rest, { seq: 1, fence: successor }));
      expect(next.refused?.map(({ start }) => rest[start]!.id)).toEqual([7, 30]);
      const counts = acceptedOnce(api);
      expect([...counts.keys()].sort((a, b) => a - b)).toEqual(ids(0, 40, [7, 30]));
      expect([...counts.values()].every((count) => count === 1)).toBe(true);
    });

  it('a write of the same part after a kill resends the claimed half as it was, then goes on splitting', async () => {
    const api = memoryApi();
    const documents = memoryDocuments();
    const part = batch(records(40, [7, 30]));
    api.kill = 'accepted';
    api.killAfter = 3;
    await expect(memorySink(api, documents).write({ ...part, fence: fence(1) })).rejects.toThrow(SinkError);
    const inFlight = api.bodies.at(-1)!;
    const sent = api.bodies.length;
    await new Promise((resolve) => setTimeout(resolve, 5));
    const retry = fence(1);
    const receipt = await memorySink(api, documents).write({ ...part, fence: retry });
    expect(api.bodies[sent]).toBe(inFlight);
    expect(retry.duplicated).toBe(5);
    expect(receipt.refused?.map(({ start, end }) => [start, end])).toEqual([
      [7, 8],
      [30, 31],
    ]);
    const counts = acceptedOnce(api);
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual(ids(0, 40, [7, 30]));
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
  });

  it('keeps the halves of a split request, numbered apart, when the records not yet sent are cut again', async () => {
    const ledger = new DeliveryLedger(memoryDocuments());
    const part = batch(records(12, []));
    const plan = { location: 'memory://x', sha256: 'content', digests: part.digests!, ends: [6, 12] };
    const first = await ledger.open(part, plan);
    await first.claim({ index: 0, start: 0, end: 6 }, () => ({ url: 'u', body: Buffer.from('[0, 6)') }));
    expect(await first.split(0)).toEqual([
      { index: 12, start: 0, end: 3 },
      { index: 13, start: 3, end: 6 },
    ]);
    // A retry with a smaller request size cuts the records not yet sent, [6, 12), again.
    const retry = await ledger.open(part, plan);
    expect(retry.unsentFrom()).toBe(6);
    await retry.recut([8, 10, 12]);
    expect(retry.pending()).toEqual([
      { index: 12, start: 0, end: 3 },
      { index: 13, start: 3, end: 6 },
      { index: 1, start: 6, end: 8 },
      { index: 2, start: 8, end: 10 },
      { index: 3, start: 10, end: 12 },
    ]);
    expect(retry.label(13)).toBe('request 1.2 of 4');
    await retry.accept(13);
    await retry.accept(2);
    expect(await ledger.delivered(part)).toEqual([
      ...part.digests!.slice(3, 6),
      ...part.digests!.slice(8, 10),
    ]);
    expect(retry.complete).toBe(false);
  });

  it('reads a ledger entry written before splits: its refused request stays refused whole', async () => {
    const api = memoryApi();
    const documents = memoryDocuments();
    const part = batch(records(4, [1]));
    const digests = Buffer.concat(part.digests!.map((d) => Buffer.from(d, 'base64url'))).toString('base64');
    await documents.write(
      DeliveryLedger.keyOf(part),
      {
        sha256: digestOf(encodeNdjson(part.records)).sha256,
        records: 4,
        ends: [2, 4],
        accepted: [1],
        refused: [{ index: 0, reason: 'refused before splits' }],
        digests,
        claims: [],
        epoch: 0,
      },
      undefined,
    );
    const receipt = await memorySink(api, documents, 2).write(part);
    expect(receipt).toMatchObject({
      created: false,
      refused: [{ start: 0, end: 2, reason: 'refused before splits' }],
    });
    expect(api.bodies).toEqual([]);
  });
});
