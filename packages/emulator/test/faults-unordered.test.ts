import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, type Faults, startEmulator } from '../src/index.ts';
import {
  getJson,
  login,
  monitorPath,
  type ODataPage,
  readAllPages,
  type Session,
  windowFilter,
} from './emulator-client.ts';

const NOW = Date.UTC(2024, 7, 6, 12, 30);
const FROM = new Date(Date.UTC(2024, 7, 6, 7));
const TO = new Date(Date.UTC(2024, 7, 6, 9));
const PAGE_SIZE = 40;
const FILTER = windowFilter('ModifiedDate', FROM, TO);

type Row = Record<string, unknown>;

const keysOf = (rows: readonly Row[]) => rows.map((row) => String(row.SessionKey));
const sorted = (keys: readonly string[]) => [...keys].sort();

describe('unordered fault', () => {
  let emulator: Emulator | undefined;
  afterEach(async () => {
    await emulator?.close();
    emulator = undefined;
  });

  const start = async (faults: Faults): Promise<{ emu: Emulator; session: Session }> => {
    emulator = await startEmulator({ now: () => NOW, pageSize: PAGE_SIZE, faults });
    return { emu: emulator, session: await login(emulator) };
  };

  /** The sizes of a read's pages: all but the last are the read's page size. */
  const pageSizeOf = (pages: readonly ODataPage[]) => {
    const sizes = new Set(pages.slice(0, -1).map((page) => page.value.length));
    expect(sizes.size).toBe(1);
    const [size = 0] = sizes;
    expect(pages.at(-1)?.value.length).toBeLessThanOrEqual(size);
    return size;
  };

  it('returns the same rows in a different order and different page cuts on every read', async () => {
    const { emu, session } = await start({ unordered: true });
    const truth = keysOf([...emu.data.monitor('Sessions', { from: FROM, to: TO })]);
    expect(truth.length).toBeGreaterThan(200);

    const reads = [];
    for (let i = 0; i < 3; i++) {
      const { rows, pages } = await readAllPages(
        emu,
        session,
        monitorPath('Sessions', { $filter: FILTER, $count: 'true' }),
      );
      const keys = keysOf(rows);
      // Nothing repeated, nothing skipped: the window's rows exactly, in some order.
      expect(new Set(keys).size).toBe(keys.length);
      expect(sorted(keys)).toEqual(sorted(truth));
      expect(keys).not.toEqual(truth);
      for (const page of pages) expect(page['@odata.count']).toBe(truth.length);
      const size = pageSizeOf(pages);
      expect(size).toBeGreaterThanOrEqual(PAGE_SIZE / 2);
      expect(size).toBeLessThan(1.5 * PAGE_SIZE);
      reads.push({ keys, size });
    }
    const [first, second, third] = reads;
    expect(second?.keys).not.toEqual(first?.keys);
    expect(third?.keys).not.toEqual(second?.keys);
    expect(new Set(reads.map((read) => read.size)).size).toBeGreaterThan(1);
    expect(emu.stats().injected.unordered).toBe(3);
  });

  it('is not just cursor order cut differently: rows of one page span the window', async () => {
    const { emu, session } = await start({ unordered: true });
    const { body } = await getJson(emu, session, monitorPath('Sessions', { $filter: FILTER }));
    const times = body.value.map((row) => Date.parse(String(row.ModifiedDate)));
    const ascending = times.every((t, i) => i === 0 || t >= (times[i - 1] ?? 0));
    expect(ascending).toBe(false);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThan(60 * 60_000);
  });

  it('honours $orderby, $top and $skip while still varying the page size', async () => {
    const { emu, session } = await start({ unordered: true });
    const { rows, pages } = await readAllPages(
      emu,
      session,
      monitorPath('Sessions', { $filter: FILTER, $orderby: 'ModifiedDate desc', $top: '150' }),
    );
    const expected = [...emu.data.monitor('Sessions', { from: FROM, to: TO })]
      .sort(
        (a, b) =>
          Date.parse(String(b.ModifiedDate)) - Date.parse(String(a.ModifiedDate)) ||
          String(a.SessionKey).localeCompare(String(b.SessionKey)),
      )
      .slice(0, 150);
    expect(keysOf(rows)).toEqual(keysOf(expected));
    expect(pageSizeOf(pages)).not.toBe(PAGE_SIZE);

    const top = await readAllPages(emu, session, monitorPath('Sessions', { $filter: FILTER, $top: '95' }));
    const keys = keysOf(top.rows);
    expect(keys).toHaveLength(95);
    expect(new Set(keys).size).toBe(95);
    const truth = new Set(keysOf([...emu.data.monitor('Sessions', { from: FROM, to: TO })]));
    for (const key of keys) expect(truth.has(key)).toBe(true);

    const skipped = await readAllPages(
      emu,
      session,
      monitorPath('Sessions', { $filter: FILTER, $skip: '30' }),
    );
    const rest = keysOf(skipped.rows);
    expect(rest).toHaveLength(truth.size - 30);
    expect(new Set(rest).size).toBe(rest.length);
  });

  it('can be switched at runtime; a read begun under the fault finishes in its own order', async () => {
    const { emu, session } = await start({});
    const truth = keysOf([...emu.data.monitor('Sessions', { from: FROM, to: TO })]);
    emu.setFaults({ unordered: true });
    const first = await getJson(emu, session, monitorPath('Sessions', { $filter: FILTER }));
    expect(first.body.value.length).not.toBe(PAGE_SIZE);
    emu.setFaults({});
    const rest = await readAllPages(emu, session, first.body['@odata.nextLink'] ?? '');
    const keys = keysOf([...first.body.value, ...rest.rows]);
    expect(new Set(keys).size).toBe(keys.length);
    expect(sorted(keys)).toEqual(sorted(truth));
    expect(keys).not.toEqual(truth);
    // A new read without the fault is in cursor order again, in pages of the configured size.
    const fresh = await readAllPages(emu, session, monitorPath('Sessions', { $filter: FILTER }));
    expect(keysOf(fresh.rows)).toEqual(truth);
    expect(fresh.pages[0]?.value).toHaveLength(PAGE_SIZE);
  });

  it('draws the same reads for the same seed and fault configuration', async () => {
    const read = async () => {
      const { emu, session } = await start({ unordered: true });
      const { rows } = await readAllPages(emu, session, monitorPath('Sessions', { $filter: FILTER }));
      await emu.close();
      emulator = undefined;
      return keysOf(rows);
    };
    expect(await read()).toEqual(await read());
  });
});
