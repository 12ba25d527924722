/** Runs the real CLI (from source, with the project's Node) as a child process. */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { type CliRun, runCli } from '@ctxsiem/test-kit';

/** The CLI's entry, run from source. */
export const CLI = join(import.meta.dirname, '..', 'src', 'cli.ts');

export type CliResult = CliRun;

/** `ctxsiem {args}` with only `options.env` (plus PATH and HOME) in its environment. */
export function ctxsiem(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; onSpawn?: (child: ChildProcess) => void } = {},
): Promise<CliResult> {
  return runCli(CLI, args, { ...options, label: `cli-${args[0] ?? 'none'}` });
}

/** The seed variables of the emulator's tenant (`demo`), for a CLI run against `ctxsiem emulator`. */
export const emulatorTenant = (url: string) => ({
  API_BASE: url,
  CITRIX_CUSTOMER_ID: 'demo',
  CITRIX_CLIENT_ID: 'demo',
  CITRIX_CLIENT_SECRET: 'demo',
});

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
