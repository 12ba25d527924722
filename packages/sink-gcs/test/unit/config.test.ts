import { ConfigError, silentLogger, systemClock } from '@ctxsiem/core';
import { describe, expect, it } from 'vitest';
import {
  GcsCheckpointConfigSchema,
  GcsSinkConfigSchema,
  gcsFailure,
  gcsSink,
  MIB,
  ndjsonExceeds,
} from '../../src/index.ts';

const deps = { logger: silentLogger(), clock: systemClock };

describe('GcsSinkConfigSchema', () => {
  it('fills the documented defaults', () => {
    expect(GcsSinkConfigSchema.parse({ bucket: 'logs' })).toEqual({
      type: 'gcs',
      bucket: 'logs',
      prefix: '',
      gzip: false,
      maxRetries: 5,
      resumableThresholdBytes: 8 * MIB,
      chunkSizeBytes: 8 * MIB,
    });
  });

  it('names each bad field', () => {
    let error: ConfigError | undefined;
    try {
      gcsSink(
        { bucket: '', gzip: 'yes', chunkSizeBytes: 300_000, endpoint: 'ftp://x', colour: 'blue' },
        deps,
      );
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.issues.map((issue) => issue.path)).toEqual(
      expect.arrayContaining(['bucket', 'gzip', 'chunkSizeBytes', 'endpoint', '']),
    );
    expect(error?.message).toMatch(/chunkSizeBytes: must be a multiple of 256 KiB/);
  });
});

describe('GcsCheckpointConfigSchema', () => {
  it("defaults the prefix to _state and takes the seed's STATE_KEY as legacyKey", () => {
    expect(
      GcsCheckpointConfigSchema.parse({ bucket: 'logs', legacyKey: 'citrix_analytics/state.json' }),
    ).toEqual({
      type: 'gcs',
      bucket: 'logs',
      prefix: '_state',
      legacyKey: 'citrix_analytics/state.json',
      maxRetries: 5,
    });
  });
});

describe('the resumable threshold', () => {
  it('measures NDJSON bytes (UTF-8, newline included) and stops once over the limit', () => {
    const records = [{ a: 'é' }, { b: 2 }];
    const exact = Buffer.byteLength('{"a":"é"}\n{"b":2}\n');
    expect(ndjsonExceeds(records, exact)).toBe(false);
    expect(ndjsonExceeds(records, exact - 1)).toBe(true);
  });
});

describe('gcsFailure', () => {
  it('reads ApiError, GaxiosError, plain-object and network failures alike', () => {
    expect(
      gcsFailure({ code: 412, message: 'Precondition failed', errors: [{ reason: 'conditionNotMet' }] }),
    ).toMatchObject({
      status: 412,
      reason: 'conditionNotMet',
      retryable: false,
    });
    expect(gcsFailure(Object.assign(new Error('x'), { status: 429 }))).toMatchObject({
      status: 429,
      retryable: true,
    });
    expect(gcsFailure(Object.assign(new Error('x'), { response: { status: 502 } }))).toMatchObject({
      status: 502,
      retryable: true,
    });
    expect(gcsFailure(Object.assign(new Error('connect'), { code: 'ECONNRESET' }))).toMatchObject({
      status: undefined,
      reason: 'ECONNRESET',
      retryable: true,
    });
    expect(gcsFailure({ code: 403 }).retryable).toBe(false);
  });
});
