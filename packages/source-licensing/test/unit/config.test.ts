import { ConfigError, ManualClock, type SourceDeps, silentLogger } from '@ctxsiem/core';
import { describe, expect, it } from 'vitest';
import { LicensingOptionsSchema, parseDocumentLocation, selectedStreams } from '../../src/config.ts';
import { licensingConnector } from '../../src/connector.ts';

const deps: SourceDeps = {
  logger: silentLogger(),
  clock: new ManualClock(0),
  tenant: { customerId: 'acme', clientId: 'id', clientSecret: 'secret' },
};

describe('licensing options', () => {
  it('fills the defaults: the API streams (and telemetry with a location), a day due 15 minutes after it ends', () => {
    const plain = LicensingOptionsSchema.parse({ type: 'licensing' });
    expect(plain).toEqual({ type: 'licensing', lagMinutes: 15, licenseModel: 'user-device' });
    expect(selectedStreams(plain)).toEqual(['usage', 'history']);
    const withDocuments = LicensingOptionsSchema.parse({ type: 'licensing', telemetry: { location: '/in' } });
    expect(selectedStreams(withDocuments)).toEqual(['usage', 'history', 'telemetry']);
    expect(withDocuments.telemetry).toEqual({
      location: '/in',
      settleSeconds: 60,
      maxDocumentMiB: 64,
      pageSize: 1000,
    });
    expect(selectedStreams(LicensingOptionsSchema.parse({ type: 'licensing', streams: 'history' }))).toEqual([
      'history',
    ]);
  });

  it('selects the streams of the license model, and refuses a stream of another', async () => {
    const model = (licenseModel: string, streams?: string) =>
      selectedStreams(
        LicensingOptionsSchema.parse({ type: 'licensing', licenseModel, ...(streams ? { streams } : {}) }),
      );
    expect(model('concurrent')).toEqual(['concurrentUsage']);
    expect(model('both')).toEqual(['usage', 'history', 'concurrentUsage']);
    expect(model('both', 'concurrentUsage')).toEqual(['concurrentUsage']);
    await expect(
      licensingConnector.build({ type: 'licensing', streams: ['usage', 'concurrentUsage'] }, deps),
    ).rejects.toThrow(
      /streams\[1\]: concurrentUsage is a stream of licenseModel concurrent or both, not user-device \(LICENSING_MODEL\)/,
    );
    await expect(
      licensingConnector.build({ type: 'licensing', licenseModel: 'concurrent', streams: 'history' }, deps),
    ).rejects.toThrow(
      /streams\[0\]: history is a stream of licenseModel user-device or both, not concurrent/,
    );
    await expect(licensingConnector.build({ type: 'licensing', licenseModel: 'ccu' }, deps)).rejects.toThrow(
      /licenseModel: must be one of user-device, concurrent, both/,
    );
    expect(licensingConnector.env?.read({ LICENSING_MODEL: 'concurrent' })).toEqual({
      licenseModel: 'concurrent',
    });
  });

  it('reads a location as a folder, an S3 prefix or a GCS prefix', () => {
    expect(parseDocumentLocation('/var/telemetry')).toEqual({ kind: 'folder', path: '/var/telemetry' });
    expect(parseDocumentLocation('s3://uploads/citrix/telemetry/')).toEqual({
      kind: 's3',
      bucket: 'uploads',
      prefix: 'citrix/telemetry',
    });
    expect(parseDocumentLocation('gs://uploads')).toEqual({ kind: 'gcs', bucket: 'uploads', prefix: '' });
    expect(parseDocumentLocation('s3:///x')).toEqual({ error: 'must name a bucket: s3://bucket/prefix' });
  });

  it('names the bad field', async () => {
    await expect(licensingConnector.build({ type: 'licensing', streams: ['seats'] }, deps)).rejects.toThrow(
      ConfigError,
    );
    await expect(licensingConnector.build({ type: 'licensing', streams: ['seats'] }, deps)).rejects.toThrow(
      /streams\[0\]: must be one of usage, history/,
    );
    await expect(licensingConnector.build({ type: 'licensing', lagMinutes: -1 }, deps)).rejects.toThrow(
      /lagMinutes/,
    );
    await expect(licensingConnector.build({ type: 'licensing', streams: 'telemetry' }, deps)).rejects.toThrow(
      /telemetry\.location: is required when streams include telemetry/,
    );
    await expect(
      licensingConnector.build(
        { type: 'licensing', telemetry: { location: 'gs://x/in', settleSeconds: -5 } },
        deps,
      ),
    ).rejects.toThrow(/telemetry\.settleSeconds/);
  });

  it('reads its section from the environment', () => {
    expect(licensingConnector.env?.read({ LICENSING_STREAMS: 'usage', LAG_MINUTES: '30' })).toEqual({
      streams: 'usage',
      lagMinutes: 30,
    });
    expect(licensingConnector.env?.read({ LICENSING_TELEMETRY: 's3://uploads/telemetry' })).toEqual({
      telemetry: { location: 's3://uploads/telemetry' },
    });
  });
});
