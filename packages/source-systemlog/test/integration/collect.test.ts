/**
 * The System Log source against the emulator: the conformance suite (pages, continuation tokens), then
 * the real runner into the file sink — exactly the emulator's records under throttling, 503s and token
 * expiry; nothing twice across runs; a run that dies mid-window resumed by its continuation token; late
 * records delivered by the reconcile pass; a 403 naming the permission.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOUR_MS, type JsonRecord, ManualClock, run, type Sink, silentLogger } from '@ctxsiem/core';
import { type Emulator, type Faults, startEmulator } from '@ctxsiem/emulator';
import { fileCheckpointStore, fileSink, readStoredRecords } from '@ctxsiem/sink-file';
import { testSource } from '@ctxsiem/test-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { type SystemLogSource, systemLogSource, TENANT_FIELD } from '../../src/index.ts';

const SEED = 12;
const NOW = Date.parse('2026-03-15T12:20:00Z');
const START = new Date('2026-03-15T00:00:00Z');

let conformance: { emulator: Emulator; source: SystemLogSource };
testSource({
  name: 'systemlog (against the emulator)',
  async create() {
    const emulator = await startEmulator({ seed: SEED, now: () => NOW });
    const source = systemLogSource(
      { options: { type: 'systemlog', pageSize: 1 }, connection: emulator.connection },
      { logger: silentLogger(), clock: new ManualClock(new Date(NOW)) },
    );
    conformance = { emulator, source };
    const window = { from: new Date('2026-03-15T09:00:00Z'), to: new Date('2026-03-15T10:00:00Z') };
    return {
      source,
      window,
      // The API's bounds are inclusive and its pages newest first.
      expected: () =>
        emulator.data
          .systemLog('demo', { from: window.from, to: new Date(window.to.getTime() + 1) })
          .reverse(),
      cleanup: () => conformance.emulator.close(),
    };
  },
});

interface Harness {
  /** The file sink's folder. */
  directory: string;
  emulator: Emulator;
  clock: ManualClock;
  collect(sink?: Sink): ReturnType<typeof run>;
  stored(): Promise<JsonRecord[]>;
  cleanup(): Promise<void>;
}

let h: Harness;
afterEach(async () => {
  await h?.cleanup();
});

async function harness(faults?: Faults): Promise<Harness> {
  const clock = new ManualClock(new Date(NOW));
  const emulator = await startEmulator({ seed: SEED, now: () => clock.now(), ...(faults ? { faults } : {}) });
  const directory = await mkdtemp(join(tmpdir(), 'ctxsiem-systemlog-'));
  const sink = fileSink({ directory: join(directory, 'out') }, { logger: silentLogger(), clock });
  const checkpoints = fileCheckpointStore({ directory: join(directory, 'state') });
  const sources: SystemLogSource[] = [];
  return {
    directory: join(directory, 'out'),
    emulator,
    clock,
    collect(other) {
      const source = systemLogSource(
        {
          options: { type: 'systemlog', pageSize: 3 },
          connection: { ...emulator.connection, backoff: { baseMs: 5, maxMs: 50 }, maxAttempts: 10 },
        },
        { logger: silentLogger(), clock },
      );
      sources.push(source);
      return run({ source, sink: other ?? sink, checkpoints, logger: silentLogger(), clock, start: START });
    },
    stored: () => readStoredRecords(join(directory, 'out', 'records')),
    async cleanup() {
      for (const source of sources.splice(0)) await source.close();
      await emulator.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** The emulator's records of `[START, to)` as delivered: tagged with the tenant. */
const truth = (emulator: Emulator, to: number) =>
  emulator.data
    .systemLog('demo', { from: START, to: new Date(to) })
    .map((record) => ({ ...record, [TENANT_FIELD]: 'demo' }));
const byTime = (records: JsonRecord[]) =>
  [...records].sort((a, b) => String(a.utcTimestamp).localeCompare(String(b.utcTimestamp)));

describe('the System Log source under the runner', () => {
  it('delivers exactly the emulator’s records of every due hour, under throttling, 503s and token expiry', async () => {
    h = await harness({
      rate429: 0.2,
      retryAfterSeconds: 0,
      rate503: 0.05,
      earlyTokenExpiry: true,
      earlyTokenExpiryAfterRequests: 8,
    });
    const summary = await h.collect();
    expect(summary.streams[0]).toMatchObject({
      stream: 'records',
      status: 'ok',
      to: '2026-03-15T12:10:00.000Z',
    });
    const stored = await h.stored();
    expect(byTime(stored)).toEqual(truth(h.emulator, Date.parse('2026-03-15T12:10:00Z')));
    expect(stored.length).toBeGreaterThan(40);
    expect(h.emulator.stats().injected['429']).toBeGreaterThan(0);
    expect(h.emulator.stats().maxConcurrentPerCustomer).toBe(1);

    h.clock.advance(2 * HOUR_MS);
    await h.collect();
    expect(byTime(await h.stored())).toEqual(truth(h.emulator, Date.parse('2026-03-15T14:10:00Z')));
  });

  it('resumes a window a dying run left with its continuation token, and stores nothing twice', async () => {
    h = await harness();
    const inner = fileSink({ directory: h.directory }, { logger: silentLogger(), clock: h.clock });
    let died: Date | undefined;
    const dying: Sink = {
      ...inner,
      // A window's first page is stored and its token committed; its second page's write dies.
      write: (batch) => {
        if (batch.seq === 0 || died) return inner.write(batch);
        died = batch.window.from;
        return Promise.reject(new Error('killed'));
      },
    };
    const failed = await h.collect(dying);
    expect(failed.streams[0]!.status).toBe('failed');
    const before = h.emulator.stats().log.length;
    expect((await h.collect()).streams[0]!.status).toBe('ok');
    const resumed = h.emulator
      .stats()
      .log.slice(before)
      .find((entry) => entry.path.startsWith('/systemlog'));
    const start = encodeURIComponent(died!.toISOString().replace('.000Z', 'Z'));
    expect(resumed?.path).toMatch(
      new RegExp(`^/systemlog/records\\?StartDateTime=${start}&.*&ContinuationToken=`),
    );
    expect(byTime(await h.stored())).toEqual(truth(h.emulator, Date.parse('2026-03-15T12:10:00Z')));
  });

  it('delivers records the service shows late through the reconcile pass, once', async () => {
    h = await harness({ lateArrivals: { maxMinutes: 120 } });
    await h.collect();
    const first = (await h.stored()).length;
    h.clock.advance(3 * HOUR_MS);
    // Everything of those hours is visible now: more than the first run could see.
    expect(first).toBeLessThan(truth(h.emulator, Date.parse('2026-03-15T12:10:00Z')).length);
    await h.collect();
    expect(byTime(await h.stored())).toEqual(truth(h.emulator, Date.parse('2026-03-15T15:10:00Z')));
  });

  it('fails at once on 403, naming the permission, and keeps the checkpoint', async () => {
    h = await harness({ forbidden: true });
    const summary = await h.collect();
    expect(summary.streams[0]!.status).toBe('failed');
    expect(summary.streams[0]!.error).toContain('SystemLog.Read');
    expect(h.emulator.stats().apiRequests).toBe(1);
  });
});
