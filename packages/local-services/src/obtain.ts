// Locates (and on a fresh machine builds or installs) the real test servers through test/servers/obtain.sh.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** `confluent-kafka`: a Python with librdkafka, a producer that is not the JS client (not in `all`). */
export type ServerName = 'minio' | 'fake-gcs-server' | 'moto' | 'kafka' | 'confluent-kafka';

const here = import.meta.dirname ?? path.dirname(fileURLToPath(import.meta.url));

/** The monorepo root: this module lives in packages/local-services/{src,dist}/. */
export const repoRoot: string = path.resolve(here, '../../..');

/** The script that builds a server once into the per-user cache and prints its binary path. */
export const obtainScript: string = path.join(repoRoot, 'test', 'servers', 'obtain.sh');

const obtained = new Map<ServerName, Promise<string>>();

/**
 * Resolves the path of a server binary, building it first if this machine has never built it
 * (this can take minutes: call it from a vitest globalSetup, or give the hook a long timeout).
 * The build's progress is forwarded to this process's stderr; the result is memoised per process.
 */
export function obtainServer(name: ServerName): Promise<string> {
  let pending = obtained.get(name);
  if (pending === undefined) {
    pending = runObtain(name);
    obtained.set(name, pending);
    // A failed attempt must not poison later calls (e.g. a transient network error).
    pending.catch(() => obtained.delete(name));
  }
  return pending;
}

/** Obtains every server (for a vitest globalSetup that pays the one-time build up front). */
export async function obtainServers(): Promise<Record<Exclude<ServerName, 'confluent-kafka'>, string>> {
  const [minio, fakeGcs, moto, kafka] = await Promise.all([
    obtainServer('minio'),
    obtainServer('fake-gcs-server'),
    obtainServer('moto'),
    obtainServer('kafka'),
  ]);
  return { minio, 'fake-gcs-server': fakeGcs, moto, kafka };
}

function runObtain(name: ServerName): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [obtainScript, name], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      process.stderr.write(chunk); // only printed while building: the cached path is silent
    });
    child.once('error', (error) => {
      reject(new Error(`could not run ${obtainScript} ${name}: ${error.message}`, { cause: error }));
    });
    child.once('close', (code, signal) => {
      const binary = stdout.trim().split('\n').at(-1) ?? '';
      if (code === 0 && binary !== '') {
        resolve(binary);
        return;
      }
      const tail = stderr.trim().split('\n').slice(-40).join('\n');
      reject(
        new Error(
          `${obtainScript} ${name} failed (${signal ?? `exit code ${code}`}); see test/servers/README.md\n${tail}`,
        ),
      );
    });
  });
}
