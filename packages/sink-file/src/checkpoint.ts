/**
 * The file checkpoint store: the checkpoints of a folder's streams and, beside them, their window
 * manifests, with conditional writes that hold across processes and never take a lock.
 *
 * - Checkpoint of key `{tenant}/{source}/{stream}`: the files `{directory}/{key}.v{N}.json`, each
 *   holding `{ version: N, writeId, writtenAt, state }`; the highest N is the current one.
 * - Window manifest of key `{tenant}/{source}/{stream}/{window start}`: the same under
 *   `{directory}/_manifests/`, holding `document` instead of `state`. Checkpoint keys may not start
 *   with `_manifests/`, and `list()` leaves that folder out.
 *
 * A write over version `${N}:${writeId}` creates v{N+1} with `link()` (exclusive: exactly one of the
 * writers racing for it wins), gives up if a newer version appeared meanwhile, then removes the older
 * versions; `delete` writes a tombstone version, so version numbers never restart and no old version
 * can match again. The whole design, and why it is safe, is in `versioned-files.ts`.
 *
 * The lock-based store this replaces kept `{directory}/{key}.json` holding `{ version, state }`: such a
 * file is read as the checkpoint (version `0:legacy`) until the first write, which creates v1 and
 * removes it. Its `lockStaleMs` option is still accepted and ignored.
 */
import { join } from 'node:path';
import {
  type CheckpointStore,
  checkpointDocumentKind,
  MANIFESTS_FOLDER,
  manifestDocumentKind,
  parseConfig,
} from '@ctxsiem/core';
import { type FileCheckpointConfig, FileCheckpointConfigSchema } from './config.ts';
import { versionedFiles } from './versioned-files.ts';

export function fileCheckpointStore(input: unknown): CheckpointStore {
  const config: FileCheckpointConfig = parseConfig('checkpoint-file', FileCheckpointConfigSchema, input);
  const checkpoints = versionedFiles({
    directory: config.directory,
    kind: checkpointDocumentKind,
    legacyFiles: true,
    reserved: MANIFESTS_FOLDER,
  });
  const manifests = versionedFiles({
    directory: join(config.directory, MANIFESTS_FOLDER),
    kind: manifestDocumentKind,
  });

  return {
    type: 'file',
    async read(key) {
      const found = await checkpoints.read(key);
      return found && { state: found.content, version: found.version };
    },
    write: checkpoints.write,
    delete: checkpoints.delete,
    list: checkpoints.list,
    manifests: {
      async read(key) {
        const found = await manifests.read(key);
        return found && { document: found.content, version: found.version };
      },
      write: manifests.write,
      delete: manifests.delete,
      list: manifests.list,
    },
  };
}
