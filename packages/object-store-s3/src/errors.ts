/**
 * Turns AWS SDK failures into messages a user can act on: what was being done, to which bucket/key,
 * the S3 error code, and what to change (credentials, bucket name, the missing IAM permission, region).
 * Never credentials: only the S3 error code, status and the SDK's own message (which carries none).
 */
import { NETWORK_ERROR_CODES } from '@ctxsiem/core';

/** The S3 operation a failure happened in, for the message. */
export interface S3Operation {
  /** What we were doing, e.g. `writing s3://bucket/key`. */
  action: string;
  bucket: string;
  /** The IAM action the operation needs, e.g. `s3:PutObject`. */
  permission: string;
  /** The IAM resource the permission must cover, e.g. `arn:aws:s3:::bucket/prefix/*`. */
  resource: string;
  /** `endpoint http://…` or `region eu-west-1`. */
  target: string;
  /** The server-side encryption the request asks for (a denial may come from the KMS key policy). */
  encryption?: 'AES256' | 'aws:kms' | undefined;
  /**
   * The IAM policy statements that grant what the collector does where this key lives (every action,
   * on the whole area: the next operation there must not fail next), printed with an access denial.
   */
  statements?: IamStatement[] | undefined;
}

/** One `Allow` statement of an IAM policy. */
export interface IamStatement {
  Action: string | string[];
  Resource: string;
}

/** `arn:aws:s3:::bucket` — what s3:ListBucket is granted on. */
export const bucketArn = (bucket: string) => `arn:aws:s3:::${bucket}`;

/**
 * The statements for an area of a bucket (`prefix/*`, or one key when `exact`) where the collector
 * does `actions`, with s3:ListBucket on the bucket: without it S3 answers 403, not 404, for a key that
 * does not exist yet (a first checkpoint, a part not yet written).
 */
export function areaStatements(
  bucket: string,
  area: string,
  actions: string[],
  exact = false,
): IamStatement[] {
  const trimmed = area.replace(/^\/+|\/+$/g, '');
  const resource = `${bucketArn(bucket)}/${exact ? trimmed : trimmed ? `${trimmed}/*` : '*'}`;
  return [
    { Action: actions.length === 1 ? actions[0]! : actions, Resource: resource },
    { Action: 's3:ListBucket', Resource: bucketArn(bucket) },
  ];
}

/** The statements as a user pastes them into a policy's `Statement` list. */
function formatStatements(statements: IamStatement[]): string {
  return statements
    .map((statement) =>
      JSON.stringify({ Effect: 'Allow', Action: statement.Action, Resource: statement.Resource }),
    )
    .join(', ');
}

export interface S3Failure {
  /** The S3 error code (`NoSuchBucket`), the network error code (`ECONNREFUSED`) or the error's name. */
  code: string;
  status: number | undefined;
  attempts: number | undefined;
  /** A later attempt may succeed (throttling, 5xx, network). */
  retryable: boolean;
  /** The SDK's message, shortened. */
  detail: string;
}

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: number; attempts?: number };
}

const THROTTLING = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestThrottled',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'ServiceUnavailable',
]);

/** Core's network error codes, and the SDK's own name for a request that timed out. */
const NETWORK: ReadonlySet<string> = new Set([...NETWORK_ERROR_CODES, 'TimeoutError']);

/** Reads code, status and attempts off whatever the SDK threw. */
export function s3Failure(error: unknown): S3Failure {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const status = shape.$metadata?.httpStatusCode;
  const named = typeof shape.name === 'string' && shape.name !== 'Error' ? shape.name : undefined;
  const code =
    (typeof shape.Code === 'string' ? shape.Code : undefined) ??
    (typeof shape.code === 'string' ? shape.code : undefined) ??
    named ??
    (status === undefined ? 'UnknownError' : `HTTP${status}`);
  const retryable =
    status !== 501 &&
    (THROTTLING.has(code) ||
      NETWORK.has(code) ||
      (status !== undefined && (status >= 500 || status === 429)) ||
      (status === undefined && shape.$fault === 'server'));
  const message = typeof shape.message === 'string' ? shape.message : String(error);
  return {
    code,
    status,
    attempts: shape.$metadata?.attempts,
    retryable,
    detail: message.length > 300 ? `${message.slice(0, 300)}…` : message,
  };
}

/** A message naming the operation, the S3 code and the fix; `retryable` as `s3Failure` says. */
export function explainS3Error(error: unknown, op: S3Operation): { message: string; retryable: boolean } {
  const failure = s3Failure(error);
  const { code, status } = failure;
  const where = `while ${op.action} (${op.target})`;
  const http = status === undefined ? '' : `, HTTP ${status}`;
  const tag = `${code}${http}`;
  let message: string;
  if (code === 'InvalidAccessKeyId') {
    message = `S3 does not know the access key id (${tag}) ${where}: check the credentials (the sink's credentials option, or AWS_ACCESS_KEY_ID / AWS_PROFILE / the role of the default provider chain) and that they belong to this endpoint`;
  } else if (code === 'SignatureDoesNotMatch') {
    message = `S3 rejected the request signature (${tag}) ${where}: the secret access key does not belong to the access key id; check credentials.secretAccessKey or AWS_SECRET_ACCESS_KEY`;
  } else if (code === 'ExpiredToken' || code === 'InvalidToken' || code === 'TokenRefreshRequired') {
    message = `S3 refused the session token (${tag}) ${where}: the temporary credentials are expired or invalid; obtain fresh ones (credentials.sessionToken / AWS_SESSION_TOKEN)`;
  } else if (code === 'CredentialsProviderError') {
    message = `no AWS credentials found ${where}: set the credentials option, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE, or run with an IAM role (${failure.detail})`;
  } else if (code === 'NoSuchBucket') {
    message = `S3 bucket "${op.bucket}" does not exist (${tag}) ${where}: create it, or fix the bucket name (S3_BUCKET)`;
  } else if (
    code === 'PermanentRedirect' ||
    code === 'AuthorizationHeaderMalformed' ||
    code === 'IllegalLocationConstraintException' ||
    status === 301
  ) {
    message = `S3 bucket "${op.bucket}" is in another region (${tag}) ${where}: set the region option (AWS_REGION) to the bucket's region`;
  } else if (code.startsWith('KMS.') || code === 'KMSAccessDenied') {
    message = `S3 could not use the KMS key (${tag}) ${where}: check kmsKeyId and that the identity may use the key (kms:GenerateDataKey, kms:Decrypt)`;
  } else if (code === 'NotImplemented' || status === 501) {
    const sse = op.encryption
      ? `; serverSideEncryption is ${op.encryption}: does this store support it?`
      : '';
    message = `the S3 endpoint does not implement this request (${tag}) ${where}${sse}: ${failure.detail}`;
  } else if (
    code === 'AccessDenied' ||
    code === 'AllAccessDisabled' ||
    code === 'Forbidden' ||
    status === 403
  ) {
    const kms = op.encryption === 'aws:kms' ? ' and kms:GenerateDataKey on the KMS key (SSE-KMS)' : '';
    const add = op.statements?.length
      ? `; add to its IAM policy's Statement list: ${formatStatements(op.statements)}`
      : '';
    message = `access denied (${tag}) ${where}: the identity needs ${op.permission} on ${op.resource}${kms}${add}; check its IAM policy, the bucket policy and any SCP or VPC endpoint policy`;
  } else if (code === 'ConditionalRequestConflict') {
    message = `S3 kept refusing a create-only write because another write to the same key was in progress (${tag}) ${where}; a later attempt compares with whatever landed`;
    return { message, retryable: true };
  } else if (NETWORK.has(code)) {
    message = `could not reach S3 (${tag}) ${where}${failure.attempts ? ` after ${attempts(failure.attempts)}` : ''}: check the endpoint/region and the network path`;
  } else if (failure.retryable) {
    message = `S3 is throttling or unavailable (${tag}) ${where}; gave up after ${attempts(failure.attempts)}: ${failure.detail}`;
  } else {
    message = `S3 request failed (${tag}) ${where}: ${failure.detail}`;
  }
  return { message, retryable: failure.retryable };
}

const attempts = (n: number | undefined) =>
  n === undefined ? 'several attempts' : `${n} attempt${n === 1 ? '' : 's'}`;

/** True when a create-only write (`If-None-Match: *`) was refused because the key exists (412). */
export function isAlreadyExists(error: unknown): boolean {
  const failure = s3Failure(error);
  return failure.status === 412 || failure.code === 'PreconditionFailed';
}

/**
 * True for S3's 409 `ConditionalRequestConflict`: a conditional write raced another write to the same
 * key that was still in progress. The request may be sent again.
 */
export function isConditionalConflict(error: unknown): boolean {
  const failure = s3Failure(error);
  return (
    failure.code === 'ConditionalRequestConflict' || (failure.status === 409 && failure.code === 'HTTP409')
  );
}

/** True for S3's "precondition failed" answers to a conditional write. */
export function isPreconditionFailure(error: unknown): boolean {
  const failure = s3Failure(error);
  return (
    failure.status === 412 ||
    failure.code === 'PreconditionFailed' ||
    failure.status === 409 ||
    failure.code === 'ConditionalRequestConflict'
  );
}

/** True when S3 says the key (not the bucket) does not exist. */
export function isNoSuchKey(error: unknown): boolean {
  const failure = s3Failure(error);
  return failure.code === 'NoSuchKey' || (failure.status === 404 && failure.code === 'NotFound');
}
