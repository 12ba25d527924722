/**
 * Where telemetry documents arrive — a folder, an S3 prefix, a GCS prefix — behind one small interface:
 * list the documents (name, size, modification time, and a stamp that changes when the content may
 * have), and open one as a stream. Names are relative to the location, with `/` between folders; a name
 * part starting with a dot (an editor's or a copy tool's temporary file) is never listed.
 */
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { ConfigError } from '@ctxsiem/core';
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

/** Objects under an S3 prefix (the S3 sink's client: region, endpoint, credentials, retries). */
export async function s3Documents(
  location: { bucket: string; prefix: string },
  connection: TelemetryOptions['s3'],
): Promise<DocumentFolder> {
  const [{ GetObjectCommand, NoSuchKey, paginateListObjectsV2 }, { createS3Client, S3ReadConnectionSchema }] =
    await Promise.all([import('@aws-sdk/client-s3'), import('@ctxsiem/sink-s3')]);
  const client = createS3Client(connection ?? S3ReadConnectionSchema.parse({}));
  const { bucket } = location;
  const under = location.prefix ? `${location.prefix}/` : '';
  return {
    description: `s3://${bucket}/${under}`,
    async *list(signal) {
      for await (const page of paginateListObjectsV2(
        { client },
        { Bucket: bucket, Prefix: under },
        { abortSignal: signal },
      )) {
        for (const object of page.Contents ?? []) {
          const name = object.Key!.slice(under.length);
          if (!name || name.endsWith('/') || hidden(name)) continue;
          yield {
            name,
            size: object.Size ?? 0,
            modified: object.LastModified ?? new Date(0),
            stamp: `${object.ETag}:${object.Size}`,
          };
        }
      }
    },
    async open(name, signal) {
      try {
        const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: under + name }), {
          abortSignal: signal,
        });
        return response.Body as Readable;
      } catch (error) {
        if (error instanceof NoSuchKey) return undefined;
        throw error;
      }
    },
    async close() {
      client.destroy();
    },
  };
}

/** Objects under a GCS prefix (the GCS sink's client: endpoint, credentials, retries). */
export async function gcsDocuments(
  location: { bucket: string; prefix: string },
  connection: TelemetryOptions['gcs'],
): Promise<DocumentFolder> {
  const { createStorage, GcsConnectionSchema } = await import('@ctxsiem/sink-gcs');
  const storage = createStorage(connection ?? GcsConnectionSchema.parse({}), 'always');
  const bucket = storage.bucket(location.bucket);
  const under = location.prefix ? `${location.prefix}/` : '';
  return {
    description: `gs://${location.bucket}/${under}`,
    async *list() {
      let pageToken: string | undefined;
      do {
        const [files, next] = await bucket.getFiles({
          prefix: under,
          autoPaginate: false,
          maxResults: 1000,
          ...(pageToken ? { pageToken } : {}),
        });
        for (const file of files) {
          const name = file.name.slice(under.length);
          if (!name || name.endsWith('/') || hidden(name)) continue;
          yield {
            name,
            size: Number(file.metadata.size ?? 0),
            modified: new Date(String(file.metadata.updated ?? 0)),
            stamp: `${file.metadata.generation}:${file.metadata.size}`,
          };
        }
        pageToken = (next as { pageToken?: string } | null)?.pageToken;
      } while (pageToken);
    },
    async open(name) {
      const file = bucket.file(under + name);
      const [exists] = await file.exists();
      if (!exists) return undefined;
      return Readable.from(file.createReadStream({ decompress: false, validation: false }));
    },
    async close() {},
  };
}

/** The folder a telemetry config names. */
export function openDocumentFolder(
  options: TelemetryOptions,
  location: DocumentLocation,
): Promise<DocumentFolder> {
  switch (location.kind) {
    case 's3':
      return s3Documents(location, options.s3);
    case 'gcs':
      return gcsDocuments(location, options.gcs);
    case 'folder':
      return Promise.resolve(folderDocuments(location.path));
  }
}
