/**
 * Telemetry documents where they arrive — a folder, a MinIO bucket prefix (S3), a fake-gcs-server
 * bucket prefix (GCS) — read the same way: names relative to the location with `/`, hidden names left
 * out, a stamp that changes with the content, a missing document as undefined; and the telemetry
 * stream from each prefix delivers the documents' records once.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ManualClock, run, silentLogger } from '@ctxsiem/core';
import { licensingTelemetry } from '@ctxsiem/emulator';
import { type RunningMinio, type RunningServer, startFakeGcs, startMinio } from '@ctxsiem/local-services';
import { createStorage } from '@ctxsiem/object-store-gcs';
import { fileCheckpointStore, fileSink, readStoredRecords } from '@ctxsiem/sink-file';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DocumentFolder,
  folderDocuments,
  gcsDocuments,
  licensingSource,
  s3Documents,
  type TelemetryOptions,
} from '../../src/index.ts';

const SERVER_HOOK_TIMEOUT_MS = 300_000;
const signal = new AbortController().signal;

let minio: RunningMinio;
let gcs: RunningServer;
let scratch: string;
beforeAll(async () => {
  [minio, gcs] = await Promise.all([startMinio(), startFakeGcs()]);
  scratch = await mkdtemp(join(tmpdir(), 'ctxsiem-documents-'));
}, SERVER_HOOK_TIMEOUT_MS);
afterAll(async () => {
  await Promise.all([minio?.stop(), gcs?.stop()]);
  await rm(scratch, { recursive: true, force: true });
});

/** A location of each kind: how to put a document there, and its telemetry options. */
interface Backend {
  name: string;
  put(name: string, content: string): Promise<void>;
  telemetry: TelemetryOptions;
  folder(): Promise<DocumentFolder>;
}

let locations = 0;
async function backend(kind: 'folder' | 's3' | 'gcs'): Promise<Backend> {
  const id = `documents-${++locations}`;
  const common = { settleSeconds: 0, maxDocumentMiB: 64, pageSize: 100 };
  if (kind === 'folder') {
    const root = join(scratch, id);
    await mkdir(root, { recursive: true });
    return {
      name: kind,
      async put(name, content) {
        await mkdir(dirname(join(root, name)), { recursive: true });
        await writeFile(join(root, name), content);
      },
      telemetry: { ...common, location: root },
      folder: async () => folderDocuments(root),
    };
  }
  if (kind === 's3') {
    const { bucket: _bucket, credentials, ...connection } = minio.connection(id);
    const admin = new S3Client({ ...connection, credentials: { ...credentials } });
    await admin.send(new CreateBucketCommand({ Bucket: id }));
    const s3 = { ...connection, credentials: { ...credentials }, maxAttempts: 3 };
    return {
      name: kind,
      put: async (name, content) => {
        await admin.send(new PutObjectCommand({ Bucket: id, Key: `telemetry/in/${name}`, Body: content }));
      },
      telemetry: { ...common, location: `s3://${id}/telemetry/in/`, s3 },
      folder: () => s3Documents({ bucket: id, prefix: 'telemetry/in' }, s3),
    };
  }
  const connection = { endpoint: gcs.endpoint, projectId: 'test', maxRetries: 2 };
  const storage = createStorage(connection, 'always');
  await storage.createBucket(id);
  return {
    name: kind,
    put: async (name, content) => {
      await storage.bucket(id).file(`telemetry/${name}`).save(content);
    },
    telemetry: { ...common, location: `gs://${id}/telemetry`, gcs: connection },
    folder: () => gcsDocuments({ bucket: id, prefix: 'telemetry' }, connection),
  };
}

const list = async (folder: DocumentFolder) => {
  const found = [];
  for await (const listed of folder.list(signal)) found.push(listed);
  return found.sort((a, b) => a.name.localeCompare(b.name));
};

describe.each(['folder', 's3', 'gcs'] as const)('documents in a %s', (kind) => {
  it('lists names relative to the location, hidden ones left out, with a stamp that follows the content', async () => {
    const location = await backend(kind);
    await location.put('a.xml', '<x/>');
    await location.put('spa/b.json', '[]');
    await location.put('.partial.json', '[');
    await location.put('spa/.tmp/c.json', '[');
    const folder = await location.folder();
    const first = await list(folder);
    expect(first.map((d) => [d.name, d.size])).toEqual([
      ['a.xml', 4],
      ['spa/b.json', 2],
    ]);
    expect(first[0]!.modified.getTime()).toBeGreaterThan(Date.now() - 600_000);
    expect((await buffer((await folder.open('spa/b.json', signal))!)).toString()).toBe('[]');
    expect(await folder.open('missing.json', signal)).toBeUndefined();

    await location.put('spa/b.json', '[{}]');
    const second = await list(folder);
    expect(second[0]!.stamp).toBe(first[0]!.stamp);
    expect(second[1]!.stamp).not.toBe(first[1]!.stamp);
    await folder.close();
  });

  it('feeds the telemetry stream: every record of the documents once, however often it runs', async () => {
    const location = await backend(kind);
    const generated = licensingTelemetry({
      seed: 5,
      customerId: 'acme',
      from: new Date('2026-03-10T00:00:00Z'),
      days: 1,
    });
    for (const document of generated) await location.put(document.name, document.content);
    const out = join(scratch, `${kind}-out-${locations}`);
    const clock = new ManualClock(new Date('2026-03-11T08:00:00Z'));
    const checkpoints = fileCheckpointStore({ directory: join(out, 'state') });
    const sink = fileSink({ directory: join(out, 'data') }, { logger: silentLogger(), clock });
    for (let round = 0; round < 2; round++) {
      const source = licensingSource(
        {
          options: { type: 'licensing', streams: ['telemetry'], telemetry: location.telemetry },
          connection: {
            customerId: 'acme',
            clientId: 'id',
            clientSecret: 'x',
            apiBase: 'http://127.0.0.1:9',
          },
        },
        { logger: silentLogger(), clock, documents: checkpoints.manifests },
      );
      const summary = await run({ source, sink, checkpoints, logger: silentLogger(), clock });
      expect(summary.streams[0]!.status).toBe('ok');
      expect(source.metrics()).toMatchObject({ documentsReceived: round === 0 ? 3 : 0 });
      await source.close();
      clock.advance(3_600_000);
    }
    const stored = await readStoredRecords(join(out, 'data', 'telemetry'));
    expect(stored).toHaveLength(generated.reduce((sum, d) => sum + d.records, 0));
    expect(new Set(stored.map((r) => JSON.stringify(r))).size).toBe(stored.length);
  });
});
