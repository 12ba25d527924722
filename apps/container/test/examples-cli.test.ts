/**
 * The deployment example the README points to (`apps/container/examples/deploy.yaml`) runs as written
 * against `ctxsiem emulator`: only its API address is the test emulator's (the example names port 8080)
 * and its folders a temporary one's.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ctxsiem, ctxsiemEmulator } from './run-cli.ts';

const EXAMPLE = join(import.meta.dirname, '..', 'examples', 'deploy.yaml');

let dir: string;
let emulator: Awaited<ReturnType<typeof ctxsiemEmulator>>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctxsiem-examples-'));
  emulator = await ctxsiemEmulator();
});
afterAll(async () => {
  await emulator?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('examples/deploy.yaml', () => {
  it('collects every source it names from the emulator into files, and status reads it back', async () => {
    const text = await readFile(EXAMPLE, 'utf8');
    expect(text).toContain('apiBase: http://127.0.0.1:8080');
    const example = parse(text);
    example.tenants[0].apiBase = emulator.url;
    example.sink.directory = join(dir, 'out');
    example.checkpoint.directory = join(dir, 'out', '_state');
    const config = join(dir, 'deploy.yaml');
    await writeFile(config, stringify(example));
    const run = await ctxsiem(['collect', '--config', config, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(new Set(summary.streams.map((s: { source: string }) => s.source))).toEqual(
      new Set(['monitor', 'systemlog', 'daasconfiglog']),
    );
    expect(summary.totals.records).toBeGreaterThan(0);
    const status = await ctxsiem(['status', '--config', config]);
    expect(status.code, status.stderr).toBe(0);
  });
});
