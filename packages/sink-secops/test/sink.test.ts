/**
 * The SecOps sink against the SecOps contract server (local-services): what it sends is what the API
 * documents, cut by encoded size under the limit, each record delivered once across retries, 429s,
 * token expiry, a part resent after a failure and a run killed mid-window; refused records and
 * failures named.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CheckpointConflictError,
  type CheckpointStore,
  checkpointKey,
  type DeliveryFence,
  type FetchLike,
  type JsonRecord,
  ManualClock,
  PartExistsError,
  run,
  type Sink,
  SinkError,
  silentLogger,
  withDeadLetterSink,
} from '@ctxsiem/core';
import { type SecOpsApi, startSecOpsApi } from '@ctxsiem/local-services';
import { fileCheckpointStore, fileSink, readStoredRecords } from '@ctxsiem/sink-file';
import { generatedSource } from '@ctxsiem/source-generated';
import { ingestionBatch } from '@ctxsiem/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SecOpsSinkConfigInput, SecOpsSinkDeps } from '../src/index.ts';
import { CUSTOM_LOG_TYPE, contractSink } from './harness.ts';

let api: SecOpsApi;
let dir: string;
let checkpoints: CheckpointStore;

const CUSTOM = CUSTOM_LOG_TYPE;

beforeEach(async () => {
  api = await startSecOpsApi({ customLogTypes: [CUSTOM] });
  dir = await mkdtemp(join(tmpdir(), 'ctxsiem-secops-'));
  checkpoints = fileCheckpointStore({ directory: join(dir, 'state') });
});
afterEach(async () => {
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

function sink(overrides: Partial<SecOpsSinkConfigInput> = {}, deps: Partial<SecOpsSinkDeps> = {}): Sink {
  return contractSink(
    api,
    checkpoints.manifests,
    {
      region: 'us',
      endpoint: api.endpoint,
      namespace: 'citrix-prod',
      labels: { env: 'prod' },
      ...overrides,
    },
    deps,
  );
}

const FROM = new Date('2024-08-06T07:00:00Z');
const batch = ingestionBatch;
const sessions = (count: number, pad = 0) =>
  Array.from({ length: count }, (_, i) => ({
    SessionKey: `s-${i}`,
    ModifiedDate: new Date(FROM.getTime() + i * 1000).toISOString(),
    UserName: 'x'.repeat(pad),
  }));
/** What SecOps holds, without the record id every log carries (`recordIdField`). */
const delivered = () =>
  api.accepted.map((log) => {
    const { ctxsiemRecordId: _id, ...record } = JSON.parse(log.text) as JsonRecord;
    return record;
  });

/** A runner's fence at lease epoch `epoch` (renewal always succeeds), counting possible duplicates. */
function runnerFence(epoch: number): { fence: DeliveryFence; counted: { records: number } } {
  const counted = { records: 0 };
  return {
    counted,
    fence: {
      owner: `runner-${epoch}`,
      epoch,
      renew: async () => {},
      possiblyDuplicated: (records) => {
        counted.records += records;
      },
    },
  };
}

describe('SecOps sink (logs:import)', () => {
  it('imports each record as its stream’s log type, with its event time, namespace and labels', async () => {
    const records = sessions(5);
    const receipt = await sink().write(batch(records));
    expect(receipt).toMatchObject({ records: 5, created: true });
    expect(delivered()).toEqual(records);
    expect(api.accepted.every((log) => log.logType === 'CITRIX_MONITOR')).toBe(true);
    expect(api.accepted[2]).toMatchObject({
      logEntryTime: '2024-08-06T07:00:02.000Z',
      namespace: 'citrix-prod',
      labels: { env: 'prod' },
    });
    await sink().write(batch(sessions(2), { stream: 'Machines', seq: 1 }));
    await sink().write(batch(sessions(2), { source: 'analytics', stream: 'sessions', seq: 1 }));
    expect(api.accepted.slice(5).map((log) => log.logType)).toEqual([
      'CITRIX_MONITOR',
      'CITRIX_MONITOR',
      'CITRIX_ANALYTICS',
      'CITRIX_ANALYTICS',
    ]);
  });

  it('acknowledges a retried part without sending it again, and refuses other content at it', async () => {
    const records = sessions(4);
    await sink().write(batch(records));
    const requests = api.stats.requests;
    expect(await sink().write(batch(records))).toMatchObject({ created: false });
    expect(api.stats.requests).toBe(requests);
    await expect(sink().write(batch(sessions(3)))).rejects.toBeInstanceOf(PartExistsError);
    expect(delivered()).toEqual(records);
  });

  it('cuts parts by encoded size: records from 10 bytes to 0.99 MB, every request under the limit, each record once', async () => {
    const sizes = [10, 990_000, 200, 900_000, 990_000, 50, 3_000, 980_000, 10, 700_000];
    const records = sizes.map((size, i) => ({ i, pad: 'y'.repeat(size) }));
    const receipt = await sink().write(batch(records, { timeField: undefined }));
    expect(receipt.records).toBe(records.length);
    expect(api.stats.refused413).toBe(0);
    expect(api.stats.largestBody).toBeLessThanOrEqual(api.limits.import);
    expect(api.stats.requests).toBeGreaterThan(1);
    expect(delivered()).toEqual(records);
    // With no time field, the window's start is the event time.
    expect(api.accepted[0]?.logEntryTime).toBe(FROM.toISOString());
  });

  it('refuses a record no request can hold, with its size', () => {
    const small = sink({ maxRequestBytes: 100_000 });
    expect(small.refuse?.({ pad: 'z'.repeat(10) })).toBeUndefined();
    expect(small.refuse?.({ pad: 'z'.repeat(99_000) })).toMatch(
      /^the record takes \d+ bytes in a SecOps import request; a request holds at most 100000/,
    );
  });

  it('retries 429 (honouring Retry-After) and 5xx, delivering each record once', async () => {
    api.failNext({ status: 429, retryAfter: '0' }, { status: 503 }, { status: 500 });
    const records = sessions(3);
    await sink().write(batch(records));
    expect(api.stats.requests).toBe(4);
    expect(delivered()).toEqual(records);
  });

  it('after a failed request, the part is written again sending only the requests not accepted', async () => {
    const records = sessions(6, 40_000);
    const limited = () => sink({ maxRequestBytes: 100_000, maxAttempts: 1 });
    api.failNext('pass', { status: 503, body: '{"error":{"message":"backend unavailable"}}' });
    const error = await limited()
      .write(batch(records))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SinkError);
    expect((error as Error).message).toMatch(
      /#00000: request 2 of \d+ \(records \d+–\d+\): SecOps answered 503: backend unavailable/,
    );
    const firstRequest = delivered();
    expect(firstRequest.length).toBeGreaterThan(0);
    expect(await limited().readPartDigests?.(batch(records))).toEqual(
      batch(records).digests?.slice(0, firstRequest.length),
    );
    await limited().write(batch(records));
    expect(delivered()).toEqual(records);
    expect(await limited().readPartDigests?.(batch(records))).toEqual(batch(records).digests);
  });

  it('a request refused for its logs (400) answers its records as refused, with the reason, and never sends it again', async () => {
    const records = sessions(6, 40_000);
    const limited = () => sink({ maxRequestBytes: 100_000 });
    const reason =
      '{"error":{"code":400,"message":"inlineSource.logs[1]: logEntryTime is out of range","status":"INVALID_ARGUMENT"}}';
    api.failNext('pass', { status: 400, body: reason });
    const receipt = await limited().write(batch(records));
    expect(receipt.refused).toHaveLength(1);
    const [refused] = receipt.refused!;
    expect(refused!.reason).toContain(
      'SecOps refused the request (400: inlineSource.logs[1]: logEntryTime is out of range)',
    );
    expect(delivered()).toEqual([...records.slice(0, refused!.start), ...records.slice(refused!.end)]);
    // Written again (a retry, a killed run's successor): the same answer, nothing sent.
    const requests = api.stats.requests;
    expect((await limited().write(batch(records))).refused).toEqual(receipt.refused);
    expect(api.stats.requests).toBe(requests);
    // What the API refused was not delivered: a re-read does not skip it.
    expect(await limited().readPartDigests?.(batch(records))).toHaveLength(
      records.length - (refused!.end - refused!.start),
    );
  });

  it('a request refused for a log SecOps does not name is split down to it: of 40 records, the 2 malformed are refused with its reason, the 38 others imported once', async () => {
    const records = sessions(40).map((record, i) =>
      i === 9 || i === 26 ? { ...record, malformed: true } : record,
    );
    api.refuseLogs((text) => (JSON.parse(text) as JsonRecord).malformed === true);
    const receipt = await sink().write(batch(records));
    const reason = 'SecOps refused the request (400: Request contains an invalid argument.)';
    expect(receipt.refused).toEqual([
      { start: 9, end: 10, reason },
      { start: 26, end: 27, reason },
    ]);
    expect(delivered()).toEqual(records.filter((_, i) => i !== 9 && i !== 26));
    // 2 malformed logs among 40 cost at most 2·2·⌈log2 40⌉ requests besides the first.
    expect(api.stats.requests).toBeGreaterThan(2);
    expect(api.stats.requests).toBeLessThanOrEqual(1 + 2 * 2 * 6);
    // Written again (a retry, a killed run's successor): the same answer, nothing sent.
    const requests = api.stats.requests;
    expect((await sink().write(batch(records))).refused).toEqual(receipt.refused);
    expect(api.stats.requests).toBe(requests);
    expect(await sink().readPartDigests?.(batch(records))).toEqual(
      batch(records).digests!.filter((_, i) => i !== 9 && i !== 26),
    );
  });

  for (const kill of ['accepted, its answer lost', 'never reached SecOps'] as const)
    it(`a run killed mid-split (the request in flight ${kill}) is resumed from the ledger: nothing lost, only byte-identical resends`, async () => {
      const records = sessions(40).map((record, i) =>
        i === 7 || i === 30 ? { ...record, malformed: true } : record,
      );
      api.refuseLogs((text) => (JSON.parse(text) as JsonRecord).malformed === true);
      // [0, 40), [0, 20) and [0, 10) are refused; the kill hits [0, 5), the 4th request.
      let requests = 0;
      const killing: FetchLike = async (url, init) => {
        if (++requests === 4 && kill === 'never reached SecOps') throw new Error('the run was killed');
        return api.fetch(url, init);
      };
      if (kill !== 'never reached SecOps') api.failNext('accept-then-reset');
      const killed = runnerFence(1);
      const first = contractSink(
        api,
        checkpoints.manifests,
        { endpoint: api.endpoint, maxAttempts: 1 },
        { fetch: killing },
      );
      await expect(first.write(batch(records, { fence: killed.fence }))).rejects.toThrow(SinkError);
      expect(requests).toBe(4);
      // Time passes: a body built again would carry another collectionTime.
      await new Promise((resolve) => setTimeout(resolve, 20));

      // The successor re-reads the part: the claimed request goes again as its frozen body, counted.
      const successor = runnerFence(2);
      const part = batch(records, { fence: successor.fence });
      const digests = await sink().readPartDigests?.(part, successor.fence);
      expect(successor.counted.records).toBe(5);
      expect(digests).toEqual(part.digests!.slice(0, 5));
      // It writes what was not delivered as its next part: split again down to the malformed logs.
      const undelivered = records.slice(5);
      const next = await sink().write(batch(undelivered, { seq: 1, fence: successor.fence }));
      expect(next.refused?.map(({ start }) => undelivered[start])).toEqual([records[7], records[30]]);
      // Each record but the malformed ones is in SecOps; a copy is only ever the same log, byte for byte
      // (the frozen collectionTime): SecOps sees the same batch.
      expect(api.accepted).toHaveLength(kill === 'never reached SecOps' ? 38 : 38 + 5);
      const distinct = [...new Set(api.accepted.map((log) => JSON.stringify(log)))].map(
        (log) => JSON.parse(JSON.parse(log).text) as JsonRecord,
      );
      expect(distinct.map((record) => record.SessionKey).sort()).toEqual(
        records
          .filter((_, i) => i !== 7 && i !== 30)
          .map((record) => record.SessionKey)
          .sort(),
      );
    });

  it('a 400 naming the log type is the configuration: it fails the write, nothing is refused', async () => {
    api.failNext({ status: 400, body: '{"error":{"message":"invalid log_type: CTXSIEM_GENERATED"}}' });
    const error = await sink()
      .write(batch(sessions(2)))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SinkError);
    expect((error as Error).message).toMatch(/SecOps answered 400: invalid log_type/);
  });

  it('sends a request whose answer was lost again byte-identical (its collectionTime frozen), and counts its records as possibly duplicated', async () => {
    const records = sessions(3);
    const { fence, counted } = runnerFence(1);
    api.failNext('accept-then-reset');
    await sink({ maxAttempts: 3 }).write(batch(records, { fence }));
    // The API took the first sending: the second is the same bytes, which SecOps can tell is the same
    // batch — and the run says how many records may be there twice.
    expect(delivered()).toEqual([...records, ...records]);
    expect(api.accepted.slice(3)).toEqual(api.accepted.slice(0, 3));
    expect(counted.records).toBe(3);
    // Each log carries its record id (the runner's digest), so the copies can be found in SecOps.
    const ids = api.accepted.map((log) => (JSON.parse(log.text) as JsonRecord).ctxsiemRecordId);
    expect(ids).toEqual([...batch(records).digests!, ...batch(records).digests!]);
    // Answered at last: nothing is left claimed, nothing is sent again.
    const requests = api.stats.requests;
    await sink().write(batch(records, { fence }));
    expect(api.stats.requests).toBe(requests);
  });

  it('a request claimed by a run that stopped is sent again only as its frozen body, by the successor, and counted', async () => {
    const records = sessions(3);
    const killed = runnerFence(1);
    api.failNext('accept-then-reset');
    // The first run's answer is lost and it gives up (a kill would leave the same claim).
    await expect(sink({ maxAttempts: 1 }).write(batch(records, { fence: killed.fence }))).rejects.toThrow(
      SinkError,
    );
    expect(delivered()).toEqual(records);
    expect(killed.counted.records).toBe(0);
    // Time passes: a body built again would carry another collectionTime.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const successor = runnerFence(2);
    expect(await sink().readPartDigests?.(batch(records), successor.fence)).toEqual(batch(records).digests);
    expect(api.accepted.slice(3)).toEqual(api.accepted.slice(0, 3));
    expect(successor.counted.records).toBe(3);
    // The part is answered: written again, nothing is sent.
    const requests = api.stats.requests;
    expect(await sink().write(batch(records, { fence: successor.fence }))).toMatchObject({ created: false });
    expect(api.stats.requests).toBe(requests);
  });

  it('a runner whose part a newer lease epoch claimed sends nothing more of it (conflict)', async () => {
    const records = sessions(6, 40_000);
    const limited = () => sink({ maxRequestBytes: 100_000, maxAttempts: 1 });
    // The older runner's first request is accepted, its second answered 503.
    api.failNext('pass', { status: 503 });
    const older = runnerFence(1);
    await expect(limited().write(batch(records, { fence: older.fence }))).rejects.toThrow(SinkError);
    // A newer holder takes the part over: its request too is answered 503 (claimed, unanswered).
    api.failNext({ status: 503 });
    await expect(limited().write(batch(records, { fence: runnerFence(2).fence }))).rejects.toThrow(SinkError);
    // The older runner, back, is refused before it sends anything.
    const requests = api.stats.requests;
    await expect(limited().write(batch(records, { fence: older.fence }))).rejects.toThrow(
      CheckpointConflictError,
    );
    expect(api.stats.requests).toBe(requests);
    // The newer one finishes the part: each record once.
    await limited().write(batch(records, { fence: runnerFence(2).fence }));
    expect(delivered()).toEqual(records);
  });

  it('a shutdown does not abort a request in flight: it is sent and its answer recorded', async () => {
    const controller = new AbortController();
    controller.abort(new Error('SIGTERM'));
    const stopping = contractSink(
      api,
      checkpoints.manifests,
      { region: 'us', endpoint: api.endpoint },
      { signal: controller.signal },
    );
    const records = sessions(2);
    await stopping.write(batch(records));
    expect(delivered()).toEqual(records);
    expect(await stopping.readPartDigests?.(batch(records))).toEqual(batch(records).digests);
  });

  it('refreshes an expired token once; a 403 is not retried and names the permission', async () => {
    await api.close();
    api = await startSecOpsApi({ tokenTtlSeconds: 1 });
    const s = sink();
    await s.write(batch(sessions(1)));
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await s.write(batch(sessions(1), { seq: 1 }));
    expect(api.stats.tokens).toBeGreaterThanOrEqual(2);
    api.deniedLogTypes.add('CITRIX_MONITOR');
    const requests = api.stats.requests;
    await expect(s.write(batch(sessions(1), { stream: 'Machines', seq: 2 }))).rejects.toThrow(
      /SecOps answered 403: Permission 'chronicle\.logs\.import' denied .*; the service account needs chronicle\.logs\.import/,
    );
    expect(api.stats.requests).toBe(requests + 1);
  });

  it('says what check() found: authenticated and permitted, or not', async () => {
    expect(await sink().check()).toMatch(
      /^authenticated to SecOps import \(127\.0\.0\.1:\d+\) with permission to import CITRIX_MONITOR/,
    );
    api.deniedLogTypes.add('CITRIX_MONITOR');
    await expect(sink().check()).rejects.toThrow(/permission denied \(403\)/);
    expect(api.accepted).toEqual([]);
  });
});

describe('SecOps sink (legacy Ingestion API)', () => {
  it('sends batchCreate requests with the customer id and log type, under 1 MB', async () => {
    const records = sessions(30, 60_000);
    await sink({ api: 'legacy' }).write(batch(records));
    expect(api.accepted.every((log) => log.api === 'legacy' && log.logType === 'CITRIX_MONITOR')).toBe(true);
    expect(delivered()).toEqual(records);
    expect(api.stats.largestBody).toBeLessThanOrEqual(api.limits.legacy);
    expect(api.stats.requests).toBeGreaterThan(1);
  });
});

describe('SecOps sink under the runner', () => {
  it('a permission refused fails the stream with its checkpoint where it was', async () => {
    const source = generatedSource({ start: FROM, pageSize: 40 });
    api.deniedLogTypes.add(CUSTOM);
    const clock = new ManualClock(new Date('2024-08-06T09:10:00Z'));
    const summary = await run({
      source,
      sink: sink(),
      checkpoints,
      logger: silentLogger(),
      clock,
      start: FROM,
    });
    expect(summary.streams[0]).toMatchObject({ status: 'failed' });
    expect(summary.streams[0]?.error).toMatch(/SecOps answered 403/);
    const state = await checkpoints.read(checkpointKey('test-tenant', 'generated', 'events'));
    expect(state?.state.position ?? FROM.toISOString()).toBe(FROM.toISOString());
    expect(api.accepted).toEqual([]);
  });

  // Two runs of two hours each, every refused request split down to the logs SecOps refuses: ~9 s on a
  // busy machine, past 30 s under stress-ng with other suites beside it. The deadline is for liveness only.
  it('records SecOps refuses (400) are dead-lettered with its reason and the stream moves on, on this run and the next', {
    timeout: 180_000,
  }, async () => {
    const source = generatedSource({ start: FROM, pageSize: 40 });
    const deadLetters = fileSink(
      { directory: join(dir, 'out') },
      { logger: silentLogger(), clock: { now: Date.now } },
    );
    const routed = withDeadLetterSink(sink({ maxRequestBytes: 20_000 }), deadLetters);
    const clock = new ManualClock(new Date('2024-08-06T08:10:00Z'));
    const message = 'Request contains an invalid argument.';
    // SecOps refuses a request holding one of these logs, without naming it: split down to each.
    const malformed = (record: JsonRecord) => Number(record.value) % 50 === 0;
    api.refuseLogs((text) => malformed(JSON.parse(text) as JsonRecord));
    const logger = silentLogger();
    const first = await run({ source, sink: routed, checkpoints, logger, clock });
    expect(first.streams[0]).toMatchObject({ status: 'ok', to: '2024-08-06T08:05:00.000Z' });
    const dead = await readStoredRecords(join(dir, 'out', '_deadletter'));
    expect(dead.length).toBeGreaterThan(0);
    expect(first.streams[0]?.deadLetters).toBe(dead.length);
    for (const letter of dead)
      expect(letter).toMatchObject({ rejectedBy: 'sink', reason: expect.stringContaining(message) });
    const truth = [...source.truth('events', { from: FROM, to: new Date('2024-08-06T08:05:00Z') })];
    const idOf = (record: JsonRecord) => String(record.id);
    /** The ids of `all`'s malformed records (or of the others), sorted. */
    const idsOf = (all: JsonRecord[], bad: boolean) =>
      all
        .filter((record) => malformed(record) === bad)
        .map(idOf)
        .sort();
    // Exactly the malformed records are dead letters; every other one is delivered, once.
    expect(dead.map((letter) => idOf(letter.record as JsonRecord)).sort()).toEqual(idsOf(truth, true));
    expect(delivered().map(idOf).sort()).toEqual(idsOf(truth, false));

    // The next run goes on from there: nothing sent again, only its own malformed records dead-lettered.
    clock.set(new Date('2024-08-06T09:10:00Z'));
    const requests = api.stats.requests;
    const next = await run({ source, sink: routed, checkpoints, logger, clock });
    expect(next.streams[0]).toMatchObject({ status: 'ok', to: '2024-08-06T09:05:00.000Z' });
    expect(api.stats.requests).toBeGreaterThan(requests);
    const deadNow = await readStoredRecords(join(dir, 'out', '_deadletter'));
    expect(next.streams[0]?.deadLetters).toBe(deadNow.length - dead.length);
    const all = [...source.truth('events', { from: FROM, to: new Date('2024-08-06T09:05:00Z') })];
    expect(deadNow.map((letter) => idOf(letter.record as JsonRecord)).sort()).toEqual(idsOf(all, true));
    expect(delivered().map(idOf).sort()).toEqual(idsOf(all, false));
  });

  it('a runner whose lease another takes over while it waits out a 429 sends nothing more: conflict, each record once', async () => {
    const source = generatedSource({ start: FROM, pageSize: 40 });
    const deadLetters = fileSink(
      { directory: join(dir, 'out') },
      { logger: silentLogger(), clock: { now: Date.now } },
    );
    const routed = withDeadLetterSink(sink(), deadLetters);
    const logger = silentLogger();
    // The first request is throttled for a second; meanwhile a runner whose clock is 11 minutes ahead
    // finds the lease (10 minutes) expired and takes the stream over. The slow runner's sink sends
    // nothing after the 429 until the other has finished: the takeover falls inside the wait, however
    // slow the machine.
    api.failNext({ status: 429, retryAfter: '1' });
    let throttled = false;
    let secondFinished: () => void = () => {};
    const finished = new Promise<void>((resolve) => {
      secondFinished = resolve;
    });
    const held: FetchLike = async (url, init) => {
      if (throttled) await finished;
      const response = await api.fetch(url, init);
      if (response.status === 429) throttled = true;
      return response;
    };
    const slowSink = withDeadLetterSink(sink({}, { fetch: held }), deadLetters);
    const slow = new ManualClock(new Date('2024-08-06T07:10:00Z'));
    const first = run({ source, sink: slowSink, checkpoints, logger, clock: slow, owner: 'slow' });
    while (!throttled) await new Promise((resolve) => setTimeout(resolve, 5));
    const ahead = new ManualClock(new Date('2024-08-06T07:21:00Z'));
    const second = await run({ source, sink: routed, checkpoints, logger, clock: ahead, owner: 'ahead' });
    secondFinished();
    expect(second.streams[0]?.status).toBe('ok');
    // The request the slow runner claimed may have been accepted, for all the successor knows: counted.
    expect(second.streams[0]?.possiblyDuplicated).toBe(40);
    const overtaken = await first;
    expect(overtaken.streams[0]?.status).toBe('conflict');
    expect(overtaken.conflicts).toEqual(['events']);
    const truth = [...source.truth('events', { from: FROM, to: new Date(second.streams[0]!.to) })];
    const ids = delivered().map((record) => String(record.id));
    expect(ids.length).toBe(new Set(ids).size);
    expect(ids.sort()).toEqual(truth.map((record) => String(record.id)).sort());
  });

  it('delivers every record once across a run stopped mid-window, oversized records dead-lettered', async () => {
    const source = generatedSource({ start: FROM, pageSize: 40, invalidEvery: 50 });
    const deadLetters = fileSink(
      { directory: join(dir, 'out') },
      { logger: silentLogger(), clock: { now: Date.now } },
    );
    const routed = withDeadLetterSink(sink({ maxRequestBytes: 20_000 }), deadLetters);
    const clock = new ManualClock(new Date('2024-08-06T09:10:00Z'));
    // Stop the first run after a few parts were delivered (the manifest is saved lazily: the second
    // run learns what was delivered from the ledger).
    const controller = new AbortController();
    let writes = 0;
    const stopping: Sink = {
      ...routed,
      async write(part) {
        const receipt = await routed.write(part);
        if (++writes === 5) controller.abort(new Error('stopped'));
        return receipt;
      },
    };
    const logger = silentLogger();
    await run({ source, sink: stopping, checkpoints, logger, clock, signal: controller.signal });
    await run({ source, sink: routed, checkpoints, logger, clock });
    const truth = [...source.truth('events', { from: FROM, to: new Date('2024-08-06T09:05:00Z') })];
    const valid = truth.filter((record) => typeof record.value === 'number');
    const ids = delivered().map((record) => String(record.id));
    expect(ids.length).toBe(new Set(ids).size);
    expect(ids.sort()).toEqual(valid.map((record) => String(record.id)).sort());
    const dead = await readStoredRecords(join(dir, 'out', '_deadletter'));
    expect(dead.length).toBe(truth.length - valid.length);
  });
});
