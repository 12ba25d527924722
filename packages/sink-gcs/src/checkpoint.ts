/**
 * The GCS checkpoint store: one JSON object per stream at `{prefix}/{tenant}/{source}/{stream}.json`
 * holding `{ state, writeId, writtenAt }`, and beside them the window manifests (`manifests`), one
 * object per window at `{prefix}/_manifests/{key}.json` holding `{ document, writeId, writtenAt }`.
 * An object's generation is its version. Writes of both are conditional, so two runners can never
 * both advance a stream:
 *
 * - create: upload with `ifGenerationMatch: 0` (412 when the object exists);
 * - advance: upload with `ifGenerationMatch: <generation>` (412 when someone wrote since, or deleted it).
 *
 * Generations never repeat, so there is no ABA; the `writeId` lets a retried upload whose first attempt
 * did succeed recognise its own write instead of reporting a conflict.
 *
 * Migration from the seed collectors (checkpoints only, never manifests): when a stream has no object
 * yet and `legacyKey` names a seed's `state.json` (`{"last_hour_utc": "…"}`), `read` answers the hour
 * after it with the version `LEGACY_VERSION`; the first `write` then creates the stream's own object.
 * The seed's object is only read, never changed.
 *
 * What does not depend on the service is core's, shared with the S3 store: the documents, the object
 * names, `read` with the seed's state, recognising a retried write and the store itself
 * (`document-objects.ts`, `checkpoint-objects.ts`). What is GCS's is the driver's
 * (`@ctxsiem/object-store-gcs`): generation preconditions, generation-pinned reads (`ObjectBucket`) and
 * what their failures mean.
 */
import { type ObjectCheckpointStore, objectCheckpointStore, parseConfig } from '@ctxsiem/core';
import { gcsObjectStore } from '@ctxsiem/object-store-gcs';
import { type GcsCheckpointConfig, GcsCheckpointConfigSchema } from './config.ts';

/** Core's object checkpoint store (`objectName`, `manifestObjectName`) over the GCS driver. */
export interface GcsCheckpointStore extends ObjectCheckpointStore {
  close(): Promise<void>;
}

export function gcsCheckpointStore(input: unknown): GcsCheckpointStore {
  const config: GcsCheckpointConfig = parseConfig('checkpoint-gcs', GcsCheckpointConfigSchema, input);
  const bucket = gcsObjectStore(config, { retry: 'conditional' });
  const store = objectCheckpointStore({ ...config, bucket });
  return { ...store, close: () => bucket.close() };
}
