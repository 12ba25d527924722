/** An Analytics source wired to a fresh emulator, with fast retry settings for tests. */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  batchKey,
  type CheckpointStore,
  HOUR_MS,
  hourPartition,
  isoSeconds,
  ManualClock,
  type Sink,
  silentLogger,
} from '@ctxsiem/core';
import { type Emulator, type EmulatorOptions, startEmulator } from '@ctxsiem/emulator';
import { fileCheckpointStore, fileSink, readStoredFiles, type StoredFile } from '@ctxsiem/sink-file';

export type { StoredFile };

import { expect } from 'vitest';
import type { AnalyticsOptionsInput } from '../src/config.ts';
import { type AnalyticsSource, analyticsSource } from '../src/index.ts';

/** A fixed instant: the emulator's data is frozen here, and the runner's clock starts here. */
export const NOW = new Date('2024-08-06T12:20:00Z');
/** With the default lookback (75 min, so a 15 min lag), the last hour due at NOW. */
export const LAST_DUE_HOUR = new Date('2024-08-06T11:00:00Z');

export interface AnalyticsHarness {
  emulator: Emulator;
  /** The runner's clock. The emulator keeps its own fixed `now` (NOW) unless told otherwise. */
  clock: ManualClock;
  source(options?: Partial<AnalyticsOptionsInput>): AnalyticsSource;
  sink: Sink;
  checkpoints: CheckpointStore;
  /** Every file the sink wrote for an entity, in path order. */
  files(entity: string): Promise<StoredFile[]>;
  cleanup(): Promise<void>;
}

export async function analyticsHarness(options: EmulatorOptions = {}): Promise<AnalyticsHarness> {
  const clock = new ManualClock(NOW);
  // The emulator's clock stays at NOW even when a test moves the runner's clock (budgets), so the
  // ground truth of an hour never changes under a test.
  const emulator = await startEmulator({ now: () => NOW.getTime(), ...options });
  const directory = await mkdtemp(join(tmpdir(), 'ctxsiem-analytics-'));
  const sources: AnalyticsSource[] = [];
  return {
    emulator,
    clock,
    source(overrides = {}) {
      const source = analyticsSource(
        {
          options: { type: 'analytics', ...overrides },
          connection: {
            ...emulator.connection,
            backoff: { baseMs: 5, maxMs: 50 },
            maxAttempts: 8,
            // Generous: the emulator answers in-process, so a slow answer is a loaded machine's, not one to retry.
            requestTimeoutMs: 60_000,
          },
        },
        { logger: silentLogger(), clock },
      );
      sources.push(source);
      return source;
    },
    sink: fileSink({ directory: join(directory, 'out') }, { logger: silentLogger(), clock }),
    checkpoints: fileCheckpointStore({ directory: join(directory, 'state') }),
    files: (entity) => readStoredFiles(join(directory, 'out', entity)),
    async cleanup() {
      for (const source of sources.splice(0)) await source.close();
      await emulator.close().catch(() => {});
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** The start of every hour in `[from, to)`. */
export function hoursBetween(from: Date, to: Date): Date[] {
  const hours: Date[] = [];
  for (let t = from.getTime(); t < to.getTime(); t += HOUR_MS) hours.push(new Date(t));
  return hours;
}

/** The part names (inside the entity's folder) a window of `pages` non-empty pages gets: seq 0, 1, … */
export function partNames(entity: string, hour: Date, pages: number): string[] {
  const window = { from: hour, to: new Date(hour.getTime() + HOUR_MS) };
  return Array.from({ length: pages }, (_, seq) =>
    batchKey({ tenant: 'demo', source: 'analytics', stream: entity, window, seq, kind: 'records' }).slice(
      entity.length + 1,
    ),
  );
}

/**
 * Asserts that the files of `entity` hold, for every hour in `[from, to)`, exactly the emulator's records
 * of that hour (nothing lost, nothing duplicated, in order), each in the seed's envelope and in that
 * hour's partition, in `ceil(n / top)` parts numbered from 0, and that no other hour has files.
 * Returns the hours that had no data.
 */
export async function expectExact(
  h: AnalyticsHarness,
  entity: string,
  range: { from: Date; to: Date; top: number },
): Promise<Date[]> {
  const files = await h.files(entity);
  const empty: Date[] = [];
  const expectedPaths: string[] = [];
  for (const hour of hoursBetween(range.from, range.to)) {
    const truth = h.emulator.data.casodata(entity, hour);
    if (truth.length === 0) empty.push(hour);
    const names = partNames(entity, hour, Math.ceil(truth.length / range.top));
    expectedPaths.push(...names);
    const stored = files
      .filter((f) => f.path.startsWith(`${hourPartition(hour)}/`))
      .flatMap((f) => f.records);
    const label = `${entity} ${isoSeconds(hour)}`;
    expect(
      stored.map((r) => r.raw),
      `${label}: the hour's records, nothing lost, nothing duplicated`,
    ).toEqual(truth);
    for (const record of stored) {
      expect(record.citrix_entity, label).toBe(entity);
      expect(record.citrix_hour_utc, label).toBe(isoSeconds(hour));
      expect(record.citrix_customer_id, label).toBe('demo');
      expect(typeof record.collection_timestamp, label).toBe('string');
    }
  }
  expect(
    files.map((f) => f.path),
    `${entity}: one part per non-empty page, none outside the range`,
  ).toEqual(expectedPaths.sort());
  return empty;
}
