/**
 * An object store's bucket as ctxsiem uses it (S3, GCS): what a driver package
 * (`@ctxsiem/object-store-s3`, `@ctxsiem/object-store-gcs`) provides, and everything built on object
 * storage needs — the create-only parts of the object sink (`object-sink.ts`), the conditional
 * documents of the object checkpoint store (`ObjectBucket`, `checkpoint/`), and plain reads and
 * listings (a source's documents, a config document).
 *
 * The driver makes the service's requests and says what their failures mean; what does not depend on
 * the service (part names, digests, the create-only algorithm, the check probe) is core's.
 */
import type { Readable } from 'node:stream';
import type { ObjectBucket } from '../checkpoint/index.ts';

/** What an operation needs permission for, for the advice a denial carries. */
export type ObjectAccess = 'read' | 'read-back' | 'write' | 'delete' | 'list';

/**
 * Where an object lies, for the advice an access denial carries: the area under `prefix` (or the one
 * object `prefix` when `exact`) and everything done there, so the next operation does not fail next.
 */
export interface ObjectArea {
  prefix: string;
  exact?: boolean | undefined;
  access: readonly ('read' | 'write' | 'delete')[];
}

/** One operation a failure happened in, for its message. */
export interface ObjectOperation {
  /** What was being done, before the object's location: `writing`, `reading the part`. */
  action: string;
  /** The object (or, listing, the prefix) it was done to. */
  name: string;
  access: ObjectAccess;
  /** Where the object lies and what is done there, for the permissions a denial names. */
  area?: ObjectArea | undefined;
}

/** What a create-only object carries besides its bytes. */
export interface CreateOnlyObject {
  contentType: string;
  /** `gzip` for a gzipped part: the bytes are stored as given, never decompressed by the service. */
  contentEncoding?: string | undefined;
  /** The hex SHA-256 of the bytes, kept as the object's metadata `ctxsiem-sha256`. */
  sha256: string;
}

/**
 * A create-only write's outcome: stored (`parts`: the pieces a streamed upload took, where the
 * service counts them), or refused because the name exists (412), with the service's refusal.
 */
export type CreateOutcome =
  | { created: true; parts?: number | undefined }
  | { created: false; refusal: unknown };

/** An object that exists, as far as the create-only comparison needs it. */
export interface StoredObject {
  /** Its size, when the service said. */
  bytes: number | undefined;
  /** Its metadata `ctxsiem-sha256` as stored (not yet validated), if any. */
  sha256: string | undefined;
  /** Its bytes exactly as stored (never decompressed); may be called again for a second pass. */
  body(): Promise<Readable>;
  /** Lets go of what the read holds when its body is not needed. */
  release(): void;
}

/** An object found by a listing. */
export interface ListedObject {
  name: string;
  size: number;
  modified: Date;
  /** Changes whenever the content does: an ETag, a generation. */
  version: string;
}

/** The service's sizes and names for how parts are uploaded. */
export interface UploadPaths {
  /** A body sent in one request: `single` (S3), `simple` (GCS). */
  whole: string;
  /** A body streamed in pieces: `multipart` (S3), `resumable` (GCS). */
  streamed: string;
  /** Whether receipts say how many pieces an upload took (S3's `parts`). */
  countsParts: boolean;
}

/**
 * A bucket's driver: the conditional documents of a checkpoint store (`ObjectBucket`), create-only
 * objects, reads, listings and deletes, and the meaning of their failures. The plain requests throw
 * the service's own errors; `explain` turns one into a message naming the operation and the fix.
 */
export interface ObjectStoreDriver extends ObjectBucket {
  /** `s3`, `gcs`. */
  readonly service: string;
  readonly bucket: string;
  /** Where requests go, for messages: `region eu-west-1`, `endpoint http://…`. */
  readonly target: string;
  /** The encryption every write requests (`AES256`, `aws:kms`), if any. */
  readonly encryption?: string | undefined;
  readonly uploads: UploadPaths;
  /**
   * Writes the object only if no object has the name. A Buffer is sent in one request; a function
   * gives the body as a stream, streamed in pieces (multipart, resumable upload), and is called again
   * for each attempt the driver makes. A 412 is answered `{ created: false }`.
   */
  create(name: string, body: Buffer | (() => Readable), object: CreateOnlyObject): Promise<CreateOutcome>;
  /** True when the object is known to exist; any failure means "not known to exist". */
  exists(name: string): Promise<boolean>;
  /** The object's size, recorded digest and bytes; undefined when it does not exist. */
  stored(name: string): Promise<StoredObject | undefined>;
  /** The object's bytes as stored; undefined when the object (not the bucket) does not exist. */
  read(name: string): Promise<Buffer | undefined>;
  /** The object's bytes as a stream; undefined when it does not exist. */
  open(name: string, signal?: AbortSignal): Promise<Readable | undefined>;
  /** Every object whose name starts with `prefix`, in name order, a page at a time. */
  objects(prefix: string, signal?: AbortSignal): AsyncIterable<ListedObject>;
  /** Removes the object; a missing one is not an error. */
  remove(name: string): Promise<void>;
  /** A message naming the operation, the service's answer and what to change; whether a retry may help. */
  explain(error: unknown, operation: ObjectOperation): { message: string; retryable: boolean };
  /** The service's permission for an access: `s3:PutObject`, `storage.objects.create`. */
  permission(access: ObjectAccess): string;
  /** Why a store that accepted a second create-only write of an existing object cannot be used. */
  createOnlyIgnored(name: string): string;
  close(): Promise<void>;
}
