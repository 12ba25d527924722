/**
 * Delivery at the edges (issue 30): the reconcile pass re-reading a window whose query times out, a
 * process killed at a window's last reconcile check, a SIEM API refusing a request for good. Real file
 * sink and file checkpoint store, and a real ingestion API sink (core's `ingestionSink`) whose
 * requests land in memory; every test compares what was delivered with the source's ground truth.
 */
import {
  type Batch,
  type CheckpointStore,
  checkpointKey,
  HOUR_MS,
  ingestionSink,
  type JsonRecord,
  ManualClock,
  MINUTE_MS,
  manifestKey,
  QueryTimeoutError,
  type RunSummary,
  run,
  type Sink,
  silentLogger,
  type Window,
} from '@ctxsiem/core';
import { generatedSource } from '@ctxsiem/source-generated';
import { afterEach, describe, expect, it } from 'vitest';
import { type FileSetup, fileSetup, ids, mortalStore } from './harness.ts';

const logger = silentLogger();
const START = new Date('2024-08-06T00:00:00Z');
const FIRST_HOUR: Window = { from: START, to: new Date('2024-08-06T01:00:00Z') };
const KEY = checkpointKey('test-tenant', 'generated', 'events');

/** Ids that occur more than once. */
const duplicates = (records: readonly JsonRecord[]) => {
  const seen = new Set<string>();
  return records.map((r) => String(r.id)).filter((id) => seen.has(id) || !seen.add(id));
};
const inWindow = (records: readonly JsonRecord[], window: Window) =>
  records.filter((r) => {
    const at = Date.parse(String(r.time));
    return at >= window.from.getTime() && at < window.to.getTime();
  });

/**
 * A SIEM ingestion API sink on core's `ingestionSink` (delivery ledger beside the checkpoints), whose
 * accepted requests are kept in `sent`: what the SIEM received, in order.
 */
function memoryApiSink(
  documents: CheckpointStore['manifests'],
  clock: ManualClock,
  /** Runs after the API took a request (the process may die before the answer). */
  afterAccepting?: (body: Buffer) => void,
) {
  const sent: JsonRecord[] = [];
  const bodies: Buffer[] = [];
  const sink: Sink = ingestionSink({
    type: 'memory-api',
    service: 'Memory API',
    deps: { logger, clock, documents },
    locationOf: (batch: Batch) => `memory://${batch.stream}/${batch.window.from.toISOString()}#${batch.seq}`,
    cut: (batch: Batch) => [batch.records.length],
    build: (batch, request) => ({
      url: 'memory://',
      body: Buffer.from(JSON.stringify(batch.records.slice(request.start, request.end))),
    }),
    async post(request) {
      sent.push(...(JSON.parse(request.body.toString('utf8')) as JsonRecord[]));
      bodies.push(request.body);
      afterAccepting?.(request.body);
    },
    refuse: () => undefined,
    check: async () => 'memory api',
  });
  return { sink, sent, bodies };
}

let setup: FileSetup;
afterEach(async () => {
  await setup?.cleanup();
});

describe('delivery at the edges', () => {
  it('a reconcile re-read whose query times out is split like the first read: the late rows of a window that needed a split are delivered', async () => {
    setup = await fileSetup();
    const clock = new ManualClock(new Date('2024-08-06T01:10:00Z'));
    // Every 30th record reaches the API two hours after its time: only a reconcile check finds it.
    const lateMs = (id: string) => (Number(id.split('-').at(-1)) % 30 === 0 ? 2 * HOUR_MS : 0);
    const source = generatedSource({
      start: START,
      pageSize: 40,
      late: { lateMs, clock },
      // The API gives up on a query over more than 15 minutes once it is past its second page.
      beforePage: ({ window, offset }) => {
        if (offset >= 80 && window.to.getTime() - window.from.getTime() > 15 * MINUTE_MS)
          throw new QueryTimeoutError('the query scanned too many rows');
      },
    });
    const runAt = async (iso: string): Promise<RunSummary> => {
      clock.set(new Date(iso));
      return run({ source, sink: setup.sink, checkpoints: setup.checkpoints, logger, clock });
    };
    const truth = [...source.truth('events', FIRST_HOUR)];
    expect(truth.length).toBe(600);
    const lateRows = truth.filter((r) => lateMs(String(r.id)) > 0).length;
    expect(lateRows).toBeGreaterThan(0);

    const first = await runAt('2024-08-06T01:10:00Z');
    expect(first.streams[0]?.status).toBe('ok');
    expect(first.streams[0]?.splits).toBeGreaterThan(0);
    expect(inWindow(await setup.stored('events'), FIRST_HOUR).length).toBe(600 - lateRows);

    // The rows have arrived; the window's check re-reads it, and that read times out as the first did.
    const second = await runAt('2024-08-06T03:30:00Z');
    expect(second.streams[0]?.status).toBe('ok');
    expect(second.streams[0]?.reconciledWindows).toBeGreaterThan(0);
    expect(second.streams[0]?.lateRecords).toBeGreaterThanOrEqual(lateRows);
    // At the horizon the window's last check finds nothing more, and its manifest goes.
    const last = await runAt('2024-08-07T01:30:00Z');
    expect(last.streams[0]?.status).toBe('ok');
    const state = (await setup.checkpoints.read(KEY))?.state;
    const left = state?.reconcile?.find((entry) => entry.from === START.toISOString());
    expect(left?.audit).toBe(600);
    expect(await setup.checkpoints.manifests.read(manifestKey(KEY, START))).toBeUndefined();

    const stored = await setup.stored('events');
    expect(duplicates(stored)).toEqual([]);
    expect(ids(inWindow(stored, FIRST_HOUR))).toEqual(ids(truth));
  });

  it('a window the reconcile pass cannot read stays unverified: its check is tried again after a backoff, reported in every run until it finishes', async () => {
    setup = await fileSetup();
    const clock = new ManualClock(new Date('2024-08-06T01:10:00Z'));
    const lateMs = (id: string) => (Number(id.split('-').at(-1)) % 30 === 0 ? 2 * HOUR_MS : 0);
    let broken = false;
    const source = generatedSource({
      start: START,
      pageSize: 40,
      late: { lateMs, clock },
      // Once broken, any query over the first hour times out, however small.
      beforePage: ({ window }) => {
        if (broken && window.from.getTime() < FIRST_HOUR.to.getTime())
          throw new QueryTimeoutError('the query scanned too many rows');
      },
    });
    const runAt = async (iso: string): Promise<RunSummary> => {
      clock.set(new Date(iso));
      return run({ source, sink: setup.sink, checkpoints: setup.checkpoints, logger, clock });
    };
    await runAt('2024-08-06T01:10:00Z');
    broken = true;
    // Past the horizon: the window's last check, which cannot read it.
    const failed = await runAt('2024-08-07T01:30:00Z');
    expect(failed.streams[0]?.status).toBe('failed');
    expect(failed.streams[0]?.error).toContain('stay unverified');
    expect(failed.streams[0]?.unverifiedWindows).toBe(1);
    const kept = (await setup.checkpoints.read(KEY))?.state.reconcile ?? [];
    expect(kept.find((entry) => entry.from === START.toISOString())).toMatchObject({
      unverified: 1,
      at: '2024-08-07T02:00:00.000Z',
    });
    expect(await setup.checkpoints.manifests.read(manifestKey(KEY, START))).toBeDefined();

    // Before the backoff has passed, runs do not try it again (each would time out), but report it.
    broken = false;
    const waiting = await runAt('2024-08-07T01:40:00Z');
    expect(waiting.streams[0]?.status).not.toBe('failed');
    expect(waiting.streams[0]?.unverifiedWindows).toBe(1);
    expect(waiting.streams[0]?.lateRecords).toBe(0);

    // The API reads it again: the check finishes, the late rows are delivered once.
    const again = await runAt('2024-08-07T02:05:00Z');
    expect(again.streams[0]?.status).toBe('ok');
    expect(again.streams[0]?.unverifiedWindows).toBe(0);
    expect(again.streams[0]?.lateRecords).toBeGreaterThan(0);
    const stored = await setup.stored('events');
    expect(duplicates(stored)).toEqual([]);
    expect(ids(inWindow(stored, FIRST_HOUR))).toEqual(ids(source.truth('events', FIRST_HOUR)));
  });

  it('a run killed at a window’s last reconcile check, between the checkpoint and the manifest, sends nothing again to a SIEM API', async () => {
    setup = await fileSetup();
    const clock = new ManualClock(new Date('2024-08-06T01:10:00Z'));
    const source = generatedSource({ start: START, pageSize: 100 });
    const api = memoryApiSink(setup.checkpoints.manifests, clock);
    const runAt = async (iso: string, checkpoints: CheckpointStore = setup.checkpoints) => {
      clock.set(new Date(iso));
      return run({ source, sink: api.sink, checkpoints, logger, clock, budgetMs: 10 * HOUR_MS });
    };
    await runAt('2024-08-06T01:10:00Z');
    expect(inWindow(api.sent, FIRST_HOUR).length).toBe(600);

    // The last check of the first hour (past the horizon): the process dies when the window's manifest
    // is gone.
    const mortal = mortalStore(setup.checkpoints);
    const target = manifestKey(KEY, START);
    const dying: CheckpointStore = {
      ...mortal,
      manifests: {
        ...mortal.manifests,
        async delete(key) {
          await mortal.manifests.delete(key);
          if (key === target) mortal.kill();
        },
      },
    };
    await runAt('2024-08-07T01:10:00Z', dying);
    // The successor, once the killed run's lease has expired.
    const after = await runAt('2024-08-07T01:30:00Z');
    expect(after.streams[0]?.status).not.toBe('failed');

    expect(duplicates(api.sent)).toEqual([]);
    expect(ids(inWindow(api.sent, FIRST_HOUR))).toEqual(ids(source.truth('events', FIRST_HOUR)));
  });

  it('a run killed after it sent a request again: the successor counts that resend as well as its own', async () => {
    setup = await fileSetup();
    const clock = new ManualClock(new Date('2024-08-06T01:10:00Z'));
    const source = generatedSource({ start: START, pageSize: 100 });
    const mortal = mortalStore(setup.checkpoints);
    const sent: Buffer[] = [];
    let requests = 0;
    // The third request is taken, its answer lost; it is sent again (taken again), then the process
    // dies before the answer: two copies, one resend counted only in the dead run's memory — unless
    // the count was committed before the resend went.
    const killedSink = ingestionSink({
      type: 'memory-api',
      service: 'Memory API',
      deps: { logger, clock, documents: mortal.manifests },
      locationOf: (batch: Batch) =>
        `memory://${batch.stream}/${batch.window.from.toISOString()}#${batch.seq}`,
      cut: (batch: Batch) => [batch.records.length],
      build: (batch, request) => ({
        url: 'memory://',
        body: Buffer.from(JSON.stringify(batch.records.slice(request.start, request.end))),
      }),
      async post(request, _what, hooks) {
        await hooks.beforeAttempt?.();
        sent.push(request.body);
        if (++requests < 3) return;
        hooks.onUncertain?.();
        await hooks.beforeAttempt?.();
        sent.push(request.body);
        mortal.kill();
        throw new Error('killed');
      },
      refuse: () => undefined,
      check: async () => 'memory api',
    });
    const killed = await run({ source, sink: killedSink, checkpoints: mortal, logger, clock });
    expect(killed.streams[0]?.status).toBe('failed');
    const lost = (JSON.parse(sent[2]!.toString('utf8')) as JsonRecord[]).length;
    expect(sent[3]).toEqual(sent[2]);

    clock.advance(11 * MINUTE_MS);
    const successor = memoryApiSink(setup.checkpoints.manifests, clock);
    const after = await run({ source, sink: successor.sink, checkpoints: setup.checkpoints, logger, clock });
    expect(after.streams[0]?.status).toBe('ok');
    expect(successor.bodies[0]).toEqual(sent[2]);
    // Three copies of those records reached the API: both resends are counted.
    expect(after.streams[0]?.possiblyDuplicated).toBe(2 * lost);
    const state = (await setup.checkpoints.read(KEY))?.state;
    expect(state?.lastRun?.possiblyDuplicated).toBe(2 * lost);
    expect(state?.unreportedDuplicates).toBeUndefined();
  });

  it('a run killed after the API took a request, before its answer: the successor sends that request again once, byte-identical, and counts it', async () => {
    setup = await fileSetup();
    const clock = new ManualClock(new Date('2024-08-06T01:10:00Z'));
    const source = generatedSource({ start: START, pageSize: 100 });
    const mortal = mortalStore(setup.checkpoints);
    let requests = 0;
    // The third request is taken by the API, then the process dies (kill -9) before the answer.
    const api = memoryApiSink(mortal.manifests, clock, () => {
      if (++requests === 3) {
        mortal.kill();
        throw new Error('killed');
      }
    });
    const killed = await run({ source, sink: api.sink, checkpoints: mortal, logger, clock });
    expect(killed.streams[0]?.status).toBe('failed');
    const inFlight = api.bodies[2]!;
    const lost = JSON.parse(inFlight.toString('utf8')) as JsonRecord[];
    expect(lost.length).toBeGreaterThan(0);

    // The successor, once the killed run's lease has expired.
    clock.advance(11 * MINUTE_MS);
    const successor = memoryApiSink(setup.checkpoints.manifests, clock);
    const after = await run({
      source,
      sink: successor.sink,
      checkpoints: setup.checkpoints,
      logger,
      clock,
    });
    expect(after.streams[0]?.status).toBe('ok');
    // Its first request is the killed run's, as it was: the same bytes, counted as possibly duplicated.
    expect(successor.bodies[0]).toEqual(inFlight);
    expect(after.streams[0]?.possiblyDuplicated).toBe(lost.length);
    // `ctxsiem status` says so too.
    expect((await setup.checkpoints.read(KEY))?.state.lastRun?.possiblyDuplicated).toBe(lost.length);
    const all = [...api.sent, ...successor.sent];
    // Those records are the only ones delivered twice, and nothing is lost.
    expect(duplicates(all).sort()).toEqual(lost.map((r) => String(r.id)).sort());
    const once = [...new Map(all.map((r) => [String(r.id), r])).values()];
    expect(ids(inWindow(once, FIRST_HOUR))).toEqual(ids(source.truth('events', FIRST_HOUR)));
  });

  it('a run whose stream another runner took over mid-run reports a conflict (a failure), not busy; one left alone is busy, one held by a run that looks dead is blocked', async () => {
    setup = await fileSetup();
    const clock = new ManualClock(new Date('2024-08-06T03:10:00Z'));
    const source = generatedSource({ start: START, pageSize: 100 });
    const leaseMs = 5 * MINUTE_MS;
    const runNow = (sink: Sink = setup.sink, checkpoints: CheckpointStore = setup.checkpoints) =>
      run({ source, sink, checkpoints, logger, clock, leaseMs });
    let other: RunSummary | undefined;
    let first = true;
    // The first run stalls in its first write past its lease; another run takes the stream over meanwhile.
    const stalling: Sink = {
      ...setup.sink,
      async write(batch) {
        if (first) {
          first = false;
          clock.advance(leaseMs + MINUTE_MS);
          other = await runNow();
        }
        return setup.sink.write(batch);
      },
    };
    const slow = await runNow(stalling);
    expect(other?.streams[0]?.status).toBe('ok');
    expect(slow.streams[0]?.status).toBe('conflict');
    expect(slow.conflicts).toEqual(['events']);
    expect(slow.busy).toEqual([]);
    expect(slow.streams[0]?.error).toMatch(/took this stream over while this run held it/);
    const stored = await setup.stored('events');
    expect(duplicates(stored)).toEqual([]);

    // A stream another run holds (its lease alive) is left alone: busy, not a conflict.
    const held = mortalStore(setup.checkpoints);
    let killed = false;
    const dying: Sink = {
      ...setup.sink,
      async write(batch) {
        if (!killed) {
          killed = true;
          held.kill();
        }
        return setup.sink.write(batch);
      },
    };
    clock.set(new Date('2024-08-06T05:10:00Z'));
    await runNow(dying, held);
    const blocked = await runNow();
    expect(blocked.streams[0]?.status).toBe('busy');
    expect(blocked.conflicts).toEqual([]);
    expect(blocked.blocked).toEqual([]);

    // Past half its lease without a commit, the holder looks dead (a kill -9): the stream is blocked —
    // its own outcome, naming the holder and when its lease ends — until the lease expires.
    const lease = (await setup.checkpoints.read(KEY))?.state.lease;
    expect(lease).toBeDefined();
    clock.advance(leaseMs / 2 + MINUTE_MS);
    const waiting = await runNow();
    expect(waiting.streams[0]?.status).toBe('blocked');
    expect(waiting.blocked).toEqual(['events']);
    expect(waiting.busy).toEqual([]);
    expect(waiting.streams[0]?.error).toContain(
      `(${lease!.owner}) holds this stream until ${lease!.expiresAt}`,
    );
    expect(waiting.streams[0]?.error).toMatch(/may have died/);
    // Once it has expired, the stream is taken over and delivered.
    clock.set(new Date(Date.parse(lease!.expiresAt) + 1000));
    const resumed = await runNow();
    expect(resumed.streams[0]?.status).toBe('ok');
    expect(duplicates(await setup.stored('events'))).toEqual([]);
  });

  it('a backfilled window gets its check too, done by the live runs: rows arriving after the backfill read it are delivered', async () => {
    setup = await fileSetup();
    const clock = new ManualClock(new Date('2024-08-07T03:00:00Z'));
    const firstMinute = START.getTime() / MINUTE_MS;
    // In the first hour, one record a minute of its first ten reaches the API 27 h 10 min late: after
    // the backfill has read it (at 26 hours of age), before the check half an hour later.
    const lateMs = (id: string) => {
      const [, minute, index] = id.split('-');
      return Number(index) === 1 && Number(minute) < firstMinute + 10 ? 27 * HOUR_MS + 10 * MINUTE_MS : 0;
    };
    const source = generatedSource({ start: START, pageSize: 200, late: { lateMs, clock } });
    const runAt = async (iso: string, backfill?: Window): Promise<RunSummary> => {
      clock.set(new Date(iso));
      return run({
        source,
        sink: setup.sink,
        checkpoints: setup.checkpoints,
        logger,
        clock,
        start: new Date('2024-08-07T02:00:00Z'),
        backfill,
      });
    };
    // The live stream began an hour ago; the first hour of the day before is backfilled.
    expect((await runAt('2024-08-07T03:00:00Z')).streams[0]?.status).toBe('ok');
    const backfill = await runAt('2024-08-07T03:00:00Z', FIRST_HOUR);
    expect(backfill.streams[0]?.status).toBe('ok');
    expect(inWindow(await setup.stored('events'), FIRST_HOUR)).toHaveLength(590);

    // The next live run, past the check's time, does the backfilled window's check.
    const live = await runAt('2024-08-07T03:35:00Z');
    expect(live.streams[0]?.status).toBe('ok');
    expect(live.streams[0]?.lateRecords).toBe(10);
    const stored = await setup.stored('events');
    expect(duplicates(stored)).toEqual([]);
    expect(ids(inWindow(stored, FIRST_HOUR))).toEqual(ids(source.truth('events', FIRST_HOUR)));
  });

  it('a catch-up window read past the horizon gets a check (rows arriving while it was read are delivered), then an audit counts and reports rows later than that', async () => {
    setup = await fileSetup();
    // The first run comes a day and more late (an outage): the first hour is read at 26 hours of age.
    const clock = new ManualClock(new Date('2024-08-07T03:00:00Z'));
    const firstMinute = START.getTime() / MINUTE_MS;
    // In the first hour, one record a minute reaches the API 30 hours after its time, and in its first
    // ten minutes another 27 h 10 min after it: after the catch-up read, before its check.
    const lateMs = (id: string) => {
      const [, minute, index] = id.split('-');
      if (Number(minute) >= firstMinute + 60) return 0;
      if (Number(index) === 0) return 30 * HOUR_MS;
      return Number(index) === 1 && Number(minute) < firstMinute + 10 ? 27 * HOUR_MS + 10 * MINUTE_MS : 0;
    };
    const source = generatedSource({ start: START, pageSize: 200, late: { lateMs, clock } });
    const runAt = async (iso: string): Promise<RunSummary> => {
      clock.set(new Date(iso));
      return run({ source, sink: setup.sink, checkpoints: setup.checkpoints, logger, clock });
    };
    const catchUp = await runAt('2024-08-07T03:00:00Z');
    expect(catchUp.streams[0]?.status).toBe('ok');
    expect(inWindow(await setup.stored('events'), FIRST_HOUR)).toHaveLength(530);
    const entry = async () =>
      (await setup.checkpoints.read(KEY))?.state.reconcile?.find((e) => e.from === START.toISOString());
    expect(await entry()).toMatchObject({ checks: 0, at: '2024-08-07T03:30:00.000Z' });
    expect((await entry())?.audit).toBeUndefined();

    // Its check, half an hour after the read, delivers the 10 rows that arrived in between.
    const check = await runAt('2024-08-07T03:35:00Z');
    expect(check.streams[0]?.lateRecords).toBe(10);
    expect(inWindow(await setup.stored('events'), FIRST_HOUR)).toHaveLength(540);
    // Then one count-only audit, at twice the window's age at the check.
    expect(await entry()).toMatchObject({ audit: 540, at: '2024-08-08T06:10:00.000Z' });

    // The audit: the 60 rows arrived (30 hours late) and are counted, not delivered.
    const later = await runAt('2024-08-08T06:30:00Z');
    expect(later.streams[0]?.beyondHorizon).toBe(60);
    expect(inWindow(await setup.stored('events'), FIRST_HOUR)).toHaveLength(540);
    const left = (await setup.checkpoints.read(KEY))?.state.reconcile ?? [];
    expect(left.some((entry) => entry.from === START.toISOString())).toBe(false);
  });
});
