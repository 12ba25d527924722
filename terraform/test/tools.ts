/** The verification tools, obtained once per machine by test/servers/obtain.sh (cached per user). */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './synth.ts';

const run = promisify(execFile);

/** The path `obtain.sh <tool>` prints (building or installing the tool the first time). */
export async function obtainTool(tool: 'checkov' | 'parliament' | 'tofu' | 'azurerm'): Promise<string> {
  const { stdout } = await run(join(ROOT, 'test', 'servers', 'obtain.sh'), [tool], {
    maxBuffer: 16 * 1024 * 1024,
    timeout: 40 * 60_000,
  });
  return stdout.trim().split('\n').at(-1)!;
}
