/** Builds the `@google-cloud/storage` client from a connection config. */
import { IdempotencyStrategy, Storage } from '@google-cloud/storage';
import type { GcsConnectionConfig } from './config.ts';

/**
 * One client per driver. Credentials: `keyFilename`, else Application Default Credentials.
 * An http `endpoint` (an emulator) is used without authentication; an https one with it.
 *
 * `retry`: `always` for the sink (its writes are idempotent by object name, so retrying an
 * unconditional upload is safe); `conditional` for the checkpoint store (only preconditioned
 * requests are retried, the library's default).
 */
export function createStorage(config: GcsConnectionConfig, retry: 'always' | 'conditional'): Storage {
  return new Storage({
    ...(config.endpoint === undefined
      ? {}
      : { apiEndpoint: config.endpoint, useAuthWithCustomEndpoint: config.endpoint.startsWith('https:') }),
    ...(config.projectId === undefined ? {} : { projectId: config.projectId }),
    ...(config.keyFilename === undefined ? {} : { keyFilename: config.keyFilename }),
    retryOptions: {
      autoRetry: config.maxRetries > 0,
      maxRetries: config.maxRetries,
      idempotencyStrategy:
        retry === 'always' ? IdempotencyStrategy.RetryAlways : IdempotencyStrategy.RetryConditional,
    },
  });
}

/** Where requests go, for messages. Never credentials. */
export function describeTarget(config: Pick<GcsConnectionConfig, 'endpoint'>): string {
  return config.endpoint === undefined ? 'storage.googleapis.com' : `endpoint ${config.endpoint}`;
}
