/**
 * Rows exactly as Citrix's OpenAPI documents them, served by a minimal service of our own (a token
 * endpoint, one entity set, and a `$metadata` or none), collected by the real runner: nothing good is
 * dead-lettered over our model (issue 25 found 140 of 140 records dead-lettered, exit 0), a wrong-typed
 * field is delivered and counted as schema drift, a record without its key is dead-lettered naming it,
 * a window of which every record was refused fails the stream, and the service's own `$metadata` is
 * the model records are checked against.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type JsonRecord, ManualClock, run, silentLogger } from '@ctxsiem/core';
import { metadataDocument, monitorEntitySet } from '@ctxsiem/monitor-model';
import { fileCheckpointStore, fileSink, readStoredRecords } from '@ctxsiem/sink-file';
import { afterEach, describe, expect, it } from 'vitest';
import { monitorSource } from '../src/index.ts';

const NOW = new Date('2024-08-06T12:00:00Z');
const START = new Date('2024-08-06T10:00:00Z');

/** An Application as [OA] types it: a GUID Id, every required property set. */
const application = (n: number, fields: JsonRecord = {}): JsonRecord => ({
  Id: `0f8c6a1e-2b3d-4c5e-8f90-a1b2c3d4e5f${n}`,
  Name: `Applications\\App ${n}`,
  PublishedName: `App ${n}`,
  ApplicationType: 0,
  Enabled: true,
  AdminFolder: null,
  LifecycleState: 0,
  Path: null,
  BrowserName: `App ${n}`,
  CreatedDate: '2024-08-01T00:00:00Z',
  ModifiedDate: `2024-08-06T10:${String(10 + n).padStart(2, '0')}:00Z`,
  ...fields,
});

interface Service {
  url: string;
  requests: string[];
  close(): Promise<void>;
}

/** A Monitor service of one set, `Applications`, answering `$metadata` with `metadata` (404 without). */
async function documentedService(rows: JsonRecord[], metadata?: string): Promise<Service> {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    requests.push(path);
    const json = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (path.endsWith('/tokens/clients'))
      return json(200, { access_token: 'documented-token', expires_in: '3600' });
    if (path === '/monitorodata/$metadata') {
      if (!metadata) return json(404, { type: 'https://errors-api.cloud.com/common/notFound' });
      response.writeHead(200, { 'content-type': 'application/xml' });
      return response.end(metadata);
    }
    if (path === '/monitorodata/Applications') return json(200, { value: rows });
    return json(404, { type: 'https://errors-api.cloud.com/common/notFound' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function collect(service: Service) {
  const directory = await mkdtemp(join(tmpdir(), 'ctxsiem-documented-'));
  cleanup.push(() => rm(directory, { recursive: true, force: true }));
  const clock = new ManualClock(NOW);
  const checkpoints = fileCheckpointStore({ directory: join(directory, 'state') });
  const source = monitorSource(
    {
      options: { type: 'monitor', entities: ['Applications'] },
      connection: {
        customerId: 'documented',
        clientId: 'client',
        clientSecret: 'documented-secret',
        apiBase: service.url,
        backoff: { baseMs: 5, maxMs: 20 },
        maxAttempts: 2,
      },
    },
    { logger: silentLogger(), clock, documents: checkpoints.manifests },
  );
  cleanup.push(async () => source.close?.());
  const summary = await run({
    source,
    sink: fileSink({ directory: join(directory, 'out') }, { logger: silentLogger(), clock }),
    checkpoints,
    logger: silentLogger(),
    clock,
    start: START,
  });
  const stored = await readStoredRecords(join(directory, 'out', 'Applications'));
  const deadLetters = await readStoredRecords(join(directory, 'out', '_deadletter', 'Applications')).catch(
    () => [],
  );
  return { summary, stream: summary.streams[0]!, stored, deadLetters };
}

describe('rows as Citrix documents them, through the runner', () => {
  it('delivers every one: a GUID Id is what Citrix serves, not a dead letter', async () => {
    const service = await documentedService([1, 2, 3].map((n) => application(n)));
    cleanup.push(service.close);
    const { stream, stored } = await collect(service);
    expect(stream).toMatchObject({ status: 'ok', records: 3, deadLetters: 0 });
    expect(stream.drift).toBeUndefined();
    expect(stored.map((r) => r.Id).sort()).toEqual([1, 2, 3].map((n) => application(n).Id));
  });

  it('delivers a wrong-typed field as drift, dead-letters a record without its key, naming it', async () => {
    const rows = [
      application(1, { Enabled: 'yes' }),
      application(2, { Enabled: 'no' }),
      application(3, { Id: null }),
    ];
    const service = await documentedService(rows);
    cleanup.push(service.close);
    const { stream, stored, deadLetters } = await collect(service);
    expect(stream).toMatchObject({ status: 'ok', records: 2, deadLetters: 1 });
    expect(stream.drift).toEqual([
      { field: 'Enabled', expected: 'Edm.Boolean', found: 'a string', records: 2 },
    ]);
    expect(stored.map((r) => r.Enabled)).toEqual(expect.arrayContaining(['yes', 'no']));
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]?.reason).toBe('Applications record: Id: missing: a key must hold a value');
  });

  it('fails the stream when every record of a window is refused, naming the field', async () => {
    const service = await documentedService([1, 2].map((n) => application(n, { Id: null })));
    cleanup.push(service.close);
    const { summary, stream, deadLetters } = await collect(service);
    expect(summary.failed).toEqual(['Applications']);
    expect(stream.status).toBe('failed');
    expect(stream.error).toMatch(
      /every record of the window .* was dead-lettered \(Applications record: Id: missing/,
    );
    // Nothing is lost: they wait in the dead letters for a replay.
    expect(deadLetters).toHaveLength(2);
  });

  it('checks records against the service’s own $metadata, read once per run', async () => {
    const citrix = monitorEntitySet('Applications')!;
    // This service says Enabled is a string: "yes" is no drift here.
    const served = {
      ...citrix,
      properties: citrix.properties.map((p) => (p.name === 'Enabled' ? { ...p, type: 'Edm.String' } : p)),
    };
    const service = await documentedService([application(1, { Enabled: 'yes' })], metadataDocument([served]));
    cleanup.push(service.close);
    const { stream } = await collect(service);
    expect(stream).toMatchObject({ status: 'ok', records: 1 });
    expect(stream.drift).toBeUndefined();
    expect(service.requests.filter((p) => p === '/monitorodata/$metadata')).toHaveLength(1);
  });

  it('falls back to Citrix’s published model when the service does not answer $metadata', async () => {
    const service = await documentedService([application(1, { Enabled: 'yes' })]);
    cleanup.push(service.close);
    const { stream } = await collect(service);
    expect(stream).toMatchObject({ status: 'ok', records: 1 });
    expect(stream.drift).toEqual([
      { field: 'Enabled', expected: 'Edm.Boolean', found: 'a string', records: 1 },
    ]);
  });
});
