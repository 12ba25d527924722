/**
 * Turns `@google-cloud/storage` failures into messages a user can act on: what was being done, to
 * which `gs://bucket/name`, the HTTP status and GCS reason, and what to change (credentials, bucket
 * name, the missing IAM permission). Never credentials.
 *
 * The library throws `ApiError` (simple uploads, metadata, lists), `GaxiosError` (resumable uploads)
 * or even a plain object `{ code, message, errors }` (a resumable upload's 412): everything here reads
 * fields, never `instanceof`.
 */
import { NETWORK_ERROR_CODES } from '@ctxsiem/core';

export interface GcsOperation {
  /** What we were doing, e.g. `writing gs://bucket/name`. */
  action: string;
  bucket: string;
  /** The IAM permission(s) the operation needs, e.g. `storage.objects.create`. */
  permission: string;
  /** A predefined role that grants it. */
  role: string;
  /** `storage.googleapis.com` or `endpoint http://…`. */
  target: string;
}

export interface GcsFailure {
  /** The HTTP status, when the server answered. */
  status: number | undefined;
  /** GCS's reason (`notFound`, `forbidden`, `conditionNotMet`) or a network error code. */
  reason: string | undefined;
  retryable: boolean;
  detail: string;
}

interface GcsErrorShape {
  code?: unknown;
  status?: unknown;
  message?: unknown;
  errors?: Array<{ reason?: unknown }>;
  response?: { status?: unknown };
}

export function gcsFailure(error: unknown): GcsFailure {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as GcsErrorShape;
  const status =
    typeof shape.code === 'number'
      ? shape.code
      : typeof shape.status === 'number'
        ? shape.status
        : typeof shape.response?.status === 'number'
          ? shape.response.status
          : undefined;
  const listed = shape.errors?.[0]?.reason;
  const reason =
    typeof listed === 'string' ? listed : typeof shape.code === 'string' ? shape.code : undefined;
  const message = (typeof shape.message === 'string' ? shape.message : String(error)).trim();
  const retryable =
    (status !== undefined && (status === 408 || status === 429 || status >= 500) && status !== 501) ||
    (status === undefined && reason !== undefined && NETWORK_ERROR_CODES.has(reason));
  return { status, reason, retryable, detail: message.length > 300 ? `${message.slice(0, 300)}…` : message };
}

/** True for GCS's answer to a failed `ifGenerationMatch`. */
export function isPreconditionFailure(error: unknown): boolean {
  return gcsFailure(error).status === 412;
}

export function isNotFound(error: unknown): boolean {
  return gcsFailure(error).status === 404;
}

/**
 * True for GCS's 404 about the bucket ("The specified bucket does not exist.") rather than the object
 * ("No such object: …"). Both are `notFound`; only the message tells them apart.
 */
export function isMissingBucket(error: unknown): boolean {
  const failure = gcsFailure(error);
  return failure.status === 404 && /bucket/i.test(failure.detail) && !/no such object/i.test(failure.detail);
}

/** A message naming the operation, the status/reason and the fix; `retryable` as `gcsFailure` says. */
export function explainGcsError(error: unknown, op: GcsOperation): { message: string; retryable: boolean } {
  const failure = gcsFailure(error);
  const { status, reason } = failure;
  const where = `while ${op.action} (${op.target})`;
  const tag = [status === undefined ? undefined : `HTTP ${status}`, reason].filter(Boolean).join(' ');
  let message: string;
  if (status === 401) {
    message = `GCS rejected the credentials (${tag}) ${where}: check keyFilename / GOOGLE_APPLICATION_CREDENTIALS or the service account, and that its key is not disabled`;
  } else if (status === 403) {
    message = `access denied (${tag}) ${where}: the identity needs ${op.permission} on bucket "${op.bucket}" (e.g. ${op.role}); check the bucket's IAM policy and any VPC Service Controls perimeter`;
  } else if (status === 404) {
    message = `GCS bucket "${op.bucket}" does not exist (${tag}) ${where}: create it, or fix the bucket name (GCS_BUCKET)`;
  } else if (
    /default credentials|could not load the default|unable to detect a project id/i.test(failure.detail)
  ) {
    message = `no Google credentials found ${where}: set keyFilename or GOOGLE_APPLICATION_CREDENTIALS, or run as a service account (${failure.detail})`;
  } else if (status === undefined && reason !== undefined && NETWORK_ERROR_CODES.has(reason)) {
    message = `could not reach GCS (${reason}) ${where}: check the endpoint and the network path`;
  } else if (failure.retryable) {
    message = `GCS is throttling or unavailable (${tag}) ${where}; gave up after the client's retries: ${failure.detail}`;
  } else {
    message = `GCS request failed (${tag || 'no status'}) ${where}: ${failure.detail}`;
  }
  return { message, retryable: failure.retryable };
}
