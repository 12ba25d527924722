/** What GCS's failures mean, whichever error type the client library throws. */
import { describe, expect, it } from 'vitest';
import { gcsFailure } from '../src/index.ts';

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
