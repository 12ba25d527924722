/** Builds the S3 client (and the per-request encryption parameters) from a connection config. */
import { S3Client, type ServerSideEncryption } from '@aws-sdk/client-s3';
import type { S3ConnectionConfig } from './config.ts';

/** The region the client uses: the configured one, else the AWS environment, else us-east-1. */
export function resolveRegion(config: Pick<S3ConnectionConfig, 'region'>, env = process.env): string {
  return config.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
}

/**
 * One S3 client per driver. Credentials: the configured static ones, else the SDK's default
 * provider chain. Transient failures (throttling, 5xx, network) are retried by the SDK's standard
 * retry strategy, `maxAttempts` attempts in all.
 */
export function createS3Client(
  config: Pick<S3ConnectionConfig, 'region' | 'endpoint' | 'forcePathStyle' | 'credentials' | 'maxAttempts'>,
): S3Client {
  return new S3Client({
    region: resolveRegion(config),
    ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
    forcePathStyle: config.forcePathStyle,
    // A copy: the SDK marks the credentials object it is given.
    ...(config.credentials === undefined ? {} : { credentials: { ...config.credentials } }),
    maxAttempts: config.maxAttempts,
    retryMode: 'standard',
  });
}

/** The encryption headers every PutObject / CreateMultipartUpload carries (the probe too). */
export function encryptionParams(config: Pick<S3ConnectionConfig, 'serverSideEncryption' | 'kmsKeyId'>): {
  ServerSideEncryption?: ServerSideEncryption;
  SSEKMSKeyId?: string;
} {
  if (config.serverSideEncryption === undefined) return {};
  return {
    ServerSideEncryption: config.serverSideEncryption,
    ...(config.kmsKeyId === undefined ? {} : { SSEKMSKeyId: config.kmsKeyId }),
  };
}

/** Where requests go, for messages: the custom endpoint or the region. Never credentials. */
export function describeTarget(config: Pick<S3ConnectionConfig, 'endpoint' | 'region'>): string {
  return config.endpoint === undefined ? `region ${resolveRegion(config)}` : `endpoint ${config.endpoint}`;
}
