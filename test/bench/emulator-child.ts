/** Starts `emulator-process.ts` as a child process and returns its URL and a stop function. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export async function emulatorInChild(
  options: Record<string, unknown>,
): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=@ctxsiem/source',
      join(import.meta.dirname, 'emulator-process.ts'),
      JSON.stringify(options),
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /listening (\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`emulator process exited with ${code}`)));
  });
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
