/**
 * The DaaS configuration log source against the emulator: the conformance suite for each stream (site
 * discovery, pages, continuation tokens), then the real runner into the file sink — exactly the
 * emulator's operations, each with its low-level operations, under throttling, 503s and token expiry,
 * each operation's final version once (one still running delivered again when it ended); nothing twice
 * across runs; a dying run resumed by its continuation token, the window's low-level count with it; the
 * sessions the site lists, each state once; site discovery failures said plainly.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOUR_MS, type JsonRecord, ManualClock, run, type Sink, silentLogger } from '@ctxsiem/core';
import { type Emulator, type Faults, startEmulator } from '@ctxsiem/emulator';
import { fileCheckpointStore, fileSink, readStoredRecords } from '@ctxsiem/sink-file';
import { testSource } from '@ctxsiem/test-kit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type DaasConfigLogOptionsInput,
  type DaasConfigLogSource,
  daasConfigLogSource,
  TENANT_FIELD,
} from '../../src/index.ts';

const SEED = 31;
const NOW = Date.parse('2026-03-15T12:20:00Z');
const START = new Date('2026-03-14T00:00:00Z');

/** An operation as the source delivers it: with its low-level operations as the API answers them (newest first). */
const withLowLevel = (emulator: Emulator) => (operation: Record<string, unknown>) => ({
  ...operation,
  LowLevelOperations: emulator.data.configLogLowLevel('demo', String(operation.Id))!.reverse(),
  LowLevelOperationsStatus: 'complete',
});

let conformance: Emulator;
testSource({
  name: 'daasconfiglog operations (against the emulator)',
  streams: ['operations'],
  async create() {
    conformance = await startEmulator({ seed: SEED, now: () => NOW });
    const source = daasConfigLogSource(
      { options: { type: 'daasconfiglog', pageSize: 2 }, connection: conformance.connection },
      { logger: silentLogger(), clock: new ManualClock(new Date(NOW)) },
    );
    const day = { from: new Date('2026-03-14T00:00:00Z'), to: new Date('2026-03-15T00:00:00Z') };
    return {
      source,
      window: day,
      expected: () => conformance.data.configLog('demo', day).reverse().map(withLowLevel(conformance)),
      cleanup: () => conformance.close(),
    };
  },
});

let sessionsEmulator: Emulator;
testSource({
  name: 'daasconfiglog sessions (against the emulator)',
  streams: ['daasSessions'],
  async create() {
    sessionsEmulator = await startEmulator({ seed: SEED, now: () => NOW });
    const source = daasConfigLogSource(
      { options: { type: 'daasconfiglog', pageSize: 2 }, connection: sessionsEmulator.connection },
      { logger: silentLogger(), clock: new ManualClock(new Date(NOW)) },
    );
    const window = { from: new Date(NOW - 3 * HOUR_MS), to: new Date(NOW) };
    return {
      source,
      window,
      // The API answers the newest session first.
      expected: () => sessionsEmulator.data.daasSessions('demo', window).reverse(),
      cleanup: () => sessionsEmulator.close(),
    };
  },
});

interface Harness {
  directory: string;
  emulator: Emulator;
  clock: ManualClock;
  collect(options?: {
    sink?: Sink;
    siteId?: string;
    options?: Partial<DaasConfigLogOptionsInput>;
  }): ReturnType<typeof run>;
  stored(stream?: string): Promise<JsonRecord[]>;
  cleanup(): Promise<void>;
}

let h: Harness;
afterEach(async () => {
  await h?.cleanup();
});

async function harness(faults?: Faults): Promise<Harness> {
  const clock = new ManualClock(new Date(NOW));
  const emulator = await startEmulator({ seed: SEED, now: () => clock.now(), ...(faults ? { faults } : {}) });
  const directory = await mkdtemp(join(tmpdir(), 'ctxsiem-daas-'));
  const sink = fileSink({ directory: join(directory, 'out') }, { logger: silentLogger(), clock });
  const checkpoints = fileCheckpointStore({ directory: join(directory, 'state') });
  const sources: DaasConfigLogSource[] = [];
  return {
    directory: join(directory, 'out'),
    emulator,
    clock,
    collect(options = {}) {
      const source = daasConfigLogSource(
        {
          options: {
            type: 'daasconfiglog',
            pageSize: 3,
            streams: ['operations'],
            ...(options.siteId ? { siteId: options.siteId } : {}),
            ...options.options,
          },
          connection: { ...emulator.connection, backoff: { baseMs: 5, maxMs: 50 }, maxAttempts: 10 },
        },
        { logger: silentLogger(), clock },
      );
      sources.push(source);
      return run({
        source,
        sink: options.sink ?? sink,
        checkpoints,
        logger: silentLogger(),
        clock,
        start: START,
      });
    },
    stored: (stream = 'operations') => readStoredRecords(join(directory, 'out', stream)),
    async cleanup() {
      for (const source of sources.splice(0)) await source.close();
      await emulator.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/**
 * The emulator's operations that started in `[START, to)`, as they stand now, with their low-level
 * operations, tagged with the tenant.
 */
const truth = (emulator: Emulator, to: number) =>
  emulator.data
    .configLog('demo', { from: START, to: new Date(to) })
    .map(withLowLevel(emulator))
    .map((operation) => ({ ...operation, [TENANT_FIELD]: 'demo' }));
const byStart = (records: JsonRecord[]) =>
  [...records].sort((a, b) =>
    `${a.FormattedStartTime}${a.Id}${a.FormattedEndTime}`.localeCompare(
      `${b.FormattedStartTime}${b.Id}${b.FormattedEndTime}`,
    ),
  );
/** The last version stored of each operation. */
const latest = (records: JsonRecord[]) => {
  const byId = new Map<unknown, JsonRecord>();
  for (const record of records) {
    const known = byId.get(record.Id);
    if (!known || known.FormattedEndTime === null) byId.set(record.Id, record);
  }
  return byStart([...byId.values()]);
};

describe('the DaaS configuration log source under the runner', () => {
  it('delivers the emulator’s operations under its faults; one still running again once it ended', async () => {
    h = await harness({
      rate429: 0.2,
      retryAfterSeconds: 0,
      rate503: 0.05,
      earlyTokenExpiry: true,
      earlyTokenExpiryAfterRequests: 8,
    });
    const first = await h.collect();
    expect(first.streams[0]).toMatchObject({
      stream: 'operations',
      status: 'ok',
      to: '2026-03-15T12:10:00.000Z',
    });
    expect(byStart(await h.stored())).toEqual(byStart(truth(h.emulator, Date.parse('2026-03-15T12:10:00Z'))));
    expect(h.emulator.stats().injected['429']).toBeGreaterThan(0);
    expect(h.emulator.stats().maxConcurrentPerCustomer).toBe(1);

    // Later: the reconcile pass finds the operations that ended since, and stores their final version.
    h.clock.advance(3 * HOUR_MS);
    expect((await h.collect()).streams[0]!.status).toBe('ok');
    const stored = await h.stored();
    const now = truth(h.emulator, Date.parse('2026-03-15T15:10:00Z'));
    expect(latest(stored)).toEqual(byStart(now));
    const again = stored.length - now.length;
    expect(again).toBeGreaterThan(0);
    expect(stored.filter((r) => r.FormattedEndTime === null)).toHaveLength(again);
    expect(new Set(stored.map((r) => JSON.stringify(r))).size).toBe(stored.length);
  });

  it('resumes a window a dying run left with its continuation token, and stores nothing twice', async () => {
    h = await harness();
    const inner = fileSink({ directory: h.directory }, { logger: silentLogger(), clock: h.clock });
    let died: Date | undefined;
    const dying: Sink = {
      ...inner,
      write: (batch) => {
        if (batch.seq === 0 || died) return inner.write(batch);
        died = batch.window.from;
        return Promise.reject(new Error('killed'));
      },
    };
    expect((await h.collect({ sink: dying })).streams[0]!.status).toBe('failed');
    const before = h.emulator.stats().log.length;
    expect((await h.collect()).streams[0]!.status).toBe('ok');
    const searches = h.emulator
      .stats()
      .log.slice(before)
      .filter((entry) => entry.path.includes('$search'));
    expect(searches[0]?.path).toMatch(/continuationToken=/);
    expect(byStart(await h.stored())).toEqual(byStart(truth(h.emulator, Date.parse('2026-03-15T12:10:00Z'))));
  });

  it('resumes a window killed mid-way with its low-level count: what an unbroken run stores, nothing twice', async () => {
    const options = { pageSize: 2, lowLevelPerWindow: 2 };
    const unbroken = await harness();
    let expected: JsonRecord[];
    try {
      expect((await unbroken.collect({ options })).streams[0]!.status).toBe('ok');
      expected = byStart(await unbroken.stored());
    } finally {
      await unbroken.cleanup();
    }
    // The cap bites in some window, past its first page.
    expect(expected.some((r) => r.LowLevelOperationsStatus === 'capped')).toBe(true);
    expect(expected.some((r) => r.LowLevelOperationsStatus === 'complete')).toBe(true);

    h = await harness();
    const inner = fileSink({ directory: h.directory }, { logger: silentLogger(), clock: h.clock });
    let died = false;
    const dying: Sink = {
      ...inner,
      write: (batch) => {
        if (batch.seq === 0 || died) return inner.write(batch);
        died = true;
        return Promise.reject(new Error('killed'));
      },
    };
    expect((await h.collect({ sink: dying, options })).streams[0]!.status).toBe('failed');
    const before = h.emulator.stats().log.length;
    expect((await h.collect({ options })).streams[0]!.status).toBe('ok');
    const resumed = h.emulator
      .stats()
      .log.slice(before)
      .find((entry) => entry.path.includes('$search'));
    expect(resumed?.path).toMatch(/continuationToken=/);
    const stored = await h.stored();
    expect(byStart(stored)).toEqual(expected);
    expect(new Set(stored.map((r) => JSON.stringify(r))).size).toBe(stored.length);
  });

  it('fetches the low-level operations of at most lowLevelPerWindow operations a window; none with 0', async () => {
    h = await harness();
    await h.collect({ options: { lowLevelPerWindow: 1 } });
    const stored = await h.stored();
    const hours = new Map<string, JsonRecord[]>();
    for (const record of stored) {
      const hour = String(record.FormattedStartTime).slice(0, 13);
      hours.set(hour, [...(hours.get(hour) ?? []), record]);
    }
    for (const records of hours.values()) {
      expect(records.filter((r) => r.LowLevelOperationsStatus === 'complete')).toHaveLength(1);
      expect(records.filter((r) => r.LowLevelOperationsStatus === 'capped')).toHaveLength(records.length - 1);
    }
    const lowLevelRequests = () =>
      h.emulator.stats().log.filter((entry) => entry.path.includes('/LowLevelOperations')).length;
    expect(lowLevelRequests()).toBe(hours.size);
    await h.cleanup();

    h = await harness();
    await h.collect({ options: { lowLevelPerWindow: 0 } });
    expect(lowLevelRequests()).toBe(0);
    expect(byStart(await h.stored())).toEqual(
      byStart(
        h.emulator.data
          .configLog('demo', { from: START, to: new Date('2026-03-15T12:10:00Z') })
          .map((operation) => ({ ...operation, [TENANT_FIELD]: 'demo' })),
      ),
    );
  });

  it('collects the sessions the site lists, each state once, a quarter hour at a time', async () => {
    h = await harness();
    const sessionsNow = (to: string) =>
      h.emulator.data
        .daasSessions('demo', { from: START, to: new Date(to) })
        .map((session) => JSON.stringify({ ...session, [TENANT_FIELD]: 'demo' }));
    const first = await h.collect({ options: { streams: ['daasSessions'] } });
    expect(first.streams).toMatchObject([
      { stream: 'daasSessions', status: 'ok', to: '2026-03-15T12:18:00.000Z' },
    ]);
    const then = sessionsNow('2026-03-15T12:18:00Z');
    expect(then.length).toBeGreaterThan(10);
    const stored = (await h.stored('daasSessions')).map((r) => JSON.stringify(r));
    expect(stored.sort()).toEqual([...then].sort());

    // An hour later: the states entered since, once; what was delivered is not delivered again.
    h.clock.advance(HOUR_MS);
    expect((await h.collect({ options: { streams: ['daasSessions'] } })).streams[0]!.status).toBe('ok');
    const later = (await h.stored('daasSessions')).map((r) => JSON.stringify(r));
    const expected = new Set([...then, ...sessionsNow('2026-03-15T13:18:00Z')]);
    expect(later.sort()).toEqual([...expected].sort());
    expect(later.length).toBeGreaterThan(stored.length);
    const searches = h.emulator
      .stats()
      .log.filter((entry) => entry.path.startsWith('/cvad/manage/Sessions/$search'));
    expect(searches.length).toBeGreaterThan(0);
  });

  it('finds the site at /me and sends it with every search', async () => {
    h = await harness();
    await h.collect();
    const log = h.emulator.stats().log.filter((entry) => entry.path.startsWith('/cvad'));
    expect(log[0]?.path).toBe('/cvad/manage/me');
    expect(log.filter((entry) => entry.path === '/cvad/manage/me')).toHaveLength(1);
    // After each page of operations, the low-level operations of each.
    expect(
      log
        .slice(1)
        .every((entry) =>
          /^\/cvad\/manage\/ConfigLog\/Operations\/(\$search|[0-9a-f-]+\/LowLevelOperations)\?limit=/.test(
            entry.path,
          ),
        ),
    ).toBe(true);
    expect(log.filter((entry) => entry.path.includes('/LowLevelOperations'))).toHaveLength(
      truth(h.emulator, Date.parse('2026-03-15T12:10:00Z')).length,
    );
  });

  it('says why a site cannot be found: another customer’s site, a frozen site; the checkpoint stays', async () => {
    h = await harness();
    const wrong = await h.collect({ siteId: 'not-a-site' });
    expect(wrong.streams[0]!.status).toBe('failed');
    expect(wrong.streams[0]!.error).toContain(
      `siteId "not-a-site" is not a DaaS site of customer "demo"; its sites: demo-site (${h.emulator.data.siteId('demo')})`,
    );
    h.emulator.setFaults({ frozenSite: true });
    const frozen = await h.collect();
    expect(frozen.streams[0]!.error).toMatch(
      /the DaaS site of customer "demo" is frozen .*530.*does not wake it/,
    );
    expect(await h.stored()).toEqual([]);
    h.emulator.setFaults({});
    expect((await h.collect()).streams[0]!.status).toBe('ok');
  });

  it('checks each stream with one search of one item, and says which permission is missing', async () => {
    h = await harness();
    const source = daasConfigLogSource(
      { options: { type: 'daasconfiglog' }, connection: h.emulator.connection },
      { logger: silentLogger(), clock: h.clock },
    );
    try {
      const sessions = h.emulator.data.daasSessions('demo', {
        from: new Date(NOW - HOUR_MS),
        to: new Date(NOW),
      }).length;
      const site = h.emulator.data.siteId('demo');
      expect(await source.check()).toEqual([
        {
          name: 'operations',
          ok: true,
          detail: expect.stringMatching(new RegExp(`^site ${site}, \\d+ in the last hour$`)),
        },
        { name: 'daasSessions', ok: true, detail: `site ${site}, ${sessions} in the last hour` },
      ]);
      expect(
        h.emulator
          .stats()
          .log.filter((entry) => entry.path.includes('$search'))
          .map((entry) => entry.path.replace(/\?.*/, '')),
      ).toEqual(['/cvad/manage/ConfigLog/Operations/$search', '/cvad/manage/Sessions/$search']);
      h.emulator.setFaults({ forbidden: true });
      const denied = await source.check();
      expect(denied.map((result) => result.ok)).toEqual([false, false]);
      expect(denied[0]!.detail).toContain('ConfigLog.Read');
    } finally {
      await source.close();
    }
  });

  it('fails at once on 403, naming the permission', async () => {
    h = await harness({ forbidden: true });
    const summary = await h.collect();
    expect(summary.streams[0]!.error).toContain('ConfigLog.Read');
    expect(h.emulator.stats().apiRequests).toBe(1);
  });
});
