/**
 * The secrets the test suites use, and where the output of every collector process they spawn is kept,
 * so that `make test` can end with a scan of all of it (`scripts/secret-scan.ts`): a secret that
 * reaches a log line, an error or a report fails the run, whichever test let it through.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MINIO_SECRET_ACCESS_KEY } from '@ctxsiem/local-services';

/** Every secret value a test hands a collector (each long enough to be scrubbed by value). */
export const TEST_SECRETS = {
  /** CITRIX_CLIENT_SECRET of the CLI tests. */
  cli: 'super-secret-value-123',
  /** The emulator client secret of the chaos pass. */
  chaos: 'chaos-client-secret-5b1e9d',
  /** The client secret of the hostile-input catalogue, and the access token its API hands out. */
  hostile: 'hostile-secret-7f3a9c21',
  hostileToken: 'hostile-access-token-0d9c8b7a',
  /** The client secret the Lambda and function tests keep in Secrets Manager / Secret Manager. */
  cloudFunction: 'function-client-secret-4c1d8e',
  /** MinIO's secret access key (test/servers). */
  minio: MINIO_SECRET_ACCESS_KEY,
} as const;

/** The folder collector output is kept in: `CTXSIEM_TEST_LOGS` (set by `make test`), else a temp folder. */
export function testLogDirectory(): string {
  return process.env.CTXSIEM_TEST_LOGS ?? join(tmpdir(), 'ctxsiem-test-logs');
}

/** Keeps one collector process's stdout and stderr for the secret scan. */
export function keepProcessOutput(label: string, stdout: string, stderr: string): void {
  const directory = testLogDirectory();
  mkdirSync(directory, { recursive: true });
  const file = join(directory, `${label.replace(/[^A-Za-z0-9_-]/g, '_')}-${process.pid}.log`);
  appendFileSync(file, `${stdout}${stdout.endsWith('\n') || !stdout ? '' : '\n'}${stderr}`);
}
