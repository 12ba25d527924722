import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Emulator,
  QUERY_TIMEOUT_ERROR_CODE,
  QUERY_TIMEOUT_STATUS,
  startEmulator,
} from '../src/index.ts';
import { getJson, login, monitorPath, type Session, windowFilter } from './emulator-client.ts';

const NOW = Date.UTC(2024, 7, 6, 12, 30);
const HOUR = 3_600_000;

describe('query timeout', () => {
  let emulator: Emulator;
  let session: Session;

  beforeAll(async () => {
    // One hour of Sessions scans 10 creation hours (the window plus 9 h of possible lifetime) = 2,000 rows.
    emulator = await startEmulator({ now: () => NOW, queryTimeout: { maxScannedRows: 2_500, delayMs: 120 } });
    session = await login(emulator);
  });
  afterAll(() => emulator.close());

  it('answers a narrow window normally', async () => {
    const filter = windowFilter('ModifiedDate', new Date(NOW - 2 * HOUR), new Date(NOW - HOUR));
    const { status } = await getJson(emulator, session, monitorPath('Sessions', { $filter: filter }));
    expect(status).toBe(200);
  });

  it('fails a query that scans too many rows after the configured delay, like the 30 s timeout', async () => {
    const t0 = performance.now();
    const { status, body } = await getJson<{ error: { code: string; message: string } }>(
      emulator,
      session,
      monitorPath('Sessions', {
        $filter: windowFilter('ModifiedDate', new Date(NOW - 48 * HOUR), new Date(NOW)),
        $count: 'true',
      }),
    );
    expect(performance.now() - t0).toBeGreaterThanOrEqual(110);
    expect(status).toBe(QUERY_TIMEOUT_STATUS);
    expect(status).toBe(500);
    expect(body.error.code).toBe(QUERY_TIMEOUT_ERROR_CODE);
    expect(body.error.message).toMatch(/timed out/);
    expect(emulator.stats().injected.queryTimeout).toBe(1);
  });

  it('charges a query that bounds no indexed column ten times a row: the same rows time out', async () => {
    // All 300 users' current versions lie in the last 7 days. Citrix's OpenAPI indexes Users on Sid,
    // not on ModifiedDate: bounded by ModifiedDate alone they are scanned (3,000 > 2,500).
    const week = windowFilter('ModifiedDate', new Date(NOW - 7 * 24 * HOUR), new Date(NOW));
    const scanned = await getJson(emulator, session, monitorPath('Users', { $filter: week, $count: 'true' }));
    expect(scanned.status).toBe(QUERY_TIMEOUT_STATUS);
    // The same rows, also bounded by the indexed Sid: an index seek, within the limit.
    const seek = await getJson<{ value: unknown[] }>(
      emulator,
      session,
      monitorPath('Users', { $filter: `Sid gt '' and ${week}`, $count: 'true', $top: '1' }),
    );
    expect(seek.status).toBe(200);
    expect(seek.body['@odata.count' as keyof typeof seek.body]).toBe(300);
  });

  it('also applies to casodata', async () => {
    const { status } = await getJson(emulator, session, '/casodata/sessions?year=2024&month=08&day=05');
    expect(status).toBe(QUERY_TIMEOUT_STATUS);
  });

  it('is replaced at runtime (setQueryTimeout): off, lower, then as configured again', async () => {
    const day = monitorPath('Sessions', {
      $filter: windowFilter('ModifiedDate', new Date(NOW - 48 * HOUR), new Date(NOW)),
      $count: 'true',
    });
    const hour = monitorPath('Sessions', {
      $filter: windowFilter('ModifiedDate', new Date(NOW - 2 * HOUR), new Date(NOW - HOUR)),
    });
    try {
      emulator.setQueryTimeout({ maxScannedRows: null });
      expect((await getJson(emulator, session, day)).status).toBe(200);
      // An hour scans 2,000 rows: within 2,500, not within 1,000.
      emulator.setQueryTimeout({ maxScannedRows: 1_000, delayMs: 0 });
      expect((await getJson(emulator, session, hour)).status).toBe(QUERY_TIMEOUT_STATUS);
    } finally {
      emulator.setQueryTimeout({ maxScannedRows: 2_500, delayMs: 120 });
    }
    expect((await getJson(emulator, session, hour)).status).toBe(200);
    expect((await getJson(emulator, session, day)).status).toBe(QUERY_TIMEOUT_STATUS);
  });
});
