/** Builds a runner setup on real components: generated source, file sink, file checkpoint store. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Batch, type CheckpointStore, type JsonRecord, type Sink, silentLogger } from '@ctxsiem/core';
import { fileCheckpointStore, fileSink, readStoredRecords } from '@ctxsiem/sink-file';

export interface FileSetup {
  directory: string;
  sink: Sink;
  checkpoints: CheckpointStore;
  /** Every record stored under a stream, across all its files. */
  stored(stream: string): Promise<JsonRecord[]>;
  deadLetters(stream: string): Promise<JsonRecord[]>;
  cleanup(): Promise<void>;
}

export async function fileSetup(): Promise<FileSetup> {
  const directory = await mkdtemp(join(tmpdir(), 'ctxsiem-runner-'));
  const out = join(directory, 'out');
  return {
    directory,
    sink: fileSink({ directory: out }, { logger: silentLogger(), clock: { now: Date.now } }),
    checkpoints: fileCheckpointStore({ directory: join(directory, 'state') }),
    stored: (stream) => readStoredRecords(join(out, stream)),
    deadLetters: (stream) => readStoredRecords(join(out, '_deadletter', stream)),
    cleanup: () => rm(directory, { recursive: true, force: true }),
  };
}

/** Sorted ids, for comparing sets that must match exactly (no loss, no duplicates). */
export const ids = (records: Iterable<JsonRecord>) => [...records].map((r) => String(r.id)).sort();

/**
 * The same sink with hooks around each write: `before` runs first and may throw (a failing sink) or
 * move a clock (a slow one); `after` sees each acknowledged batch (to abort a run at a chosen point).
 */
export function hookedSink(
  inner: Sink,
  hooks: { before?: (batch: Batch) => void; after?: (batch: Batch) => void },
): Sink {
  return {
    ...inner,
    async write(batch) {
      hooks.before?.(batch);
      const receipt = await inner.write(batch);
      hooks.after?.(batch);
      return receipt;
    },
  };
}
