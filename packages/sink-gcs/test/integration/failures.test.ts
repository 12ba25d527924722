/**
 * Failures a user meets first — a missing bucket, wrong credentials, a denied write — clear, and safe.
 * fake-gcs-server has no IAM and no authentication, so 401/403/503 come from a plain HTTP server that
 * answers like GCS does (`startRefusingGcs`); the missing bucket is fake-gcs-server's own answer.
 */
import { describeError, SinkError, silentLogger } from '@ctxsiem/core';
import { expectFailedRunKeepsCheckpoint, partName, sampleBatch } from '@ctxsiem/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GcsSinkConfigInput } from '../../src/config.ts';
import { gcsCheckpointStore, gcsSink } from '../../src/index.ts';
import {
  type FakeGcsFixture,
  type RefusingServer,
  SERVER_HOOK_TIMEOUT_MS,
  startFakeGcsFixture,
  startRefusingGcs,
} from '../support/fake-gcs.ts';

const deps = { logger: silentLogger(), clock: { now: Date.now } };

let fixture: FakeGcsFixture;
let unauthenticated: RefusingServer;
let forbidden: RefusingServer;
let unavailable: RefusingServer;
beforeAll(async () => {
  fixture = await startFakeGcsFixture();
  unauthenticated = await startRefusingGcs(401, 'Invalid Credentials');
  forbidden = await startRefusingGcs(
    403,
    'collector@acme.iam.gserviceaccount.com does not have storage.objects.create access to the Google Cloud Storage object.',
  );
  unavailable = await startRefusingGcs(503, 'Backend Error');
}, SERVER_HOOK_TIMEOUT_MS);
afterAll(async () => {
  await Promise.all([unauthenticated?.close(), forbidden?.close(), unavailable?.close()]);
  await fixture?.stop();
});

interface Case {
  name: string;
  config: () => GcsSinkConfigInput;
  write: RegExp;
  check: RegExp;
  retryable: boolean;
}

const cases: Case[] = [
  {
    name: 'a missing bucket (fake-gcs-server)',
    config: () => fixture.sinkConfig('no-such-bucket-anywhere'),
    write:
      /GCS bucket "no-such-bucket-anywhere" does not exist \(HTTP 404 notFound\) while writing gs:\/\/no-such-bucket-anywhere\/citrix_monitor\/\w+\/\S+ \(endpoint http:\/\/127\.0\.0\.1:\d+\): create it, or fix the bucket name \(GCS_BUCKET\)/,
    check:
      /GCS bucket "no-such-bucket-anywhere" does not exist \(HTTP 404 notFound\) while writing the probe object/,
    retryable: false,
  },
  {
    name: 'rejected credentials (401)',
    config: () => ({ bucket: 'logs', endpoint: unauthenticated.endpoint, maxRetries: 0 }),
    write:
      /GCS rejected the credentials \(HTTP 401 required\) while writing gs:\/\/logs\/citrix_monitor\/\w+\/\S+ .*check keyFilename \/ GOOGLE_APPLICATION_CREDENTIALS/,
    check: /GCS rejected the credentials \(HTTP 401 required\) while writing the probe object/,
    retryable: false,
  },
  {
    name: 'a denied write (403)',
    config: () => ({ bucket: 'logs', endpoint: forbidden.endpoint, maxRetries: 0 }),
    write:
      /access denied \(HTTP 403 forbidden\) while writing gs:\/\/logs\/citrix_monitor\/\w+\/\S+ .*the identity needs storage\.objects\.create on bucket "logs" \(e\.g\. roles\/storage\.objectUser\)/,
    check:
      /access denied \(HTTP 403 forbidden\) while writing the probe object .*needs storage\.objects\.create on bucket "logs"/,
    retryable: false,
  },
  {
    name: 'an unavailable service (503, after the retries)',
    config: () => ({ bucket: 'logs', endpoint: unavailable.endpoint, maxRetries: 0 }),
    write:
      /GCS is throttling or unavailable \(HTTP 503 backendError\) while writing gs:\/\/logs\/\S+ .*Backend Error/,
    check: /GCS is throttling or unavailable \(HTTP 503 backendError\)/,
    retryable: true,
  },
];

describe('gcs sink failures', () => {
  for (const c of cases) {
    describe(c.name, () => {
      it('fails write() with a clear SinkError', async () => {
        const written = gcsSink({ ...c.config(), prefix: 'citrix_monitor' }, deps).write(sampleBatch());
        await expect(written).rejects.toBeInstanceOf(SinkError);
        await expect(written).rejects.toMatchObject({
          message: expect.stringMatching(c.write),
          retryable: c.retryable,
        });
      });

      it('fails a streamed (resumable) write the same way', async () => {
        const sink = gcsSink({ ...c.config(), prefix: 'citrix_monitor', resumableThresholdBytes: 1 }, deps);
        const error = await sink.write(sampleBatch()).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(SinkError);
        expect(describeError(error)).toMatch(/HTTP (401|403|404|503)/);
        expect((error as SinkError).retryable).toBe(c.retryable);
      });

      it('fails check() clearly', async () => {
        await expect(gcsSink({ ...c.config(), prefix: 'citrix_monitor' }, deps).check()).rejects.toThrow(
          c.check,
        );
      });

      // fake-gcs-server answers a missing bucket's object like a missing object ("Not Found"); GCS
      // says "The specified bucket does not exist.", which readPart reports instead of "missing". The
      // local refusing servers cover the real answer; against fake-gcs-server the fake's answer is pinned.
      if (c.name.includes('fake-gcs-server')) {
        it('answers readPart() on a missing bucket as fake-gcs-server allows: as a missing part', async () => {
          const sink = gcsSink({ ...c.config(), prefix: 'citrix_monitor' }, deps);
          expect(await sink.readPart(partName(sampleBatch()))).toBeUndefined();
        });
      } else {
        it('fails readPart() clearly instead of answering "missing"', async () => {
          const sink = gcsSink({ ...c.config(), prefix: 'citrix_monitor' }, deps);
          const error = await sink.readPart(partName(sampleBatch())).then(
            (records) => records,
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(SinkError);
          expect((error as SinkError).message).toMatch(
            /while reading the part gs:\/\/logs\/citrix_monitor\//,
          );
          if (c.name.includes('403'))
            expect((error as SinkError).message).toMatch(/needs storage\.objects\.get/);
          expect((error as SinkError).retryable).toBe(c.retryable);
        });
      }

      it('leaves the checkpoint where it was when a run hits it', async () => {
        await expectFailedRunKeepsCheckpoint({
          sink: gcsSink({ ...c.config(), prefix: 'citrix_monitor' }, deps),
          checkpoints: gcsCheckpointStore(fixture.storeConfig(await fixture.newBucket())),
          error: c.write,
        });
      });
    });
  }

  it('really asked the refusing servers (uploads to the JSON API upload path)', () => {
    expect(forbidden.requests.some((request) => request.startsWith('POST /upload/storage/v1/b/logs/o'))).toBe(
      true,
    );
  });

  it('reports an unreachable endpoint as retryable', async () => {
    const sink = gcsSink({ bucket: 'logs', endpoint: 'http://127.0.0.1:9', maxRetries: 0 }, deps);
    const error = await sink.write(sampleBatch()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SinkError);
    expect((error as SinkError).message).toMatch(
      /could not reach GCS \(ECONNREFUSED\) while writing gs:\/\/logs\/\S+ \(endpoint http:\/\/127\.0\.0\.1:9\)/,
    );
    expect((error as SinkError).retryable).toBe(true);
  });
});
