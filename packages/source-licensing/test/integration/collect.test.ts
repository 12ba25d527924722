/**
 * The licensing source under the real runner against the emulator's licensing API, into the file sink:
 * a usage snapshot for each day collected while fresh (none for a day caught up later), each closed month
 * of history once and the open month a version a day, nothing twice across runs, the same data under
 * throttling and token expiry, and the API's 12-month limit said plainly.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DAY_MS, type JsonRecord, ManualClock, run, silentLogger } from '@ctxsiem/core';
import {
  concurrentSummary,
  currentUsage,
  type Emulator,
  type Faults,
  type LicenseModel,
  startEmulator,
} from '@ctxsiem/emulator';
import { fileCheckpointStore, fileSink, readStoredRecords } from '@ctxsiem/sink-file';
import { afterEach, describe, expect, it } from 'vitest';
import { type LicensingOptionsInput, type LicensingSource, licensingSource } from '../../src/index.ts';
import { expectedMonth } from './history-expected.ts';

const SEED = 4;
/** Just after midnight UTC: 14 March is due (the default lag is 15 minutes). */
const NOW = Date.parse('2026-03-15T00:30:00Z');

interface Harness {
  emulator: Emulator;
  clock: ManualClock;
  source(): LicensingSource;
  collect(start?: Date): ReturnType<typeof run>;
  stored(stream: string): Promise<JsonRecord[]>;
  cleanup(): Promise<void>;
}

let h: Harness;
afterEach(async () => {
  await h?.cleanup();
});

async function harness(
  faults?: Faults,
  models: { tenant?: LicenseModel; configured?: LicensingOptionsInput['licenseModel'] } = {},
): Promise<Harness> {
  const clock = new ManualClock(new Date(NOW));
  // The emulator's "now" is the runner's: the licensing usage depends on the day.
  const emulator = await startEmulator({
    seed: SEED,
    now: () => clock.now(),
    customers: [{ customerId: 'demo', clientId: 'demo', clientSecret: 'demo', licenseModel: models.tenant }],
    ...(faults ? { faults } : {}),
  });
  const directory = await mkdtemp(join(tmpdir(), 'ctxsiem-licensing-'));
  const sources: LicensingSource[] = [];
  const sink = fileSink({ directory: join(directory, 'out') }, { logger: silentLogger(), clock });
  const checkpoints = fileCheckpointStore({ directory: join(directory, 'state') });
  return {
    emulator,
    clock,
    source: () => sources.at(-1)!,
    collect(start) {
      const source = licensingSource(
        {
          options: { type: 'licensing', licenseModel: models.configured },
          connection: { ...emulator.connection, backoff: { baseMs: 5, maxMs: 50 }, maxAttempts: 10 },
        },
        { logger: silentLogger(), clock },
      );
      sources.push(source);
      return run({ source, sink, checkpoints, logger: silentLogger(), clock, start });
    },
    stored: (stream) => readStoredRecords(join(directory, 'out', stream)),
    async cleanup() {
      for (const source of sources.splice(0)) await source.close();
      await emulator.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

const withoutTenant = ({ citrix_customer_id: _, ...record }: JsonRecord) => record;

/** The emulator's month `yyyy-MM` as the history stream delivers it at `now`. */
const month = (name: string, state: 'open' | 'closed', asOf: string, now: number) =>
  expectedMonth(SEED, name, state, { asOf, collectedAt: new Date(now).toISOString() }, now);

describe('the licensing source against the emulator', () => {
  it('takes one usage snapshot per day while the day is fresh, and none for a day caught up later', async () => {
    h = await harness();
    await h.collect();
    expect((await h.stored('usage')).map(withoutTenant)).toEqual([
      {
        snapshotDate: '2026-03-14T00:00:00.000Z',
        collectedAt: new Date(NOW).toISOString(),
        ...currentUsage(SEED, 'demo', NOW),
      },
    ]);
    expect((await h.stored('usage')).every((r) => r.citrix_customer_id === 'demo')).toBe(true);
    // Again at once: the day is done, nothing twice.
    await h.collect();
    expect(await h.stored('usage')).toHaveLength(1);
    // Three days later: the two days missed have no snapshot, the fresh one has.
    h.clock.advance(3 * DAY_MS);
    await h.collect();
    expect((await h.stored('usage')).map((r) => r.snapshotDate)).toEqual([
      '2026-03-14T00:00:00.000Z',
      '2026-03-17T00:00:00.000Z',
    ]);
  });

  it('takes 204 No Content as nothing to report: no records, no retry, no failure; then collects again', async () => {
    h = await harness({ licensingNoContent: true });
    const empty = await h.collect(new Date('2026-03-01T00:00:00Z'));
    expect(empty.failed).toEqual([]);
    expect(empty.streams.map((s) => [s.stream, s.status, s.records])).toEqual([
      ['usage', 'ok', 0],
      ['history', 'ok', 0],
    ]);
    expect(empty.sourceMetrics.retries ?? 0).toBe(0);
    expect(h.emulator.stats().injected.licensingNoContent).toBeGreaterThan(0);
    // `check` reads 204 the same way: reachable, nothing to report.
    expect(await h.source().check()).toEqual([
      { name: 'usage', ok: true, detail: 'reachable (nothing to report)' },
    ]);
    // The next day, with usage to report again.
    h.emulator.setFaults({});
    h.clock.advance(DAY_MS);
    await h.collect();
    expect((await h.stored('usage')).map((r) => r.snapshotDate)).toEqual(['2026-03-15T00:00:00.000Z']);
  });

  it('delivers each closed month once and the open month a version a day', async () => {
    h = await harness();
    const summary = await h.collect(new Date('2026-01-01T00:00:00Z'));
    expect(summary.failed).toEqual([]);
    const first = (await h.stored('history')).map(withoutTenant);
    expect(first).toEqual([
      month('2025-12', 'closed', '2026-01-01T00:00:00.000Z', NOW),
      month('2026-01', 'closed', '2026-02-01T00:00:00.000Z', NOW),
      month('2026-02', 'closed', '2026-03-01T00:00:00.000Z', NOW),
      month('2026-03', 'open', '2026-03-14T00:00:00.000Z', NOW),
    ]);
    await h.collect();
    expect(await h.stored('history')).toHaveLength(4);
    h.clock.advance(DAY_MS);
    await h.collect();
    const later = (await h.stored('history')).map(withoutTenant);
    expect(later).toHaveLength(5);
    expect(later.at(-1)).toEqual(month('2026-03', 'open', '2026-03-15T00:00:00.000Z', NOW + DAY_MS));
  });

  it('delivers exactly the emulator’s data under throttling and expiring tokens', async () => {
    h = await harness({
      rate429: 0.3,
      retryAfterSeconds: 0,
      earlyTokenExpiry: true,
      earlyTokenExpiryAfterRequests: 3,
    });
    const summary = await h.collect(new Date('2026-02-01T00:00:00Z'));
    expect(summary.failed).toEqual([]);
    expect((await h.stored('history')).map((r) => `${r.month} ${r.state}`)).toEqual([
      '2026-01 closed',
      '2026-02 closed',
      '2026-03 open',
    ]);
    expect(await h.stored('usage')).toHaveLength(1);
    const stats = h.emulator.stats();
    expect(stats.injected['429']).toBeGreaterThan(0);
    expect(stats.injected.earlyTokenExpiry).toBeGreaterThan(0);
  });

  it('says the API keeps 12 months when asked for an older one, and keeps the checkpoint', async () => {
    h = await harness();
    const summary = await h.collect(new Date('2025-03-01T00:00:00Z'));
    const history = summary.streams.find((s) => s.stream === 'history')!;
    expect(history.status).toBe('failed');
    expect(history.error).toMatch(/keeps 12 months of history: 2025-02 is older \(collect from 2025-04 on\)/);
  });

  it('takes a Concurrent tenant’s summary once per fresh day into its own stream, none for a day caught up', async () => {
    h = await harness(undefined, { tenant: 'concurrent', configured: 'concurrent' });
    const summary = await h.collect();
    expect(summary.streams.map((s) => [s.stream, s.status, s.records])).toEqual([
      ['concurrentUsage', 'ok', 1],
    ]);
    expect((await h.stored('concurrentUsage')).map(withoutTenant)).toEqual([
      {
        snapshotDate: '2026-03-14T00:00:00.000Z',
        collectedAt: new Date(NOW).toISOString(),
        ...concurrentSummary(SEED, 'demo', NOW),
      },
    ]);
    await h.collect();
    expect(await h.stored('concurrentUsage')).toHaveLength(1);
    h.clock.advance(3 * DAY_MS);
    await h.collect();
    expect((await h.stored('concurrentUsage')).map((r) => r.snapshotDate)).toEqual([
      '2026-03-14T00:00:00.000Z',
      '2026-03-17T00:00:00.000Z',
    ]);
    // Multi-type licensing: both models' streams, each into its own place.
    await h.cleanup();
    h = await harness(undefined, { tenant: 'both', configured: 'both' });
    const both = await h.collect();
    expect(both.streams.map((s) => [s.stream, s.status, s.records])).toEqual([
      ['usage', 'ok', 1],
      ['history', 'ok', 1],
      ['concurrentUsage', 'ok', 1],
    ]);
  });

  it('takes a Concurrent 204 No Content as nothing to report: no record, no retry, no failure', async () => {
    h = await harness({ licensingNoContent: true }, { tenant: 'concurrent', configured: 'concurrent' });
    const empty = await h.collect();
    expect(empty.failed).toEqual([]);
    expect(empty.streams.map((s) => [s.stream, s.status, s.records])).toEqual([['concurrentUsage', 'ok', 0]]);
    expect(empty.sourceMetrics.retries ?? 0).toBe(0);
    expect(h.emulator.stats().injected.licensingNoContent).toBe(1);
    expect(await h.source().check()).toEqual([
      { name: 'concurrentUsage', ok: true, detail: 'reachable (nothing to report)' },
    ]);
    h.emulator.setFaults({});
    const [check] = await h.source().check();
    expect(check!.detail).toMatch(
      /^reachable \(\d+ of \d+ Concurrent licenses in use at 2026-03-15T00:30:00.000Z\)$/,
    );
  });

  it('says which model to configure when the tenant is not licensed under the configured one', async () => {
    h = await harness(undefined, { tenant: 'concurrent' });
    const summary = await h.collect();
    expect(summary.streams.map((s) => [s.stream, s.status])).toEqual([
      ['usage', 'failed'],
      ['history', 'failed'],
    ]);
    expect(summary.streams[0]!.error).toMatch(
      /answered 404 for licensing\/license\/enterprise\/cloud\/cvad\/ud\/current: the tenant has no User\/Device licenses\. If it is licensed Concurrent, set licenseModel to concurrent/,
    );
    // 404 is an answer, not a failure to retry.
    expect(summary.sourceMetrics.retries ?? 0).toBe(0);
    expect(await h.source().check()).toEqual([
      {
        name: 'usage',
        ok: false,
        detail:
          'the tenant has no User/Device licenses (404) but is licensed Concurrent: set licenseModel to concurrent, or both (LICENSING_MODEL)',
      },
    ]);
    await h.cleanup();
    h = await harness(undefined, { tenant: 'userDevice', configured: 'concurrent' });
    const wrong = await h.collect();
    expect(wrong.streams[0]!.error).toMatch(
      /no Concurrent licenses\. If it is licensed User\/Device, set licenseModel to user-device/,
    );
    const [check] = await h.source().check();
    expect(check).toMatchObject({ name: 'concurrentUsage', ok: false });
    expect(check!.detail).toContain('is licensed User/Device: set licenseModel to user-device');
  });
});
