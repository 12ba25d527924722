/**
 * Runs a collector CLI as a child process, the way the suites that test the real process do (the CLI
 * tests, the hostile-input catalogue, the chaos pass): from source with the project's Node, with a
 * clean environment (only what the test passes, plus PATH and HOME), optionally killed with SIGKILL
 * after a delay, or handed to the test as it starts (`onSpawn`: other signals, at moments of its
 * choosing). Its output is kept for the secret scan.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { keepProcessOutput } from './test-logs.ts';

export interface CliRun {
  code: number | null;
  /** `SIGKILL` when the run was killed (or the signal `onSpawn`'s caller sent that ended it). */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** The only environment the process gets, besides PATH and HOME. */
  env?: Record<string, string> | undefined;
  cwd?: string | undefined;
  /** Names the kept output (`cli-collect`, `hostile`, `chaos-minio`). */
  label: string;
  /** Kill the process with SIGKILL after this many ms, if it is still running. */
  killAfterMs?: number | undefined;
  /** Called when the kill was delivered. */
  onKill?: (() => void) | undefined;
  /** Called with the process once it is started: a test may signal it (SIGTERM, SIGSTOP…). */
  onSpawn?: ((child: ChildProcess) => void) | undefined;
}

/**
 * What a started process prints and how it ends: resolves when it has closed, its output kept for the
 * secret scan under `label` (a collector's; undefined for a process that is not one, such as a test
 * server that prints its test credentials for a reader).
 */
export function processRun(child: ChildProcess, label: string | undefined): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (label !== undefined) keepProcessOutput(label, stdout, stderr);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Runs `node --conditions=@ctxsiem/source {cli} {args}` and resolves when it exits. */
export async function runCli(cli: string, args: string[], options: CliOptions): Promise<CliRun> {
  const child = spawn(process.execPath, ['--conditions=@ctxsiem/source', cli, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  options.onSpawn?.(child);
  const run = processRun(child, options.label);
  const timer =
    options.killAfterMs === undefined
      ? undefined
      : setTimeout(() => {
          if (child.exitCode === null && child.kill('SIGKILL')) options.onKill?.();
        }, options.killAfterMs);
  try {
    return await run;
  } finally {
    if (timer) clearTimeout(timer);
  }
}
