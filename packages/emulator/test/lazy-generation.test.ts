import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.ts';
import { getJson, login, monitorPath, type Session, windowFilter } from './emulator-client.ts';

const NOW = Date.UTC(2024, 7, 6, 12, 30);
const HOUR = 3_600_000;
const RATE = 100_000;

describe('lazy generation', () => {
  let emulator: Emulator;
  let session: Session;

  beforeAll(async () => {
    // A query costs the rows in its cursor range (the real service seeks on its index): about RATE per
    // hour of ModifiedDate. The limit lets a one-hour window through and stops a three-hour one.
    emulator = await startEmulator({
      now: () => NOW,
      sessionsPerHour: RATE,
      pageSize: 1000,
      // Rows generated, one for one: what is measured here is the emulator's own generation.
      queryTimeout: { maxScannedRows: 2.5 * RATE, delayMs: 1, unindexedRowCost: 1 },
    });
    session = await login(emulator);
  });
  afterAll(() => emulator.close());

  it('answers pages of a one-hour window at 100,000 sessions per hour', async () => {
    const filter = windowFilter('ModifiedDate', new Date(NOW - 3 * HOUR), new Date(NOW - 2 * HOUR));
    const first = await getJson(emulator, session, monitorPath('Sessions', { $filter: filter }));
    expect(first.status).toBe(200);
    expect(first.body.value).toHaveLength(1000);
    const second = await getJson(emulator, session, first.body['@odata.nextLink'] ?? '');
    expect(second.status).toBe(200);
    expect(second.body.value).toHaveLength(1000);
    const last = first.body.value.at(-1);
    expect(Date.parse(String(second.body.value[0]?.ModifiedDate))).toBeGreaterThanOrEqual(
      Date.parse(String(last?.ModifiedDate)),
    );
  }, 60_000);

  it('times out on a window whose cursor range holds more rows than the limit', async () => {
    const filter = windowFilter('ModifiedDate', new Date(NOW - 5 * HOUR), new Date(NOW - 2 * HOUR));
    const { status } = await getJson(
      emulator,
      session,
      monitorPath('Sessions', { $filter: filter, $count: 'true' }),
    );
    expect(status).toBe(500);
  }, 60_000);

  it('streams the ground truth lazily too', () => {
    const rows = emulator.data.monitor('Sessions', {
      from: new Date(NOW - 3 * HOUR),
      to: new Date(NOW - 2 * HOUR),
    });
    let n = 0;
    for (const row of rows) {
      expect(row.SessionKey).toBeTruthy();
      if (++n === 10) break;
    }
    expect(n).toBe(10);
  }, 60_000);
});
