/** A Monitor source wired to a fresh emulator, with fast retry settings for tests. */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CheckpointStore, type JsonRecord, ManualClock, type Sink, silentLogger } from '@ctxsiem/core';
import { type Emulator, type EmulatorOptions, startEmulator } from '@ctxsiem/emulator';
import { fileCheckpointStore, fileSink, readStoredRecords } from '@ctxsiem/sink-file';
import type { MonitorOptionsInput } from '../src/config.ts';
import { type MonitorSource, monitorSource } from '../src/index.ts';

/** A fixed instant: the emulator's data and the runner's clock agree on "now". */
export const NOW = new Date('2024-08-06T12:20:00Z');

export interface MonitorHarness {
  emulator: Emulator;
  clock: ManualClock;
  source(options?: Partial<MonitorOptionsInput>): MonitorSource;
  sink: Sink;
  checkpoints: CheckpointStore;
  stored(entitySet: string): Promise<JsonRecord[]>;
  cleanup(): Promise<void>;
}

export async function monitorHarness(options: EmulatorOptions = {}): Promise<MonitorHarness> {
  const clock = new ManualClock(NOW);
  const emulator = await startEmulator({
    sessionsPerHour: 120,
    pageSize: 50,
    now: () => clock.now(),
    ...options,
  });
  const directory = await mkdtemp(join(tmpdir(), 'ctxsiem-monitor-'));
  const sources: MonitorSource[] = [];
  const checkpoints = fileCheckpointStore({ directory: join(directory, 'state') });
  return {
    emulator,
    clock,
    source(overrides = {}) {
      const source = monitorSource(
        {
          options: { type: 'monitor', ...overrides },
          connection: {
            ...emulator.connection,
            backoff: { baseMs: 5, maxMs: 50 },
            maxAttempts: 8,
            // Generous: the emulator answers in-process, so a slow answer is a loaded machine's, not one to retry.
            requestTimeoutMs: 60_000,
          },
        },
        // The checkpoint store's documents: where a snapshot set keeps its ledger.
        { logger: silentLogger(), clock, documents: checkpoints.manifests },
      );
      sources.push(source);
      return source;
    },
    sink: fileSink({ directory: join(directory, 'out') }, { logger: silentLogger(), clock }),
    checkpoints,
    stored: (entitySet) => readStoredRecords(join(directory, 'out', entitySet)),
    async cleanup() {
      for (const source of sources.splice(0)) await source.close?.();
      await emulator.close().catch(() => {});
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** `Key@ModifiedDate` for each record version: equal lists mean nothing lost and nothing duplicated. */
export function versions(records: Iterable<JsonRecord>, key: string, cursor: string): string[] {
  return [...records].map((r) => `${String(r[key])}@${String(r[cursor])}`).sort();
}
