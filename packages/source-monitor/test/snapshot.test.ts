/**
 * Snapshot streams: a set without a time column (ProbeStages, PublishedDesktopNames, the probe rule
 * links, LhcReport) is read whole on every run, and only row versions no earlier run delivered are
 * delivered — once, through restarts and a run stopped between parts.
 */
import { type JsonRecord, run, type Sink, silentLogger } from '@ctxsiem/core';
import { afterEach, describe, expect, it } from 'vitest';
import { SNAPSHOT_TIME_FIELD } from '../src/index.ts';
import { type MonitorHarness, monitorHarness } from './harness.ts';

const HOUR = 3_600_000;
const SET = 'PublishedDesktopNames';
let h: MonitorHarness;
afterEach(async () => {
  await h?.cleanup();
});

async function collect(harness: MonitorHarness, sink: Sink = harness.sink) {
  const summary = await run({
    source: harness.source({ entities: [SET], pageSize: 3 }),
    sink,
    checkpoints: harness.checkpoints,
    logger: silentLogger(),
    clock: harness.clock,
    // The first run's window: the last hour (a collector's lookback).
    start: new Date(harness.clock.now() - HOUR),
  });
  return summary.streams[0]!;
}

/** A stored record as the service served it (without the tenant and the snapshot time). */
const row = ({ [SNAPSHOT_TIME_FIELD]: _at, citrix_customer_id: _tenant, ...rest }: JsonRecord) =>
  JSON.stringify(rest);

/** The set as the service shows it now. */
const current = (harness: MonitorHarness) =>
  [...harness.emulator.data.monitor(SET, { from: new Date(0), to: new Date(harness.clock.now()) })].map(row);

describe('snapshot streams', () => {
  it('delivers the whole set once, nothing while it is unchanged, and each new version once', async () => {
    h = await monitorHarness();
    const first = await collect(h);
    const before = current(h);
    expect(first).toMatchObject({ status: 'ok', records: before.length, deadLetters: 0 });
    expect((await h.stored(SET)).map(row).sort()).toEqual([...before].sort());

    h.clock.advance(60_000);
    expect(await collect(h)).toMatchObject({ status: 'ok', records: 0 });

    // The set's rows change every few hours (as the Monitor database syncs the site's configuration).
    h.clock.advance(7 * HOUR);
    const after = current(h);
    const changed = after.filter((version) => !before.includes(version));
    expect(changed.length).toBeGreaterThan(0);
    expect(await collect(h)).toMatchObject({ status: 'ok', records: changed.length });
    const stored = (await h.stored(SET)).map(row).sort();
    expect(stored).toEqual([...new Set([...before, ...after])].sort());
    // Every stored version carries when it was collected: the SIEM's time for a row without one.
    for (const record of await h.stored(SET))
      expect(Date.parse(String(record[SNAPSHOT_TIME_FIELD]))).not.toBeNaN();
  });

  it('is left out of a backfill: a set read whole has no past to fill', async () => {
    h = await monitorHarness();
    const now = h.clock.now();
    const summary = await run({
      source: h.source({ entities: [SET, 'Users'] }),
      sink: h.sink,
      checkpoints: h.checkpoints,
      logger: silentLogger(),
      clock: h.clock,
      backfill: { from: new Date(now - 3 * HOUR), to: new Date(now - 2 * HOUR) },
    });
    expect(summary.streams.map((s) => s.stream)).toEqual(['Users']);
    expect(await h.stored(SET)).toEqual([]);
    // The live stream later delivers the whole set, as on a first run.
    expect(await collect(h)).toMatchObject({ status: 'ok', records: current(h).length });
  });

  it('loses and duplicates nothing when a run stops between its parts and the next one resumes', async () => {
    h = await monitorHarness();
    let writes = 0;
    // The process dies after its second part is stored, before the runner could record it.
    const dying: Sink = {
      ...h.sink,
      write: async (batch) => {
        const receipt = await h.sink.write(batch);
        if (++writes === 2) throw new Error('killed');
        return receipt;
      },
    };
    const stopped = await collect(h, dying);
    expect(stopped.status).toBe('failed');
    h.clock.advance(11 * 60_000);
    const resumed = await collect(h);
    expect(resumed.status).toBe('ok');
    const stored = (await h.stored(SET)).map(row);
    expect(stored.length).toBe(new Set(stored).size);
    const before = current(h);
    expect([...stored].sort()).toEqual([...before].sort());
    // The next run delivers only what changed since (a row may have changed in that minute).
    h.clock.advance(60_000);
    const changed = current(h).filter((version) => !before.includes(version));
    expect(await collect(h)).toMatchObject({ status: 'ok', records: changed.length });
  });
});
