/**
 * The System Log source reads the answer in either spelling Citrix has published — camelCase as the live
 * API answers (Google's and Cortex's collectors read `items`, `continuationToken`), PascalCase as the
 * documentation's sample shows (`Items`, `ContinuationToken`, `RecordId`, …) — and delivers one shape:
 * the record's top-level names in camelCase, nested objects (`afterChanges`, `message`) as sent.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type JsonRecord, ManualClock, run, silentLogger } from '@ctxsiem/core';
import { type SystemLogCasing, startEmulator } from '@ctxsiem/emulator';
import { fileCheckpointStore, fileSink, readStoredRecords } from '@ctxsiem/sink-file';
import { describe, expect, it } from 'vitest';
import { systemLogSource, TENANT_FIELD } from '../../src/index.ts';

const NOW = Date.parse('2026-03-15T12:20:00Z');
const START = new Date('2026-03-15T06:00:00Z');
const END = Date.parse('2026-03-15T12:10:00Z');

const byTime = (records: JsonRecord[]) =>
  [...records].sort((a, b) => String(a.utcTimestamp).localeCompare(String(b.utcTimestamp)));

describe.each<SystemLogCasing>(['camelCase', 'PascalCase'])('the System Log answering in %s', (casing) => {
  it('is collected whole, every record in camelCase with its nested fields as Citrix sent them', async () => {
    const clock = new ManualClock(new Date(NOW));
    const emulator = await startEmulator({ seed: 7, now: () => clock.now(), systemLogCasing: casing });
    const directory = await mkdtemp(join(tmpdir(), 'ctxsiem-systemlog-casing-'));
    const source = systemLogSource(
      { options: { type: 'systemlog', pageSize: 4 }, connection: emulator.connection },
      { logger: silentLogger(), clock },
    );
    try {
      // The answer really is in that casing.
      const page = await source.client.getJson<Record<string, unknown>>(
        'systemlog/records?StartDateTime=2026-03-15T06:00:00Z&Limit=1',
      );
      expect(Object.keys(page)[0]).toBe(casing === 'camelCase' ? 'items' : 'Items');

      const summary = await run({
        source,
        sink: fileSink({ directory: join(directory, 'out') }, { logger: silentLogger(), clock }),
        checkpoints: fileCheckpointStore({ directory: join(directory, 'state') }),
        logger: silentLogger(),
        clock,
        start: START,
      });
      expect(summary.streams[0]).toMatchObject({ status: 'ok', to: new Date(END).toISOString() });
      const stored = byTime(await readStoredRecords(join(directory, 'out', 'records')));
      const truth = emulator.data
        .systemLog('demo', { from: START, to: new Date(END) })
        .map((record) => ({ ...record, [TENANT_FIELD]: 'demo' }));
      expect(truth.length).toBeGreaterThan(10);
      expect(stored).toEqual(truth);
      for (const record of stored) {
        expect(Object.keys(record).every((key) => /^[a-z]/.test(key))).toBe(true);
        expect(Object.keys(record.message as object)).toContain('ja-JP');
      }
    } finally {
      await source.close();
      await emulator.close();
      await rm(directory, { recursive: true, force: true });
    }
  });
});
