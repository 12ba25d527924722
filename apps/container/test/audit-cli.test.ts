/**
 * The admin audit sources through the CLI, as a user runs them: `demo --sources systemlog,daasconfiglog`,
 * and `collect` from the seed-style environment (SOURCE=…) against a standing `ctxsiem emulator`,
 * compared with the same seed's ground truth.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOUR_MS } from '@ctxsiem/core';
import { startEmulator } from '@ctxsiem/emulator';
import { readStoredRecords } from '@ctxsiem/sink-file';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctxsiem, ctxsiemEmulator, emulatorTenant } from './run-cli.ts';

let dir: string;
let emulator: Awaited<ReturnType<typeof ctxsiemEmulator>>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctxsiem-audit-cli-'));
  emulator = await ctxsiemEmulator(['--seed', '5']);
});
afterAll(async () => {
  await emulator?.stop();
  await rm(dir, { recursive: true, force: true });
});

interface Summary {
  streams: { source: string; stream: string; status: string; records: number; from: string; to: string }[];
}

describe('the admin audit sources through the CLI', () => {
  it('`demo --sources systemlog,daasconfiglog` collects both, the DaaS operations and sessions', async () => {
    const result = await ctxsiem([
      'demo',
      '--out',
      join(dir, 'demo'),
      '--sources',
      'systemlog,daasconfiglog',
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const { streams } = JSON.parse(result.stdout) as Summary;
    expect(streams.map((s) => [s.source, s.stream, s.status])).toEqual([
      ['systemlog', 'records', 'ok'],
      ['daasconfiglog', 'operations', 'ok'],
      ['daasconfiglog', 'daasSessions', 'ok'],
    ]);
    for (const stream of streams) {
      expect(stream.records).toBeGreaterThan(0);
      expect(await readStoredRecords(join(dir, 'demo', stream.stream))).toHaveLength(stream.records);
    }
    // Each operation with the SDK calls it was made of.
    const operations = await readStoredRecords(join(dir, 'demo', 'operations'));
    expect(operations.every((operation) => operation.LowLevelOperationsStatus === 'complete')).toBe(true);
    expect(operations.some((operation) => (operation.LowLevelOperations as unknown[]).length > 0)).toBe(true);
  });

  it.each([
    ['systemlog', 'records'],
    ['daasconfiglog', 'operations'],
  ])('SOURCE=%s collects exactly the emulator’s records of the range', async (source, stream) => {
    const out = join(dir, `collect-${source}`);
    const start = new Date(Math.floor(Date.now() / HOUR_MS) * HOUR_MS - 4 * HOUR_MS);
    const result = await ctxsiem(['collect', '--json'], {
      env: { ...emulatorTenant(emulator.url), SOURCE: source, START: start.toISOString(), OUTPUT_DIR: out },
    });
    expect(result.code, result.stderr).toBe(0);
    const [summary] = (JSON.parse(result.stdout) as Summary).streams;
    expect(summary).toMatchObject({ source, stream, status: 'ok', from: start.toISOString() });
    // The same seed's data, as the emulator shows it now: the range is closed, so it does not change.
    const truth = await startEmulator({ seed: 5 });
    try {
      const range = { from: start, to: new Date(summary!.to) };
      const expected =
        source === 'systemlog' ? truth.data.systemLog('demo', range) : truth.data.configLog('demo', range);
      const key = (record: Record<string, unknown>) => String(record.recordId ?? record.Id);
      const stored = await readStoredRecords(join(out, stream));
      expect(stored.map(key).sort()).toEqual(expected.map(key).sort());
      expect(stored.every((record) => record.citrix_customer_id === 'demo')).toBe(true);
    } finally {
      await truth.close();
    }
  });
});
