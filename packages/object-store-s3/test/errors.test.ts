/** What S3's failures mean, and where requests go. */
import { describe, expect, it } from 'vitest';
import { resolveRegion, s3Failure } from '../src/index.ts';

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
