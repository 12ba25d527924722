/**
 * S3's 409 ConditionalRequestConflict (a conditional write raced another in-progress write to the
 * key) is retried a few times. MinIO never answers it, so a plain HTTP server plays S3 here, and
 * shows what each request carried (`If-None-Match: *` and the digest metadata, on every path).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SinkError, silentLogger, systemClock } from '@ctxsiem/core';
import { sampleBatch } from '@ctxsiem/test-kit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CONFLICT_ATTEMPTS, s3Sink } from '../../src/sink.ts';

const deps = { logger: silentLogger(), clock: systemClock };
const CONFLICT = `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>ConditionalRequestConflict</Code><Message>A conflicting conditional operation is currently in progress against this resource. Please try again.</Message></Error>`;

let server: Server;
let endpoint = '';
let conflicts = 0;
let puts: IncomingHttpHeaders[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      if (request.method === 'HEAD') {
        response.writeHead(404).end(); // the multipart path's look before uploading
        return;
      }
      if (request.method !== 'PUT') {
        response.writeHead(400).end();
        return;
      }
      puts.push(request.headers);
      if (conflicts-- > 0) {
        response.writeHead(409, { 'content-type': 'application/xml' }).end(CONFLICT);
      } else {
        response.writeHead(200, { etag: '"0123456789abcdef0123456789abcdef"' }).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  puts = [];
});

const sink = (extra: { gzip?: boolean; multipartThresholdBytes?: number } = {}) =>
  s3Sink(
    {
      ...extra,
      bucket: 'logs',
      endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test-secret' },
      maxAttempts: 1,
    },
    deps,
  );

describe('s3 sink on 409 ConditionalRequestConflict', () => {
  it('sends the create-only PutObject again, and succeeds once S3 lets it through', async () => {
    conflicts = 2;
    const receipt = await sink().write(sampleBatch());
    expect(receipt.created).toBe(true);
    expect(puts).toHaveLength(3);
    for (const headers of puts) {
      expect(headers['if-none-match']).toBe('*');
      expect(headers['x-amz-meta-ctxsiem-sha256']).toBe(receipt.sha256);
    }
  });

  it(`gives up after ${CONFLICT_ATTEMPTS} attempts with a retryable SinkError`, async () => {
    conflicts = Number.POSITIVE_INFINITY;
    const error = await sink()
      .write(sampleBatch())
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(SinkError);
    expect((error as SinkError).retryable).toBe(true);
    expect((error as SinkError).message).toMatch(
      /S3 kept refusing a create-only write because another write to the same key was in progress \(ConditionalRequestConflict, HTTP 409\) while writing s3:\/\/logs\//,
    );
    expect(puts).toHaveLength(CONFLICT_ATTEMPTS);
  });

  it('retries a streamed body that fit in one part (lib-storage sends it as one PutObject) the same way', async () => {
    conflicts = 1;
    const receipt = await sink({ gzip: true, multipartThresholdBytes: 1024 }).write(sampleBatch());
    expect(receipt).toMatchObject({ created: true, upload: 'multipart', parts: 1 });
    expect(puts).toHaveLength(2);
    for (const headers of puts) {
      expect(headers['if-none-match']).toBe('*');
      expect(headers['x-amz-meta-ctxsiem-sha256']).toBe(receipt.sha256);
      expect(headers['content-encoding']).toBe('gzip');
    }
  });
});
