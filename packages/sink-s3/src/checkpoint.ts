/**
 * The S3 checkpoint store: one JSON object per stream at `{prefix}/{tenant}/{source}/{stream}.json`
 * holding `{ state, writeId, writtenAt }`, and beside them the window manifests (`manifests`), one
 * object per window at `{prefix}/_manifests/{key}.json` holding `{ document, writeId, writtenAt }`.
 * An object's ETag is its version. Writes of both are conditional, so two runners can never both
 * advance a stream:
 *
 * - create: `PutObject` with `If-None-Match: *` (fails with 412 when the object exists);
 * - advance: `PutObject` with `If-Match: <etag>` (412 when someone wrote since; 404 when deleted).
 *
 * ETags of single-part objects are the MD5 of the content, so every write carries a fresh `writeId`:
 * no two writes have the same content and an old ETag can never match again (no ABA).
 *
 * Migration from the seed collectors (checkpoints only, never manifests): when a stream has no object
 * yet and `legacyKey` names a seed's `state.json` (`{"last_hour_utc": "…"}`), `read` answers the hour
 * after it with the version `LEGACY_VERSION`; the first `write` then creates the stream's own object
 * (create-only). The seed's object is only read, never changed.
 *
 * What does not depend on the service is core's, shared with the GCS store: the documents, the object
 * names, `read` with the seed's state, recognising a retried write and the store itself
 * (`document-objects.ts`, `checkpoint-objects.ts`). What is S3's is the driver's
 * (`@ctxsiem/object-store-s3`): the requests (`ObjectBucket`) and what their failures mean. Here: where
 * the store reads, writes and deletes, for the IAM statements a denial prints.
 */
import { type ObjectCheckpointStore, objectCheckpointStore, parseConfig } from '@ctxsiem/core';
import { s3ObjectStore } from '@ctxsiem/object-store-s3';
import { type S3CheckpointConfig, S3CheckpointConfigSchema } from './config.ts';

/** Core's object checkpoint store over the S3 driver, its object names also by their S3 name (keys). */
export interface S3CheckpointStore extends ObjectCheckpointStore {
  /** The object key a checkpoint key is stored at. */
  objectKey(key: string): string;
  /** The object key a manifest key is stored at. */
  manifestObjectKey(key: string): string;
  close(): Promise<void>;
}

export function s3CheckpointStore(input: unknown): S3CheckpointStore {
  const config: S3CheckpointConfig = parseConfig('checkpoint-s3', S3CheckpointConfigSchema, input);
  /**
   * What to grant where a key lives: the checkpoints' own prefix is read, written and cleaned up
   * (manifests); the previous prefix and the seed's state.json are only read.
   */
  const bucket = s3ObjectStore(config, {
    areaOf: (key) => {
      if (config.legacyKey && key === config.legacyKey) return { prefix: key, exact: true, access: ['read'] };
      if (config.previousPrefix && key.startsWith(`${config.previousPrefix}/`))
        return { prefix: config.previousPrefix, access: ['read'] };
      return { prefix: config.prefix, access: ['read', 'write', 'delete'] };
    },
  });
  const store = objectCheckpointStore({ ...config, bucket });
  return {
    ...store,
    objectKey: store.objectName,
    manifestObjectKey: store.manifestObjectName,
    close: () => bucket.close(),
  };
}
