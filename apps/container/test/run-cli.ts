/** Runs the real CLI (from source, with the project's Node) as a child process. */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { keepProcessOutput } from '@ctxsiem/test-kit';

const CLI = join(import.meta.dirname, '..', 'src', 'cli.ts');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function ctxsiem(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@ctxsiem/source', CLI, ...args], {
      cwd: options.cwd,
      // A clean environment: only what the test passes, plus PATH/HOME for Node itself.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      keepProcessOutput(`cli-${args[0] ?? 'none'}`, stdout, stderr);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts `ctxsiem emulator` and resolves with its URL once it prints `listening …`. */
export function ctxsiemEmulator(
  args: string[] = [],
): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@ctxsiem/source', CLI, 'emulator', ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /^listening (http:\/\/\S+)$/m.exec(out);
      if (match) {
        resolve({
          url: match[1]!,
          child,
          stop: () =>
            new Promise<void>((done) => {
              child.once('close', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.on('error', reject);
    child.on('close', (code) => reject(new Error(`emulator exited early with ${code}: ${out}`)));
  });
}
