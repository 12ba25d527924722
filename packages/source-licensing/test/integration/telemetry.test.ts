/**
 * The telemetry stream under the real runner, from a folder of the emulator's generated documents into
 * the file sink with file checkpoints: every valid event, sample and trigger once with its document,
 * every invalid one dead-lettered with its field path; nothing read twice across runs, copies, touches
 * or a crash mid-window; an edited document read again as a new version.
 */
import {
  appendFile,
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type JsonRecord, ManualClock, replayDeadLetters, run, type Sink, silentLogger } from '@ctxsiem/core';
import { licensingTelemetry, type TelemetryDocument } from '@ctxsiem/emulator';
import { fileCheckpointStore, fileSink, readStoredRecords } from '@ctxsiem/sink-file';
import { afterEach, describe, expect, it } from 'vitest';
import { type LicensingSource, licensingSource } from '../../src/index.ts';

const CUSTOMER = 'acme';
const START = new Date('2026-03-10T00:00:00Z');

interface Harness {
  directory: string;
  documents: string;
  generated: TelemetryDocument[];
  clock: ManualClock;
  /** The file sink the runs write to. */
  sink: Sink;
  /** The source of the last `collect`. */
  source(): LicensingSource;
  collect(options?: { sink?: Sink; settleSeconds?: number }): ReturnType<typeof run>;
  stored(): Promise<JsonRecord[]>;
  deadLetters(): Promise<JsonRecord[]>;
  cleanup(): Promise<void>;
}

let h: Harness;
afterEach(async () => {
  await h?.cleanup();
});

async function harness(days = 3, invalidOneIn = 7): Promise<Harness> {
  const directory = await mkdtemp(join(tmpdir(), 'ctxsiem-telemetry-'));
  const documents = join(directory, 'incoming');
  await mkdir(join(documents, 'spa'), { recursive: true });
  const generated = licensingTelemetry({ seed: 11, customerId: CUSTOMER, from: START, days, invalidOneIn });
  for (const document of generated) {
    const folder = document.name.startsWith('spa-') ? join(documents, 'spa') : documents;
    await writeFile(join(folder, document.name), document.content);
  }
  const clock = new ManualClock(new Date('2026-03-13T08:20:00Z'));
  const sink = fileSink({ directory: join(directory, 'out') }, { logger: silentLogger(), clock });
  const checkpoints = fileCheckpointStore({ directory: join(directory, 'state') });
  const sources: LicensingSource[] = [];
  return {
    directory,
    documents,
    generated,
    clock,
    sink,
    source: () => sources.at(-1)!,
    collect(options = {}) {
      const source = licensingSource(
        {
          options: {
            type: 'licensing',
            streams: ['telemetry'],
            telemetry: { location: documents, settleSeconds: options.settleSeconds ?? 0, pageSize: 50 },
          },
          connection: {
            customerId: CUSTOMER,
            clientId: 'id',
            clientSecret: 'secret',
            apiBase: 'http://127.0.0.1:9',
          },
        },
        { logger: silentLogger(), clock, documents: checkpoints.manifests },
      );
      sources.push(source);
      return run({
        source,
        sink: options.sink ?? sink,
        checkpoints,
        logger: silentLogger(),
        clock,
        start: START,
      });
    },
    stored: () => readStoredRecords(join(directory, 'out', 'telemetry')),
    deadLetters: () => readStoredRecords(join(directory, 'out', '_deadletter', 'telemetry')),
    async cleanup() {
      for (const source of sources.splice(0)) await source.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

const expectedRecords = (documents: TelemetryDocument[]) => documents.reduce((sum, d) => sum + d.records, 0);
/** What names a record: its document and its content (a License Server sample has no id of its own). */
const keyOf = (record: JsonRecord) => JSON.stringify(record);

describe('the telemetry stream from a folder', () => {
  it('delivers every valid record once with its document, and dead-letters each invalid one with its field path', async () => {
    h = await harness();
    const summary = await h.collect();
    expect(summary.streams[0]).toMatchObject({ stream: 'telemetry', status: 'ok' });
    const stored = await h.stored();
    expect(stored).toHaveLength(expectedRecords(h.generated));
    expect(new Set(stored.map(keyOf)).size).toBe(stored.length);
    const names = new Set(h.generated.map((d) => d.name));
    for (const record of stored) {
      expect(record.citrix_customer_id).toBe(CUSTOMER);
      expect(record.documentId).toMatch(/^[0-9a-f]{64}$/);
      expect(record.documentVersion).toBe(1);
      expect(names.has(String(record.documentName).replace(/^spa\//, ''))).toBe(true);
    }
    const kinds = new Set(stored.map((r) => r.kind));
    for (const kind of ['license-server.feature', 'license-server.usage-sample', 'cvad.license', 'spa.user'])
      expect(kinds).toContain(kind);

    const problems = h.generated.flatMap((d) => d.problems.map((p) => ({ ...p, name: d.name })));
    expect(problems.length).toBeGreaterThan(2);
    const letters = await h.deadLetters();
    expect(letters).toHaveLength(problems.length);
    for (const problem of problems) {
      const letter = letters.find(
        (l) =>
          String((l.record as JsonRecord).documentName).endsWith(problem.name) &&
          ((l.record as JsonRecord).index === undefined || (l.record as JsonRecord).index === problem.index),
      );
      expect(letter, `${problem.name} #${problem.index}`).toBeDefined();
      expect(String(letter!.reason)).toContain(problem.field);
    }
  });

  it('reads nothing again on the next run, nor a copy, nor a touched document', async () => {
    h = await harness(2);
    await h.collect();
    const first = (await h.stored()).length;
    h.clock.advance(60 * 60_000);
    const cvad = h.generated.find((d) => d.name.startsWith('cvad-'))!;
    await copyFile(join(h.documents, cvad.name), join(h.documents, `copy-of-${cvad.name}`));
    const later = new Date(Date.now() - 120_000);
    await utimes(join(h.documents, cvad.name), later, later);
    const again = await h.collect();
    expect(again.streams[0]).toMatchObject({ status: 'ok', records: 0, deadLetters: 0 });
    expect(await h.stored()).toHaveLength(first);
  });

  it('reads an edited document again as version 2, and leaves one being written for the next run', async () => {
    h = await harness(1, 0);
    await h.collect();
    const cvad = h.generated.find((d) => d.name.startsWith('cvad-'))!;
    const events = JSON.parse(await readFile(join(h.documents, cvad.name), 'utf8')) as JsonRecord[];
    events.push({ ...events[0]!, id: 'added-later' });
    await writeFile(join(h.documents, cvad.name), JSON.stringify(events));
    const settled = new Date(Date.now() - 120_000);
    await utimes(join(h.documents, cvad.name), settled, settled);
    await appendFile(join(h.documents, 'cvad-being-written.ndjson'), `${JSON.stringify(events[1])}\n`);
    h.clock.advance(60 * 60_000);
    const second = await h.collect({ settleSeconds: 30 });
    expect(second.streams[0]).toMatchObject({ records: events.length });
    const versions = (await h.stored()).filter((r) => r.documentName === cvad.name);
    expect(versions.filter((r) => r.documentVersion === 2)).toHaveLength(events.length);
    expect(versions.filter((r) => r.documentVersion === 1)).toHaveLength(events.length - 1);
    expect((await h.stored()).some((r) => r.documentName === 'cvad-being-written.ndjson')).toBe(false);
    // Settled now: the next run reads it.
    const old = new Date(Date.now() - 60_000);
    await utimes(join(h.documents, 'cvad-being-written.ndjson'), old, old);
    h.clock.advance(60 * 60_000);
    const third = await h.collect({ settleSeconds: 30 });
    expect(third.streams[0]).toMatchObject({ records: 1 });
  });

  it('deadletter replay refuses an event the source still refuses, and delivers a corrected one in the record shape', async () => {
    h = await harness(1, 0);
    const cvad = h.generated.find((d) => d.name.startsWith('cvad-'))!;
    const events = JSON.parse(await readFile(join(h.documents, cvad.name), 'utf8')) as JsonRecord[];
    const bad = structuredClone(events[0]!);
    bad.id = 'refused-yesterday';
    (bad.payload as JsonRecord).licenseActivityTimeStamp = 'yesterday';
    await writeFile(join(h.documents, 'cvad-yesterday.json'), JSON.stringify([bad]));
    const collected = await h.collect();
    expect(collected.streams[0]).toMatchObject({ deadLetters: 1 });
    const before = (await h.stored()).length;
    const target = () => ({ stream: h.source().streams[0]!, tenantField: 'citrix_customer_id' });

    const refused = await replayDeadLetters({ sink: h.sink, target });
    expect(refused.map((r) => [r.replayedNow, r.stillInvalid])).toEqual([[0, 1]]);
    expect(refused[0]!.reasons.join()).toContain('licenseActivityTimeStamp');
    expect(await h.stored()).toHaveLength(before);

    // Corrected by hand in its dead letter: replayed as collection would have delivered it.
    const letters = join(h.directory, 'out', '_deadletter', 'telemetry');
    const files = await readdir(letters, { recursive: true, withFileTypes: true });
    const file = files.find((f) => f.isFile())!;
    const path = join(file.parentPath, file.name);
    await writeFile(path, (await readFile(path, 'utf8')).replace('"yesterday"', '"2026-03-09T12:00:00Z"'));
    const replayed = await replayDeadLetters({ sink: h.sink, target });
    expect(replayed.map((r) => [r.replayedNow, r.stillInvalid])).toEqual([[1, 0]]);
    const record = (await h.stored()).find((r) => r.eventId === 'refused-yesterday')!;
    expect(record).toMatchObject({
      kind: 'cvad.license',
      eventTime: bad.st,
      documentName: 'cvad-yesterday.json',
      documentVersion: 1,
      citrix_customer_id: CUSTOMER,
    });
    expect(record).not.toHaveProperty('event');
    expect(record).not.toHaveProperty('index');
  });

  it('loses and repeats nothing when runs die mid-window, whatever page they die at', async () => {
    h = await harness(2);
    const complete = await harness(2);
    await complete.collect();
    const truth = (await complete.stored()).map(keyOf).sort();
    await complete.cleanup();
    for (let failAt = 1; ; failAt += 2) {
      let writes = 0;
      const inner = fileSink(
        { directory: join(h.directory, 'out') },
        { logger: silentLogger(), clock: h.clock },
      );
      const dying: Sink = {
        ...inner,
        async write(batch) {
          if (++writes === failAt) throw new Error('killed');
          return inner.write(batch);
        },
      };
      const summary = await h.collect({ sink: dying });
      if (summary.streams[0]!.status === 'ok') break;
      expect(summary.streams[0]!.status).toBe('failed');
    }
    expect((await h.stored()).map(keyOf).sort()).toEqual(truth);
  });
});
