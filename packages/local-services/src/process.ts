// Runs a server binary as a child process for the duration of a test: free ports, readiness polling,
// quiet output (shown only on failure), stop-and-wait, and no orphans when the test process dies.
import { type ChildProcess, spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  endpoint: string;
  /** Stops the server, waits for it to exit and removes its temporary directories. Idempotent. */
  stop(): Promise<void>;
}

/** Binds port 0 on loopback, reads the port the kernel chose, and releases it. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error(`could not read a free port from ${String(address)}`));
        return;
      }
      server.close((error) => (error ? reject(error) : resolve(address.port)));
    });
  });
}

// The binary runs under a small bash wrapper whose stdin is a pipe from this process. The wrapper
// forwards SIGTERM/SIGINT to the server, waits for it and then removes its temp dirs; a watchdog
// reads the pipe, and when it hits EOF (this process died, even by SIGKILL) it kills the server
// and removes the temp dirs.
const WRAPPER = `
exec 3<&0
"$@" </dev/null 3<&- &
server=$!
{
  while read -r _ <&3; do :; done
  kill -KILL "$server" 2>/dev/null
  while kill -0 "$server" 2>/dev/null; do sleep 0.1; done
  if [ -n "\${CTXSIEM_SERVER_CLEANUP:-}" ]; then rm -rf -- $CTXSIEM_SERVER_CLEANUP; fi
} </dev/null >/dev/null 2>&1 &
watchdog=$!
exec 3<&-
trap 'kill -TERM "$server" 2>/dev/null' TERM INT
status=0
while kill -0 "$server" 2>/dev/null; do wait "$server"; status=$?; done
kill "$watchdog" 2>/dev/null
if [ -n "\${CTXSIEM_SERVER_CLEANUP:-}" ]; then rm -rf -- $CTXSIEM_SERVER_CLEANUP; fi
exit "$status"
`;

const MAX_OUTPUT_LINES = 200;

export interface LaunchSpec {
  /** Used in messages, e.g. "minio". */
  name: string;
  binary: string;
  args: string[];
  /** Merged over process.env. */
  env?: Record<string, string>;
  /** Removed once the process has exited (and by the watchdog if this process dies). No spaces. */
  cleanupDirs?: string[];
  /** Polled until `isReady(status)`; any HTTP answer counts by default. Or, instead, `readyLine`. */
  readyUrl?: string;
  /** Ready once a line of its output matches (a server that speaks no HTTP: Kafka). */
  readyLine?: RegExp;
  isReady?: (status: number) => boolean;
  readyTimeoutMs?: number;
  stopTimeoutMs?: number;
}

export interface Launched {
  pid: number;
  stop(): Promise<void>;
  /** The last lines the server printed (stdout and stderr interleaved). */
  output(): string;
}

/** Thrown when a server does not become ready; `output` holds its last lines. */
export class ServerStartError extends Error {
  readonly output: string;
  readonly addressInUse: boolean;
  constructor(message: string, output: string) {
    super(`${message}\n--- last lines of output ---\n${output || '(no output)'}`);
    this.name = 'ServerStartError';
    this.output = output;
    this.addressInUse = /address already in use|port is already in use|EADDRINUSE/i.test(output);
  }
}

interface Live {
  child: ChildProcess;
}
const live = new Set<Live>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A test process that exits without stopping its servers: ask each wrapper to stop its server.
  // Once this process is gone the wrappers' stdin pipes close and their watchdogs SIGKILL whatever
  // is left and remove the temp dirs (which also covers this process being killed by SIGKILL).
  process.once('exit', () => {
    for (const entry of live) {
      try {
        if (entry.child.pid !== undefined) process.kill(entry.child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal); // the wrapper, its watchdog and the server share a group
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

function unrefStream(stream: unknown): void {
  (stream as { unref?: () => void } | null)?.unref?.();
}

/** Starts `spec.binary` and resolves once `spec.readyUrl` answers; rejects with its output if not. */
export async function launch(spec: LaunchSpec): Promise<Launched> {
  installExitHook();
  const cleanupDirs = spec.cleanupDirs ?? [];
  const child = spawn('bash', ['-c', WRAPPER, `ctxsiem-${spec.name}`, spec.binary, ...spec.args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
    env: { ...process.env, ...spec.env, CTXSIEM_SERVER_CLEANUP: cleanupDirs.join(' ') },
  });
  const entry: Live = { child };
  live.add(entry);

  const lines: string[] = [];
  let partial = { stdout: '', stderr: '' };
  const collect = (key: 'stdout' | 'stderr') => (chunk: string) => {
    const text = partial[key] + chunk;
    const parts = text.split('\n');
    partial = { ...partial, [key]: parts.pop() ?? '' };
    lines.push(...parts);
    if (lines.length > MAX_OUTPUT_LINES) lines.splice(0, lines.length - MAX_OUTPUT_LINES);
  };
  child.stdout?.setEncoding('utf8').on('data', collect('stdout'));
  child.stderr?.setEncoding('utf8').on('data', collect('stderr'));
  child.stdin?.on('error', () => {}); // EPIPE once the wrapper is gone
  const output = () => [...lines, partial.stdout, partial.stderr].filter((l) => l !== '').join('\n');

  let stopping = false;
  let ready = false;
  let exitInfo: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('error', (error) => {
      exitInfo = `could not spawn: ${error.message}`;
      live.delete(entry);
      resolve();
    });
    child.once('exit', (code, signal) => {
      exitInfo = signal ? `killed by ${signal}` : `exit code ${code}`;
      live.delete(entry);
      resolve();
      if (!stopping && ready) {
        process.stderr.write(
          `[local-services] ${spec.name} (pid ${child.pid}) exited unexpectedly (${exitInfo}); last lines:\n${output()}\n`,
        );
      }
    });
  });

  // 'close' follows 'exit' once the output pipes are drained; wait for it briefly before quoting output.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));

  const removeDirs = async () => {
    await Promise.all(cleanupDirs.map((dir) => rm(dir, { recursive: true, force: true, maxRetries: 3 })));
  };

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      stopping = true;
      if (exitInfo === undefined) {
        child.ref(); // keep the event loop alive until the server has really gone
        if (child.pid !== undefined) {
          try {
            process.kill(child.pid, 'SIGTERM'); // the wrapper forwards it and waits for the server
          } catch {
            // already gone
          }
        }
        const timedOut = await Promise.race([
          exited.then(() => false),
          sleep(spec.stopTimeoutMs ?? 10_000, true, { ref: false }),
        ]);
        if (timedOut) {
          killGroup(child, 'SIGKILL');
          await exited;
        }
      }
      killGroup(child, 'SIGKILL'); // the watchdog, should anything of the group remain
      child.stdin?.destroy();
      await removeDirs();
    })();
    return stopped;
  };

  const deadline = Date.now() + (spec.readyTimeoutMs ?? 60_000);
  const isReady = spec.isReady ?? (() => true);
  try {
    for (;;) {
      if (exitInfo !== undefined) {
        await Promise.race([closed, sleep(1_000)]);
        throw new ServerStartError(`${spec.name} exited before it was ready (${exitInfo})`, output());
      }
      if (Date.now() > deadline) {
        throw new ServerStartError(
          `${spec.name} was not ready (${spec.readyUrl ?? spec.readyLine}) within ${spec.readyTimeoutMs ?? 60_000} ms`,
          output(),
        );
      }
      if (spec.readyLine) {
        if (spec.readyLine.test(output())) break;
      } else if (spec.readyUrl) {
        try {
          const response = await fetch(spec.readyUrl, { signal: AbortSignal.timeout(2_000) });
          await response.body?.cancel();
          if (isReady(response.status)) break;
        } catch {
          // not listening yet
        }
      } else throw new Error(`${spec.name}: a launch needs readyUrl or readyLine`);
      await Promise.race([exited, sleep(100)]);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  ready = true;

  // Do not keep a test process alive just because it forgot stop(): the exit hook kills the server.
  child.unref();
  unrefStream(child.stdin);
  unrefStream(child.stdout);
  unrefStream(child.stderr);

  return { pid: child.pid ?? -1, stop, output };
}

/**
 * Picks a free port and launches; if the port was taken in the meantime (the server failed with
 * "address already in use"), tries again with another one.
 */
export async function launchOnFreePort(
  build: (port: number) => LaunchSpec | Promise<LaunchSpec>,
  attempts = 3,
): Promise<{ port: number; launched: Launched }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return { port, launched: await launch(await build(port)) };
    } catch (error) {
      if (!(error instanceof ServerStartError) || !error.addressInUse || attempt >= attempts) throw error;
    }
  }
}
