import { ConfigError, silentLogger, systemClock } from '@ctxsiem/core';
import { describe, expect, it } from 'vitest';
import {
  MIB,
  ndjsonExceeds,
  resolveRegion,
  S3CheckpointConfigSchema,
  S3SinkConfigSchema,
  s3CheckpointStore,
  s3Failure,
  s3Sink,
} from '../../src/index.ts';

const deps = { logger: silentLogger(), clock: systemClock };

describe('S3SinkConfigSchema', () => {
  it('fills the documented defaults', () => {
    expect(S3SinkConfigSchema.parse({ bucket: 'logs' })).toEqual({
      type: 's3',
      bucket: 'logs',
      prefix: '',
      gzip: false,
      forcePathStyle: false,
      maxAttempts: 5,
      multipartThresholdBytes: 8 * MIB,
      partSizeBytes: 8 * MIB,
    });
  });

  it('requires kmsKeyId exactly when serverSideEncryption is aws:kms', () => {
    expect(() => s3Sink({ bucket: 'logs', serverSideEncryption: 'aws:kms' }, deps)).toThrow(
      /kmsKeyId: is required when serverSideEncryption is "aws:kms"/,
    );
    expect(() => s3Sink({ bucket: 'logs', kmsKeyId: 'k' }, deps)).toThrow(
      /kmsKeyId: is only used with serverSideEncryption "aws:kms"/,
    );
    expect(() => s3Sink({ bucket: 'logs', serverSideEncryption: 'AES256', kmsKeyId: 'k' }, deps)).toThrow(
      ConfigError,
    );
    expect(
      S3SinkConfigSchema.parse({ bucket: 'logs', serverSideEncryption: 'aws:kms', kmsKeyId: 'alias/x' }),
    ).toMatchObject({ serverSideEncryption: 'aws:kms', kmsKeyId: 'alias/x' });
    expect(() => s3CheckpointStore({ bucket: 'logs', serverSideEncryption: 'aws:kms' })).toThrow(/kmsKeyId/);
  });

  it('names each bad field', () => {
    const error = (() => {
      try {
        s3Sink({ bucket: '', gzip: 'yes', partSizeBytes: MIB, endpoint: 'ftp://x', colour: 'blue' }, deps);
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    const paths = error?.issues.map((issue) => issue.path);
    expect(paths).toEqual(expect.arrayContaining(['bucket', 'gzip', 'partSizeBytes', 'endpoint', '']));
    expect(error?.message).toMatch(/partSizeBytes: must be at least 5 MiB/);
    expect(error?.message).toMatch(/colour/);
  });

  it('rejects unknown credential fields and never echoes the secret', () => {
    const secret = 'super-secret-value-123';
    let message = '';
    try {
      s3Sink({ bucket: 'logs', credentials: { accessKeyId: 'a', secretAccessKey: secret, extra: 1 } }, deps);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/credentials/);
    expect(message).not.toContain(secret);
  });
});

describe('S3CheckpointConfigSchema', () => {
  it("defaults the prefix to _state and takes the seed's STATE_KEY as legacyKey", () => {
    expect(
      S3CheckpointConfigSchema.parse({ bucket: 'logs', legacyKey: 'citrix_monitor/state.json' }),
    ).toEqual({
      type: 's3',
      bucket: 'logs',
      prefix: '_state',
      legacyKey: 'citrix_monitor/state.json',
      forcePathStyle: false,
      maxAttempts: 5,
    });
  });
});

describe('region', () => {
  it('uses the option, else AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1', () => {
    expect(resolveRegion({ region: 'eu-west-1' }, { AWS_REGION: 'us-west-2' })).toBe('eu-west-1');
    expect(resolveRegion({}, { AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'ap-south-1' })).toBe(
      'us-west-2',
    );
    expect(resolveRegion({}, { AWS_DEFAULT_REGION: 'ap-south-1' })).toBe('ap-south-1');
    expect(resolveRegion({}, {})).toBe('us-east-1');
  });
});

describe('the multipart threshold', () => {
  it('measures NDJSON bytes (UTF-8, newline included) and stops once over the limit', () => {
    const records = [{ a: 'é' }, { b: 2 }];
    const exact = Buffer.byteLength('{"a":"é"}\n{"b":2}\n');
    expect(ndjsonExceeds(records, exact)).toBe(false);
    expect(ndjsonExceeds(records, exact - 1)).toBe(true);
    expect(ndjsonExceeds([], 0)).toBe(false);
  });
});

describe('s3Failure', () => {
  it('classifies throttling, 5xx and network errors as retryable, and 501 and 4xx as not', () => {
    const sdk = (name: string, status: number) =>
      Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status, attempts: 5 } });
    expect(s3Failure(sdk('SlowDown', 503))).toMatchObject({
      code: 'SlowDown',
      status: 503,
      retryable: true,
      attempts: 5,
    });
    expect(s3Failure(sdk('InternalError', 500)).retryable).toBe(true);
    expect(s3Failure(sdk('NotImplemented', 501)).retryable).toBe(false);
    expect(s3Failure(sdk('AccessDenied', 403)).retryable).toBe(false);
    expect(s3Failure(Object.assign(new Error('connect'), { code: 'ECONNRESET' }))).toMatchObject({
      code: 'ECONNRESET',
      retryable: true,
    });
  });
});
