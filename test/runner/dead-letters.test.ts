/**
 * Listing and replaying dead letters on real components: a run of the generated source dead-letters
 * every fourth record into the file sink; replays validate them again with a stream schema that has
 * since been fixed (or not), once, twice, at the same time and after a crash, and the data folder
 * must then hold every record of the truth exactly once.
 */
import { writeFile } from 'node:fs/promises';
import {
  type DeadLetterReport,
  HOUR_MS,
  listDeadLetters,
  ManualClock,
  type PullStream,
  replayDeadLetters,
  run,
  silentLogger,
} from '@ctxsiem/core';
import { type GeneratedSource, generatedRecordSchema, generatedSource } from '@ctxsiem/source-generated';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type FileSetup, fileSetup, hookedSink, ids } from './harness.ts';

const logger = silentLogger();
const START = new Date('2024-08-06T00:00:00Z');
const NOW = new Date('2024-08-06T03:10:00Z');
const HORIZON = new Date('2024-08-06T03:05:00Z');

/** The stream's schema once it accepts what it refused (`value` as text too). */
const fixedSchema = generatedRecordSchema.extend({ value: z.union([z.number(), z.string()]) });

let setup: FileSetup;
let source: GeneratedSource;
afterEach(async () => {
  await setup?.cleanup();
});

/** A run that dead-letters every fourth record of three hours. */
async function collectWithDeadLetters(): Promise<void> {
  setup = await fileSetup();
  source = generatedSource({ start: START, invalidEvery: 4, pageSize: 90 });
  await run({
    source,
    sink: setup.sink,
    checkpoints: setup.checkpoints,
    logger,
    clock: new ManualClock(NOW),
  });
}

const truth = () => [...source.truth('events', { from: START, to: HORIZON })];
const withSchema = (schema: PullStream['schema']) => () => ({
  stream: { ...source.streams[0]!, schema },
  tenantField: source.tenantField,
});
const total = (
  reports: DeadLetterReport[],
  field: 'deadLetters' | 'replayed' | 'replayedNow' | 'stillInvalid',
) => reports.reduce((sum, report) => sum + report[field], 0);

describe('dead letters after the run', () => {
  it('lists every dead-letter part with its count and reason, and nothing replayed yet', async () => {
    await collectWithDeadLetters();
    const reports = await listDeadLetters({ sink: setup.sink });
    const invalid = truth().filter((record) => typeof record.value !== 'number');
    expect(invalid.length).toBeGreaterThan(100);
    expect(total(reports, 'deadLetters')).toBe(invalid.length);
    expect(total(reports, 'replayed')).toBe(0);
    expect(new Set(reports.map((report) => report.windowStart)).size).toBe(4);
    for (const report of reports) {
      expect(report.stream).toBe('test-tenant/generated/events');
      expect(report.reasons.join()).toMatch(/^value: .*number/);
      expect(report.location).toContain('_deadletter');
    }
    expect(await listDeadLetters({ sink: setup.sink, select: 'someone-else/' })).toEqual([]);
  });

  it('writes nothing while the schema still refuses the records, and says why', async () => {
    await collectWithDeadLetters();
    const before = await setup.stored('events');
    const reports = await replayDeadLetters({ sink: setup.sink, target: withSchema(generatedRecordSchema) });
    expect(total(reports, 'replayedNow')).toBe(0);
    expect(total(reports, 'stillInvalid')).toBe(total(reports, 'deadLetters'));
    expect(reports[0]!.reasons.join()).toMatch(/value/);
    expect(await setup.stored('events')).toEqual(before);
  });

  it('delivers what the fixed schema accepts once, however often it is replayed', async () => {
    await collectWithDeadLetters();
    const first = await replayDeadLetters({ sink: setup.sink, target: withSchema(fixedSchema) });
    expect(first.every((report) => !report.error)).toBe(true);
    expect(total(first, 'replayedNow')).toBe(total(first, 'deadLetters'));
    expect(total(first, 'stillInvalid')).toBe(0);
    const stored = await setup.stored('events');
    expect(ids(stored)).toEqual(ids(truth()));
    expect(stored.every((record) => record.tenant === 'test-tenant')).toBe(true);

    const again = await replayDeadLetters({ sink: setup.sink, target: withSchema(fixedSchema) });
    expect(total(again, 'replayedNow')).toBe(0);
    expect(total(again, 'replayed')).toBe(total(again, 'deadLetters'));
    expect(ids(await setup.stored('events'))).toEqual(ids(truth()));
    const listed = await listDeadLetters({ sink: setup.sink });
    expect(total(listed, 'replayed')).toBe(total(listed, 'deadLetters'));
  });

  it('hands a sink whose tables declare fields the stream’s columns with the replayed records, as collection does', async () => {
    await collectWithDeadLetters();
    const columns = [
      { name: 'id', type: 'string' as const },
      { name: 'value', type: 'dynamic' as const },
    ];
    const handed: unknown[] = [];
    const sink = hookedSink(setup.sink, { before: (batch) => handed.push(batch.columns) });
    const reports = await replayDeadLetters({
      sink,
      target: () => ({
        stream: { ...source.streams[0]!, schema: fixedSchema, columns },
        tenantField: source.tenantField,
      }),
    });
    expect(total(reports, 'replayedNow')).toBeGreaterThan(0);
    expect(handed.length).toBe(reports.filter((report) => report.replayedNow > 0).length);
    // Without them an Azure table would lose, unreported, every field the sink was not told of.
    for (const batchColumns of handed)
      expect(batchColumns).toEqual([...columns, { name: source.tenantField, type: 'string' }]);
  });

  it('replays in rounds as the schema accepts more, never a record twice', async () => {
    await collectWithDeadLetters();
    // First a schema that accepts the refused records of even hours only.
    const evenHours = fixedSchema.refine(
      (record) => typeof record.value === 'number' || new Date(record.time).getUTCHours() % 2 === 0,
      'odd hour',
    );
    const partly = await replayDeadLetters({ sink: setup.sink, target: withSchema(evenHours) });
    expect(total(partly, 'replayedNow')).toBeGreaterThan(0);
    expect(total(partly, 'stillInvalid')).toBeGreaterThan(0);
    const rest = await replayDeadLetters({ sink: setup.sink, target: withSchema(fixedSchema) });
    expect(total(rest, 'replayedNow')).toBe(total(partly, 'stillInvalid'));
    expect(ids(await setup.stored('events'))).toEqual(ids(truth()));
  });

  it('two replays at once deliver each record once', async () => {
    await collectWithDeadLetters();
    const replays = await Promise.all(
      [1, 2].map(() => replayDeadLetters({ sink: setup.sink, target: withSchema(fixedSchema) })),
    );
    for (const reports of replays) expect(reports.every((report) => !report.error)).toBe(true);
    expect(ids(await setup.stored('events'))).toEqual(ids(truth()));
  });

  it('a replay that died after writing its round is finished by the next without duplicating', async () => {
    await collectWithDeadLetters();
    let crashed = false;
    const dying = hookedSink(setup.sink, {
      after: () => {
        if (crashed) return;
        crashed = true;
        throw new Error('killed before the write was acknowledged');
      },
    });
    const died = await replayDeadLetters({ sink: dying, target: withSchema(fixedSchema) });
    expect(died.filter((report) => report.error)).toHaveLength(1);
    const next = await replayDeadLetters({ sink: setup.sink, target: withSchema(fixedSchema) });
    expect(next.every((report) => !report.error)).toBe(true);
    expect(ids(await setup.stored('events'))).toEqual(ids(truth()));
  });

  it('reports a part it cannot read or has no stream for, and replays the others', async () => {
    await collectWithDeadLetters();
    const listed = await listDeadLetters({ sink: setup.sink });
    const broken = listed[0]!;
    await writeFile(broken.location, '{"reason": "x", "record": {');
    const secondHour = new Date(START.getTime() + HOUR_MS);
    const reports = await replayDeadLetters({
      sink: setup.sink,
      target: (part) =>
        part.window.from.getTime() === secondHour.getTime() ? undefined : withSchema(fixedSchema)(),
    });
    expect(reports.map((report) => report.location)).toEqual(listed.map((report) => report.location));
    expect(reports[0]!.error).toMatch(/not NDJSON/);
    const unconfigured = reports.filter((report) => report.windowStart === secondHour.toISOString());
    expect(unconfigured.length).toBeGreaterThan(0);
    // A part of a stream the deployment does not collect is left as it is, saying why: not a failure.
    for (const report of unconfigured) {
      expect(report.left).toMatch(/not collected by this deployment/);
      expect(report.error).toBeUndefined();
      expect(report.replayedNow).toBe(0);
    }
    const replayed = reports.filter((report) => !report.error && !report.left);
    expect(replayed.length).toBe(listed.length - 1 - unconfigured.length);
    expect(total(replayed, 'replayedNow')).toBe(total(replayed, 'deadLetters'));
  });
});
