import { ConfigError, silentLogger, systemClock } from '@ctxsiem/core';
import { describe, expect, it } from 'vitest';
import {
  MIB,
  S3CheckpointConfigSchema,
  S3SinkConfigSchema,
  s3CheckpointStore,
  s3Sink,
} from '../../src/index.ts';

const deps = { logger: silentLogger(), clock: systemClock };

describe('S3SinkConfigSchema', () => {
  it("fills S3's defaults (the layout's are core's)", () => {
    const parsed = S3SinkConfigSchema.parse({ bucket: 'logs' });
    expect(parsed).toMatchObject({ type: 's3', forcePathStyle: false, maxAttempts: 5 });
    expect([parsed.multipartThresholdBytes, parsed.partSizeBytes]).toEqual([8 * MIB, 8 * MIB]);
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
