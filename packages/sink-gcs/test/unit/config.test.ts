import { ConfigError, silentLogger, systemClock } from '@ctxsiem/core';
import { describe, expect, it } from 'vitest';
import { GcsCheckpointConfigSchema, GcsSinkConfigSchema, gcsSink, MIB } from '../../src/index.ts';

const deps = { logger: silentLogger(), clock: systemClock };

describe('GcsSinkConfigSchema', () => {
  it('fills the GCS defaults: retries, resumable threshold and chunk size', () => {
    const { maxRetries, resumableThresholdBytes, chunkSizeBytes } = GcsSinkConfigSchema.parse({
      bucket: 'logs',
    });
    expect({ maxRetries, resumableThresholdBytes, chunkSizeBytes }).toEqual({
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
  it("takes the seed's STATE_KEY as legacyKey, with GCS's retries", () => {
    const config = GcsCheckpointConfigSchema.parse({
      bucket: 'logs',
      legacyKey: 'citrix_analytics/state.json',
    });
    expect([config.type, config.prefix, config.legacyKey, config.maxRetries]).toEqual([
      'gcs',
      '_state',
      'citrix_analytics/state.json',
      5,
    ]);
  });
});
