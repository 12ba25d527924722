// moto (a local AWS API: Secrets Manager, IAM, SQS, EventBridge Scheduler, Lambda, CloudWatch, S3) for
// tests: plain HTTP on loopback, state in memory, gone when it stops.
import { obtainServer } from './obtain.ts';
import { launchOnFreePort, type RunningServer } from './process.ts';

export interface RunningMoto extends RunningServer {
  /** Any credentials work against moto; these are what the tests hand the AWS SDK. */
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** The standard AWS environment that points every AWS SDK client at this server. */
  environment(): Record<string, string>;
}

/** Starts moto's server mode on a free 127.0.0.1 port; resolves once its API answers. */
export async function startMoto(options: { readyTimeoutMs?: number } = {}): Promise<RunningMoto> {
  const launcher = await obtainServer('moto');
  const { port, launched } = await launchOnFreePort(async (port) => ({
    name: 'moto',
    binary: launcher,
    args: ['-H', '127.0.0.1', '-p', String(port)],
    readyUrl: `http://127.0.0.1:${port}/moto-api/data.json`,
    isReady: (status) => status === 200,
    readyTimeoutMs: options.readyTimeoutMs ?? 60_000,
  }));
  const endpoint = `http://127.0.0.1:${port}`;
  const credentials = { accessKeyId: 'moto-test', secretAccessKey: 'moto-test-secret', region: 'us-east-1' };
  return {
    endpoint,
    ...credentials,
    environment: () => ({
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_REGION: credentials.region,
      AWS_EC2_METADATA_DISABLED: 'true',
    }),
    stop: launched.stop,
  };
}
