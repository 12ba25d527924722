// A real MinIO (S3-compatible) server for tests: loopback only, single drive, throwaway data.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { obtainServer } from './obtain.ts';
import { launchOnFreePort, type RunningServer } from './process.ts';

export interface RunningMinio extends RunningServer {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** How an S3 client, sink or checkpoint store reaches `bucket` on this server. */
  connection(bucket: string): MinioConnection;
}

export interface MinioConnection {
  bucket: string;
  endpoint: string;
  forcePathStyle: true;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

export interface StartMinioOptions {
  /** Keep objects here (not removed on stop). Default: a fresh temp dir, removed on stop. */
  dataDir?: string;
  /** Milliseconds to wait for /minio/health/ready (default 60 000). */
  readyTimeoutMs?: number;
}

const ACCESS_KEY_ID = 'ctxsiem-test';
/** MinIO's secret access key: a test secret, listed in test-kit's TEST_SECRETS for the secret scan. */
export const MINIO_SECRET_ACCESS_KEY = 'ctxsiem-test-secret';
const SECRET_ACCESS_KEY = MINIO_SECRET_ACCESS_KEY;
const REGION = 'us-east-1';

/**
 * Starts MinIO on a free 127.0.0.1 port and resolves once GET /minio/health/ready answers 200.
 * Use path-style addressing (`forcePathStyle: true` in the AWS SDK) against `endpoint`.
 */
export async function startMinio(options: StartMinioOptions = {}): Promise<RunningMinio> {
  const binary = await obtainServer('minio');
  const { port, launched } = await launchOnFreePort(async (port) => {
    const scratch = await mkdtemp(path.join(os.tmpdir(), 'ctxsiem-minio-'));
    const dataDir = options.dataDir ?? path.join(scratch, 'data');
    try {
      await mkdir(dataDir, { recursive: true });
    } catch (error) {
      await rm(scratch, { recursive: true, force: true });
      throw error;
    }
    return {
      name: 'minio',
      binary,
      args: [
        'server',
        dataDir,
        '--address',
        `127.0.0.1:${port}`,
        '--certs-dir',
        path.join(scratch, 'certs'), // not ~/.minio/certs
        '--quiet',
        '--anonymous',
      ],
      env: {
        MINIO_ROOT_USER: ACCESS_KEY_ID,
        MINIO_ROOT_PASSWORD: SECRET_ACCESS_KEY,
        MINIO_REGION: REGION,
        MINIO_BROWSER: 'off', // no web console, so no second listening port
        MINIO_UPDATE: 'off',
        MINIO_CALLHOME_ENABLE: 'off',
        MINIO_CI_CD: '1', // small buffer pool; relaxed drive checks for temp dirs
      },
      cleanupDirs: [scratch],
      readyUrl: `http://127.0.0.1:${port}/minio/health/ready`,
      isReady: (status) => status === 200,
      readyTimeoutMs: options.readyTimeoutMs ?? 60_000,
    };
  });
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    accessKeyId: ACCESS_KEY_ID,
    secretAccessKey: SECRET_ACCESS_KEY,
    region: REGION,
    connection: (bucket) => ({
      bucket,
      endpoint,
      forcePathStyle: true,
      region: REGION,
      credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
    }),
    stop: launched.stop,
  };
}
