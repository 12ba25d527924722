/**
 * The DaaS configuration log source against the emulator: the conformance suite (site discovery, pages,
 * continuation tokens), then the real runner into the file sink — exactly the emulator's operations under
 * throttling, 503s and token expiry, each operation's final version once (one still running delivered
 * again when it ended); nothing twice across runs; a dying run resumed by its continuation token; site
 * discovery failures said plainly.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOUR_MS, type JsonRecord, ManualClock, run, type Sink, silentLogger } from '@ctxsiem/core';
import { type Emulator, type Faults, startEmulator } from '@ctxsiem/emulator';
import { fileCheckpointStore, fileSink, readStoredRecords } from '@ctxsiem/sink-file';
import { testSource } from '@ctxsiem/test-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { type DaasConfigLogSource, daasConfigLogSource, TENANT_FIELD } from '../../src/index.ts';

const SEED = 31;
const NOW = Date.parse('2026-03-15T12:20:00Z');
const START = new Date('2026-03-14T00:00:00Z');

let conformance: Emulator;
testSource({
  name: 'daasconfiglog (against the emulator)',
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
      expected: () => conformance.data.configLog('demo', day).reverse(),
      cleanup: () => conformance.close(),
    };
  },
});

interface Harness {
  directory: string;
  emulator: Emulator;
  clock: ManualClock;
  collect(options?: { sink?: Sink; siteId?: string }): ReturnType<typeof run>;
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
            ...(options.siteId ? { siteId: options.siteId } : {}),
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
    stored: () => readStoredRecords(join(directory, 'out', 'operations')),
    async cleanup() {
      for (const source of sources.splice(0)) await source.close();
      await emulator.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** The emulator's operations that started in `[START, to)`, as they stand now, tagged with the tenant. */
const truth = (emulator: Emulator, to: number) =>
  emulator.data
    .configLog('demo', { from: START, to: new Date(to) })
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

  it('finds the site at /me and sends it with every search', async () => {
    h = await harness();
    await h.collect();
    const log = h.emulator.stats().log.filter((entry) => entry.path.startsWith('/cvad'));
    expect(log[0]?.path).toBe('/cvad/manage/me');
    expect(log.filter((entry) => entry.path === '/cvad/manage/me')).toHaveLength(1);
    expect(
      log.slice(1).every((entry) => entry.path.startsWith('/cvad/manage/ConfigLog/Operations/$search')),
    ).toBe(true);
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

  it('fails at once on 403, naming the permission', async () => {
    h = await harness({ forbidden: true });
    const summary = await h.collect();
    expect(summary.streams[0]!.error).toContain('ConfigLog.Read');
    expect(h.emulator.stats().apiRequests).toBe(1);
  });
});
