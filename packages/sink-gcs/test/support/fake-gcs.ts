/**
 * A real fake-gcs-server for the GCS tests, plus readers that do not go through the sink or the
 * client library: plain HTTP GETs of the JSON API (`/storage/v1/b/{bucket}/o?prefix=` and
 * `…/o/{name}?alt=media`), with gzip decoded here.
 */
import { randomBytes } from 'node:crypto';
import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { decodeNdjson, silentLogger, systemClock } from '@ctxsiem/core';
import { type RunningServer, startFakeGcs } from '@ctxsiem/local-services';
import { fileCheckpointStore, fileSink } from '@ctxsiem/sink-file';
import type { ObjectBucketFixture } from '@ctxsiem/test-kit';
import { gcsCheckpointStore } from '../../src/checkpoint.ts';
import type { GcsCheckpointConfigInput, GcsSinkConfigInput } from '../../src/config.ts';
import { gcsSink } from '../../src/sink.ts';

/** What a sink under test is given: a silent logger, the system clock. */
export const deps = { logger: silentLogger(), clock: systemClock };

/** The file sink and store, whose output the object store's must equal under the runner. */
export const reference = { sink: fileSink, checkpoints: fileCheckpointStore };

/** Building fake-gcs-server on a fresh machine takes minutes: hooks that start it get this long. */
export const SERVER_HOOK_TIMEOUT_MS = 300_000;

export interface ObjectMetadata {
  name: string;
  size: string;
  generation: string;
  contentType?: string;
  contentEncoding?: string;
  metageneration?: string;
  metadata?: Record<string, string>;
}

/** fake-gcs-server, with readers of its JSON API that bypass the sink (versions are generations). */
export interface FakeGcsFixture extends ObjectBucketFixture<GcsSinkConfigInput, GcsCheckpointConfigInput> {
  server: RunningServer;
  endpoint: string;
  /** Every object name under `prefix`, sorted. */
  names(bucket: string, prefix?: string): Promise<string[]>;
  metadata(bucket: string, name: string): Promise<ObjectMetadata>;
}

let buckets = 0;

async function ok(response: Response, what: string): Promise<Response> {
  if (!response.ok) throw new Error(`${what}: HTTP ${response.status} ${await response.text()}`);
  return response;
}

export async function startFakeGcsFixture(): Promise<FakeGcsFixture> {
  const server = await startFakeGcs();
  const { endpoint } = server;
  const objectUrl = (bucket: string, name: string) =>
    `${endpoint}/storage/v1/b/${encodeURIComponent(bucket)}/o/${encodeURIComponent(name)}`;

  const names = async (bucket: string, prefix = '') => {
    const found: string[] = [];
    let pageToken: string | undefined;
    do {
      const url = new URL(`${endpoint}/storage/v1/b/${encodeURIComponent(bucket)}/o`);
      url.searchParams.set('prefix', prefix);
      if (pageToken) url.searchParams.set('pageToken', pageToken);
      const page = (await (await ok(await fetch(url), `list ${bucket}`)).json()) as {
        items?: Array<{ name: string }>;
        nextPageToken?: string;
      };
      for (const item of page.items ?? []) found.push(item.name);
      pageToken = page.nextPageToken;
    } while (pageToken);
    return found.sort();
  };
  const media = async (bucket: string, name: string) =>
    ok(await fetch(`${objectUrl(bucket, name)}?alt=media`), `get ${name}`);
  const records = async (bucket: string, name: string) => {
    // fetch undoes a `Content-Encoding: gzip` it is served; a body still in gzip is gunzipped here.
    const response = await media(bucket, name);
    const body = Buffer.from(await response.arrayBuffer());
    const gzipped = body[0] === 0x1f && body[1] === 0x8b;
    return decodeNdjson((gzipped ? gunzipSync(body) : body).toString('utf8'));
  };
  /** The stored bytes, undecoded (node:http: fetch would undo a `Content-Encoding: gzip`). */
  const storedBytes = (bucket: string, name: string) =>
    new Promise<Buffer>((resolve, reject) => {
      const headers = { 'accept-encoding': 'gzip' };
      get(`${objectUrl(bucket, name)}?alt=media`, { headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve(Buffer.concat(chunks)));
        response.on('error', reject);
      }).on('error', reject);
    });
  const metadata = async (bucket: string, name: string) =>
    (await (await ok(await fetch(objectUrl(bucket, name)), `metadata ${name}`)).json()) as ObjectMetadata;

  return {
    server,
    endpoint,
    async newBucket() {
      const name = `ctxsiem-${++buckets}-${randomBytes(3).toString('hex')}`;
      await ok(
        await fetch(`${endpoint}/storage/v1/b?project=test`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name }),
        }),
        `create bucket ${name}`,
      );
      return name;
    },
    sinkConfig: (bucket, extra = {}) => ({ bucket, endpoint, projectId: 'test', maxRetries: 1, ...extra }),
    storeConfig: (bucket, extra = {}) => ({ bucket, endpoint, projectId: 'test', maxRetries: 1, ...extra }),
    objectSink: (bucket, { streamed, ...layout }) => {
      // Streamed: a resumable upload above 1 KiB, in the smallest chunks GCS takes.
      const chunking = streamed ? { resumableThresholdBytes: 1024, chunkSizeBytes: 256 * 1024 } : {};
      const config = { bucket, endpoint, projectId: 'test', maxRetries: 1, ...layout, ...chunking };
      return gcsSink(config, deps);
    },
    uploads: { whole: 'simple', streamed: 'resumable' },
    scheme: 'gs',
    checkpointStore: (bucket, placement = {}) =>
      gcsCheckpointStore({ bucket, endpoint, projectId: 'test', maxRetries: 1, ...placement }),
    names,
    metadata,
    records,
    async put(bucket, name, body) {
      const url = new URL(`${endpoint}/upload/storage/v1/b/${encodeURIComponent(bucket)}/o`);
      url.searchParams.set('uploadType', 'media');
      url.searchParams.set('name', name);
      await ok(
        await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body }),
        `put ${name}`,
      );
    },
    inspector: (bucket) => ({ list: () => names(bucket), read: (name) => records(bucket, name) }),
    /**
     * A bucket with object versioning on: every upload that lands makes a generation that stays listed,
     * so counting generations counts object creations.
     */
    async versionedBucket() {
      const name = `ctxsiem-v-${randomBytes(4).toString('hex')}`;
      const body = JSON.stringify({ name, versioning: { enabled: true } });
      const headers = { 'content-type': 'application/json' };
      await ok(await fetch(`${endpoint}/storage/v1/b?project=test`, { method: 'POST', headers, body }), name);
      return name;
    },
    /** How many times each name was created (every generation, live or not). */
    async creations(bucket) {
      const counts: Record<string, number> = {};
      let pageToken: string | undefined;
      do {
        const url = new URL(`${endpoint}/storage/v1/b/${encodeURIComponent(bucket)}/o`);
        url.searchParams.set('versions', 'true');
        if (pageToken) url.searchParams.set('pageToken', pageToken);
        const page = (await (await fetch(url)).json()) as {
          items?: { name: string }[];
          nextPageToken?: string;
        };
        for (const item of page.items ?? []) counts[item.name] = (counts[item.name] ?? 0) + 1;
        pageToken = page.nextPageToken;
      } while (pageToken);
      return counts;
    },
    /** Generation and metageneration: a rewrite, even with the same bytes, makes a new generation. */
    async objectVersion(bucket, name) {
      const { generation, metageneration } = await metadata(bucket, name);
      return `${generation}/${metageneration}`;
    },
    async stored(bucket, name) {
      const { contentType, contentEncoding, metadata: custom } = await metadata(bucket, name);
      return { body: await storedBytes(bucket, name), contentType, contentEncoding, metadata: custom };
    },
    reader: (bucket) => ({
      listKeys: (prefix) => names(bucket, prefix),
      read: (name) => records(bucket, name),
      text: async (name) => (await media(bucket, name)).text(),
      version: async (name) => (await metadata(bucket, name)).generation,
    }),
    stop: () => server.stop(),
  };
}

/**
 * What fake-gcs-server cannot do: refuse. A plain HTTP server that answers every request the way GCS
 * answers a denied or unauthenticated one (JSON API error body), so the sink's handling of 401/403/503
 * is exercised through the real client library and HTTP.
 */
export interface RefusingServer {
  endpoint: string;
  /** Requests received (method and path), to show the client really asked. */
  requests: string[];
  close(): Promise<void>;
}

export async function startRefusingGcs(status: 401 | 403 | 503, message: string): Promise<RefusingServer> {
  const requests: string[] = [];
  const reason = status === 401 ? 'required' : status === 403 ? 'forbidden' : 'backendError';
  const server: Server = createServer((request: IncomingMessage, response) => {
    requests.push(`${request.method} ${request.url?.split('?')[0]}`);
    request.resume();
    request.on('end', () => {
      response.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
      response.end(
        JSON.stringify({ error: { code: status, message, errors: [{ message, domain: 'global', reason }] } }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
