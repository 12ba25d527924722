// fake-gcs-server (a GCS JSON/XML API emulator) for tests: plain HTTP on loopback.
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { obtainServer } from './obtain.ts';
import { launchOnFreePort, type RunningServer } from './process.ts';

export interface StartFakeGcsOptions {
  /** 'memory' (default) or 'filesystem' (a temp dir, removed on stop). */
  backend?: 'memory' | 'filesystem';
  /** Milliseconds to wait for GET /storage/v1/b to answer 200 (default 60 000). */
  readyTimeoutMs?: number;
}

/**
 * Starts fake-gcs-server on a free 127.0.0.1 port; `endpoint` is http://127.0.0.1:<port>.
 * With @google-cloud/storage: `new Storage({ apiEndpoint: endpoint, projectId: 'test' })`
 * (an http apiEndpoint also disables authentication in the client).
 */
export async function startFakeGcs(options: StartFakeGcsOptions = {}): Promise<RunningServer> {
  const binary = await obtainServer('fake-gcs-server');
  const backend = options.backend ?? 'memory';
  const { port, launched } = await launchOnFreePort(async (port) => {
    const scratch = await mkdtemp(path.join(os.tmpdir(), 'ctxsiem-fake-gcs-'));
    const endpoint = `http://127.0.0.1:${port}`;
    return {
      name: 'fake-gcs-server',
      binary,
      args: [
        '-scheme',
        'http',
        '-host',
        '127.0.0.1',
        '-port',
        String(port),
        '-external-url',
        endpoint,
        '-backend',
        backend,
        '-filesystem-root',
        path.join(scratch, 'storage'),
        '-data',
        path.join(scratch, 'seed'), // absent: nothing is preloaded
        '-log-level',
        'warn',
      ],
      cleanupDirs: [scratch],
      readyUrl: `${endpoint}/storage/v1/b`,
      isReady: (status) => status === 200,
      readyTimeoutMs: options.readyTimeoutMs ?? 60_000,
    };
  });
  return { endpoint: `http://127.0.0.1:${port}`, stop: launched.stop };
}
