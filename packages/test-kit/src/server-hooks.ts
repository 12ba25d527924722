/**
 * One server for a test file: started before its tests (building one on a fresh machine takes
 * minutes, so the hook gets that long), stopped after them. The getter answers the running server.
 */
import { afterAll, beforeAll } from 'vitest';

/** How long a hook that starts a real server (MinIO, fake-gcs-server, …) may take. */
export const SERVER_START_TIMEOUT_MS = 300_000;

export function useServer<T extends { stop(): Promise<void> }>(start: () => Promise<T>): () => T {
  let server: T | undefined;
  beforeAll(async () => {
    server = await start();
  }, SERVER_START_TIMEOUT_MS);
  afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (!server) throw new Error('the server is not running: use it inside a test or a hook');
    return server;
  };
}
