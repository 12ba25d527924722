/**
 * GCS answers 404 `notFound` both for a missing object and for a missing bucket; only the message
 * tells them apart. readPart answers undefined for the first and fails for the second. fake-gcs-server
 * says "Not Found" for both, so a plain HTTP server answers the way GCS does.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SinkError, silentLogger, systemClock } from '@ctxsiem/core';
import { isMissingBucket } from '@ctxsiem/object-store-gcs';
import { partName, sampleBatch } from '@ctxsiem/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gcsSink } from '../../src/index.ts';

const deps = { logger: silentLogger(), clock: systemClock };

let server: Server;
let endpoint = '';
let message = '';

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(404, { 'content-type': 'application/json; charset=UTF-8' });
      response.end(
        JSON.stringify({
          error: { code: 404, message, errors: [{ message, domain: 'global', reason: 'notFound' }] },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const sink = () => gcsSink({ bucket: 'logs', endpoint, maxRetries: 0 }, deps);

describe('gcs sink readPart() on 404', () => {
  it('answers undefined for a missing object', async () => {
    message = 'No such object: logs/Sessions/part.ndjson';
    expect(await sink().readPart(partName(sampleBatch()))).toBeUndefined();
  });

  it('fails for a missing bucket instead of answering "missing"', async () => {
    message = 'The specified bucket does not exist.';
    const error = await sink()
      .readPart(partName(sampleBatch()))
      .then(
        (records) => records,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(SinkError);
    expect((error as SinkError).message).toMatch(
      /GCS bucket "logs" does not exist \(HTTP 404.*\) while reading the part gs:\/\/logs\/Sessions\//,
    );
  });

  it('reads only the message to tell them apart', () => {
    expect(isMissingBucket({ code: 404, message: 'The specified bucket does not exist.' })).toBe(true);
    expect(isMissingBucket({ code: 404, message: 'No such object: logs/a/bucket.ndjson' })).toBe(false);
    expect(isMissingBucket({ code: 404, message: 'Not Found' })).toBe(false);
    expect(isMissingBucket({ code: 403, message: 'bucket' })).toBe(false);
  });
});
