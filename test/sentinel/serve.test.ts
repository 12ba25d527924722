/**
 * `ctxsiem serve` with the sentinel source: consumed continuously — events produced while it runs are
 * delivered — and SIGTERM commits and exits 0 with every event stored once.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readStoredFiles } from '@ctxsiem/sink-file';
import type { RunningKafka } from '@ctxsiem/test-kit/servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { produce, sentinelSection, startBroker, TENANT_ENTRY } from './support.ts';

const CLI = join(import.meta.dirname, '..', '..', 'apps', 'container', 'src', 'cli.ts');
const TOPIC = 'served';

let kafka: RunningKafka;
let scratch: string;
beforeAll(async () => {
  kafka = await startBroker([TOPIC]);
  scratch = await mkdtemp(join(tmpdir(), 'ctxsiem-sentinel-serve-'));
}, 120_000);
afterAll(async () => {
  await kafka?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

const storedIds = async (out: string) =>
  (await readStoredFiles(out))
    .filter((file) => !file.path.startsWith('_'))
    .flatMap((file) => file.records.map((record) => String(record.record_id)));

async function until(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('sentinel under ctxsiem serve', () => {
  it('consumes continuously and drains on SIGTERM, every event stored once', async () => {
    const out = join(scratch, 'out');
    const file = join(scratch, 'ctxsiem.json');
    await writeFile(
      file,
      JSON.stringify({
        tenants: [TENANT_ENTRY],
        sources: [sentinelSection(kafka, TOPIC)],
        sink: { type: 'file', directory: out },
        checkpoint: { type: 'file', directory: join(out, '_state') },
      }),
    );
    await produce(kafka, TOPIC, 3_000);
    const child = spawn(process.execPath, ['--conditions=@ctxsiem/source', CLI, 'serve', '--config', file], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stderr.on('data', (chunk) => {
      log += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    try {
      await until(async () => (await storedIds(out)).length >= 3_000, 60_000, 'the first 3,000 events');
      // More arrive while it runs: consumed without a restart.
      await produce(kafka, TOPIC, 2_000);
      await until(
        async () => (await storedIds(out)).length >= 5_000,
        60_000,
        `all 5,000 events\n${log.slice(-2000)}`,
      );
      child.kill('SIGTERM');
      expect(await exited, log.slice(-2000)).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
    const ids = await storedIds(out);
    expect(ids).toHaveLength(5_000);
    expect(new Set(ids).size).toBe(5_000);
  }, 180_000);
});
