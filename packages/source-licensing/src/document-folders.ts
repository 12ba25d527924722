/**
 * Where telemetry documents arrive — a folder, an S3 prefix, a GCS prefix — behind one small interface:
 * list the documents (name, size, modification time, and a stamp that changes when the content may
 * have), and open one as a stream. Names are relative to the location, with `/` between folders; a name
 * part starting with a dot (an editor's or a copy tool's temporary file) is never listed.
 */
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { ConfigError, type ObjectStoreDriver } from '@ctxsiem/core';
import type { DocumentLocation, TelemetryOptions } from './config.ts';

export interface ListedDocument {
  /** Relative to the location, `/`-separated. */
  name: string;
  size: number;
  modified: Date;
  /** Changes whenever the content may have changed (mtime and size, an ETag, a generation). */
  stamp: string;
}

export interface DocumentFolder {
  /** The location, for messages. */
  readonly description: string;
  /** Every document, in no particular order. */
  list(signal: AbortSignal): AsyncIterable<ListedDocument>;
  /** The document's bytes as a stream; undefined when it no longer exists. */
  open(name: string, signal: AbortSignal): Promise<Readable | undefined>;
  close(): Promise<void>;
}

const hidden = (name: string) => name.split('/').some((part) => part.startsWith('.'));

/** Documents in a folder and its subfolders. */
export function folderDocuments(path: string): DocumentFolder {
  return {
    description: `folder ${path}`,
    async *list() {
      let entries: string[];
      try {
        entries = await readdir(path, { recursive: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT')
          throw new ConfigError('source-licensing', [
            { path: 'telemetry.location', reason: `the folder ${path} does not exist` },
          ]);
        throw error;
      }
      for (const entry of entries.sort()) {
        const name = entry.split(sep).join('/');
        if (hidden(name)) continue;
        const info = await stat(join(path, entry)).catch(() => undefined);
        if (!info?.isFile()) continue;
        yield {
          name,
          size: info.size,
          modified: info.mtime,
          stamp: `${info.mtimeMs}:${info.size}:${info.ino}`,
        };
      }
    },
    async open(name) {
      const file = join(path, ...name.split('/'));
      if (relative(path, file).startsWith('..')) throw new Error(`not a document name: ${name}`);
      const stream = createReadStream(file);
      return new Promise<Readable | undefined>((resolve, reject) => {
        stream.once('open', () => resolve(stream));
        stream.once('error', (error: NodeJS.ErrnoException) =>
          error.code === 'ENOENT' ? resolve(undefined) : reject(error),
        );
      });
    },
    async close() {},
  };
}

/** The documents under `prefix` of a bucket driver (S3, GCS). */
export function bucketDocuments(driver: ObjectStoreDriver, prefix: string): DocumentFolder {
  const under = prefix ? `${prefix}/` : '';
  return {
    description: driver.location(under),
    async *list(signal) {
      for await (const object of driver.objects(under, signal)) {
        const name = object.name.slice(under.length);
        if (!name || name.endsWith('/') || hidden(name)) continue;
        yield {
          name,
          size: object.size,
          modified: object.modified,
          stamp: `${object.version}:${object.size}`,
        };
      }
    },
    open: (name, signal) => driver.open(under + name, signal),
    close: () => driver.close(),
  };
}

type BucketLocation = { bucket: string; prefix: string };
type Connections = { s3?: TelemetryOptions['s3']; gcs?: TelemetryOptions['gcs'] };

/** A telemetry bucket's driver, S3's or GCS's, with the configured connection (else the default one). */
async function telemetryBucket(kind: 's3' | 'gcs', bucket: string, connections: Connections) {
  if (kind === 's3') {
    const { s3ObjectStore, S3ReadConnectionSchema } = await import('@ctxsiem/object-store-s3');
    return s3ObjectStore({ ...(connections.s3 ?? S3ReadConnectionSchema.parse({})), bucket });
  }
  const { gcsObjectStore, GcsConnectionSchema } = await import('@ctxsiem/object-store-gcs');
  return gcsObjectStore(
    { ...(connections.gcs ?? GcsConnectionSchema.parse({})), bucket },
    { retry: 'always' },
  );
}

/** Objects under an S3 prefix (the S3 driver: region, endpoint, credentials, retries). */
export const s3Documents = async ({ bucket, prefix }: BucketLocation, s3: TelemetryOptions['s3']) =>
  bucketDocuments(await telemetryBucket('s3', bucket, { s3 }), prefix);

/** Objects under a GCS prefix (the GCS driver: endpoint, credentials, retries). */
export const gcsDocuments = async ({ bucket, prefix }: BucketLocation, gcs: TelemetryOptions['gcs']) =>
  bucketDocuments(await telemetryBucket('gcs', bucket, { gcs }), prefix);

/** The folder a telemetry config names. */
export function openDocumentFolder(
  options: TelemetryOptions,
  location: DocumentLocation,
): Promise<DocumentFolder> {
  switch (location.kind) {
    case 's3':
    case 'gcs':
      return telemetryBucket(location.kind, location.bucket, options).then((driver) =>
        bucketDocuments(driver, location.prefix),
      );
    case 'folder':
      return Promise.resolve(folderDocuments(location.path));
  }
}
