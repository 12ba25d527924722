/** Retrying HTTP calls: which statuses to retry, backoff with jitter, Retry-After, an abortable sleep. */

export {
  abortableSleep,
  type BackoffOptions,
  backoffDelayMs,
  isRetryableStatus,
  nextWaitMs,
  parseRetryAfter,
} from './retry-policy.ts';
