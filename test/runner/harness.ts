/** Builds a runner setup on real components: generated source, file sink, file checkpoint store. */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
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

/** A sink whose first write waits until `release()`: the runner that took the stream holds it meanwhile. */
export function holdFirstWrite(inner: Sink): Sink & { release: () => void } {
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let first = true;
  return {
    ...inner,
    release: () => release(),
    async write(batch) {
      if (first) {
        first = false;
        await released;
      }
      return inner.write(batch);
    },
  };
}

/**
 * A checkpoint store whose process "dies" when `kill()` is called: every later write and delete fails,
 * as if the process were killed with -9 — nothing more is committed, not even the lease's release.
 */
export function mortalStore(inner: CheckpointStore): CheckpointStore & { kill(): void } {
  let dead = false;
  const refuse = async () => {
    throw new Error('the process was killed');
  };
  return {
    type: inner.type,
    read: (key) => inner.read(key),
    write: (key, state, ifVersion) => (dead ? refuse() : inner.write(key, state, ifVersion)),
    delete: (key) => (dead ? refuse() : inner.delete(key)),
    list: (prefix) => inner.list(prefix),
    manifests: {
      read: (key) => inner.manifests.read(key),
      write: (key, document, ifVersion) =>
        dead ? refuse() : inner.manifests.write(key, document, ifVersion),
      delete: (key) => (dead ? refuse() : inner.manifests.delete(key)),
      list: (prefix) => inner.manifests.list(prefix),
    },
    kill() {
      dead = true;
    },
  };
}

/** Every part file under the output folder with its inode and modification time: creations are counted. */
export async function partFiles(directory: string): Promise<Map<string, string>> {
  const root = join(directory, 'out');
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  const files = new Map<string, string>();
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.endsWith('.ndjson')) continue;
    const path = join(entry.parentPath, entry.name);
    const info = await stat(path);
    files.set(path.slice(root.length + 1), `${info.ino}:${info.mtimeMs}`);
  }
  return files;
}
