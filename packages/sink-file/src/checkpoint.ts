/**
 * The file checkpoint store: one JSON file per stream (`{directory}/{tenant}/{source}/{stream}.json`)
 * holding `{ version, state }`. Writes are conditional: a lock file created with O_EXCL serialises
 * compare-and-swap across processes, the stored version must equal the caller's, and the new content
 * replaces the old by rename. A lock left by a crashed process is broken once it is older than
 * `lockStaleMs`.
 */
import { mkdir, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import {
  CheckpointConflictError,
  type CheckpointStore,
  CtxsiemError,
  parseConfig,
  type StreamState,
  type VersionedState,
} from '@ctxsiem/core';
import { writeFileAtomic } from './atomic-write.ts';
import { type FileCheckpointConfig, FileCheckpointConfigSchema } from './config.ts';

interface StoredFile {
  version: number;
  state: StreamState;
}

export function fileCheckpointStore(input: unknown): CheckpointStore {
  const config: FileCheckpointConfig = parseConfig('checkpoint-file', FileCheckpointConfigSchema, input);
  const pathOf = (key: string) => {
    if (key.split('/').some((part) => part === '..' || part === '')) {
      throw new CtxsiemError('CHECKPOINT_KEY_INVALID', `checkpoint key "${key}" is not a plain path`);
    }
    return join(config.directory, `${key}.json`);
  };

  async function load(key: string): Promise<StoredFile | undefined> {
    try {
      return JSON.parse(await readFile(pathOf(key), 'utf8')) as StoredFile;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new CtxsiemError('CHECKPOINT_READ_FAILED', `could not read checkpoint "${key}"`, {
        cause: error,
      });
    }
  }

  async function withLock<T>(key: string, action: () => Promise<T>): Promise<T> {
    const lock = `${pathOf(key)}.lock`;
    await mkdir(dirname(lock), { recursive: true });
    for (let attempt = 0; ; attempt++) {
      try {
        const handle = await open(lock, 'wx');
        await handle.close();
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const age = await stat(lock).then(
          (s) => Date.now() - s.mtimeMs,
          () => 0,
        );
        if (age > config.lockStaleMs) await rm(lock, { force: true });
        else if (attempt > 200) {
          throw new CheckpointConflictError(key, `lock ${lock} held by another runner`);
        } else await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
    try {
      return await action();
    } finally {
      await rm(lock, { force: true });
    }
  }

  return {
    type: 'file',
    async read(key) {
      const stored = await load(key);
      return stored
        ? ({ state: stored.state, version: String(stored.version) } satisfies VersionedState)
        : undefined;
    },
    async write(key, state, ifVersion) {
      return withLock(key, async () => {
        const current = await load(key);
        const currentVersion = current ? String(current.version) : undefined;
        if (currentVersion !== ifVersion) {
          throw new CheckpointConflictError(
            key,
            ifVersion === undefined
              ? `it already exists at version ${currentVersion}`
              : `expected version ${ifVersion}, found ${currentVersion ?? 'none'}`,
          );
        }
        const version = (current?.version ?? 0) + 1;
        await writeFileAtomic(
          pathOf(key),
          `${JSON.stringify({ version, state } satisfies StoredFile, null, 2)}\n`,
        );
        return String(version);
      });
    },
    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
    async list(prefix = '') {
      const entries = await readdir(config.directory, { recursive: true }).catch(() => [] as string[]);
      return entries
        .filter((entry) => entry.endsWith('.json'))
        .map((entry) =>
          entry
            .split(sep)
            .join('/')
            .replace(/\.json$/, ''),
        )
        .filter((key) => key.startsWith(prefix))
        .sort();
    },
  };
}
