import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, type EntitySetDef, MONITOR_ENTITY_SETS, startEmulator } from '../src/index.ts';
import {
  apiGet,
  getJson,
  login,
  monitorPath,
  readAllPages,
  type Session,
  windowFilter,
} from './emulator-client.ts';

const NOW = Date.UTC(2024, 7, 6, 12, 30);

/** A summary of whole days only: a window needs a published day (yesterday's) to hold any row. */
const daySummary = (def: EntitySetDef) =>
  def.model.collection.mode === 'window' && def.model.collection.slotMinutes === 1440;
const FROM = new Date(Date.UTC(2024, 7, 6, 7, 0));
const TO = new Date(Date.UTC(2024, 7, 6, 8, 0));

describe('Monitor OData paging', () => {
  let emulator: Emulator;
  let session: Session;

  beforeAll(async () => {
    emulator = await startEmulator({ now: () => NOW, pageSize: 40 });
    session = await login(emulator);
  });
  afterAll(() => emulator.close());

  it('pages through a window and returns exactly the ground truth, in default order', async () => {
    const { rows, pages } = await readAllPages(
      emulator,
      session,
      monitorPath('Sessions', { $filter: windowFilter('ModifiedDate', FROM, TO) }),
    );
    const truth = [...emulator.data.monitor('Sessions', { from: FROM, to: TO })];
    expect(truth.length).toBeGreaterThan(100);
    expect(rows).toEqual(truth);
    expect(pages.length).toBe(Math.ceil(truth.length / 40));
    for (const page of pages.slice(0, -1)) expect(page.value).toHaveLength(40);
    expect(pages.at(-1)?.['@odata.nextLink']).toBeUndefined();
  });

  it('returns every entity set as its ground truth for a window', async () => {
    for (const def of MONITOR_ENTITY_SETS) {
      const from = daySummary(def) ? new Date(Date.UTC(2024, 7, 5)) : new Date(Date.UTC(2024, 7, 6, 4, 0));
      const to = new Date(Date.UTC(2024, 7, 6, 12, 0));
      // A set without a time column is read whole.
      const filter: Record<string, string> = emulator.data.isSnapshot(def.name)
        ? {}
        : { $filter: windowFilter(emulator.data.cursorColumn(def.name), from, to) };
      const { rows } = await readAllPages(emulator, session, monitorPath(def.name, filter));
      expect(rows, def.name).toEqual([...emulator.data.monitor(def.name, { from, to })]);
      expect(rows.length, def.name).toBeGreaterThan(0);
    }
  });

  it('resolves every navigation property it declares: $expand embeds the entity its foreign key names', async () => {
    const from = new Date(Date.UTC(2024, 7, 6, 9, 0));
    const to = new Date(Date.UTC(2024, 7, 6, 11, 0));
    let expanded = 0;
    for (const def of MONITOR_ENTITY_SETS) {
      for (const navigation of def.navigation) {
        const target = MONITOR_ENTITY_SETS.find((d) => d.name === navigation.target)!;
        const filter: Record<string, string> = emulator.data.isSnapshot(def.name)
          ? {}
          : {
              $filter: windowFilter(
                emulator.data.cursorColumn(def.name),
                daySummary(def) ? new Date(Date.UTC(2024, 7, 5)) : from,
                to,
              ),
            };
        const { rows } = await readAllPages(
          emulator,
          session,
          monitorPath(def.name, { ...filter, $expand: navigation.name }),
        );
        const label = `${def.name}/${navigation.name}`;
        expect(rows.length, label).toBeGreaterThan(0);
        for (const row of rows) {
          const related = row[navigation.name] as Record<string, unknown> | null;
          if (row[navigation.foreignKey] === null) {
            expect(related, label).toBeNull();
            continue;
          }
          expect(related?.[target.key], label).toBe(row[navigation.foreignKey]);
          expanded++;
        }
      }
    }
    expect(expanded).toBeGreaterThan(1_000);
  });

  it('uses CollectedDate for the metric tables and ModifiedDate for the others', () => {
    expect(emulator.data.cursorColumn('SessionMetrics')).toBe('CollectedDate');
    expect(emulator.data.cursorColumn('MachineMetric')).toBe('CollectedDate');
    expect(emulator.data.cursorColumn('Sessions')).toBe('ModifiedDate');
    expect(emulator.data.keyColumn('Sessions')).toBe('SessionKey');
  });

  it('emits absolute nextLinks on our origin carrying the query and an opaque $skiptoken', async () => {
    const filter = windowFilter('ModifiedDate', FROM, TO);
    const { body, headers } = await getJson(emulator, session, monitorPath('Sessions', { $filter: filter }));
    expect(headers.get('odata-version')).toBe('4.0');
    expect(headers.get('content-type')).toBe('application/json; odata.metadata=minimal');
    expect(body['@odata.context']).toBe(`${emulator.url}/monitorodata/$metadata#Sessions`);
    const next = new URL(body['@odata.nextLink'] ?? '');
    expect(next.origin).toBe(emulator.url);
    expect(next.pathname).toBe('/monitorodata/Sessions');
    expect(next.searchParams.get('$filter')).toBe(filter);
    expect(next.searchParams.get('$skiptoken')).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('rejects a $skiptoken reused with a different query', async () => {
    const first = await getJson(
      emulator,
      session,
      monitorPath('Sessions', { $filter: windowFilter('ModifiedDate', FROM, TO) }),
    );
    const token = new URL(first.body['@odata.nextLink'] ?? '').searchParams.get('$skiptoken') ?? '';
    const tampered = await getJson<{ type: string; detail: string }>(
      emulator,
      session,
      monitorPath('Sessions', {
        $filter: windowFilter('ModifiedDate', FROM, new Date(TO.getTime() + 1)),
        $skiptoken: token,
      }),
    );
    expect(tampered.status).toBe(400);
    expect(tampered.body.type).toBe('https://errors-api.cloud.com/common/invalidString');
    const garbage = await apiGet(emulator, session, monitorPath('Sessions', { $skiptoken: '!!!' }));
    expect(garbage.status).toBe(400);
  });

  it('honours $top across server-driven pages', async () => {
    const { rows, pages } = await readAllPages(
      emulator,
      session,
      monitorPath('Sessions', { $filter: windowFilter('ModifiedDate', FROM, TO), $top: '95' }),
    );
    expect(pages.map((p) => p.value.length)).toEqual([40, 40, 15]);
    expect(rows).toEqual([...emulator.data.monitor('Sessions', { from: FROM, to: TO })].slice(0, 95));
  });

  it('compresses with gzip when asked', async () => {
    const response = await new Promise<{ encoding?: string; body: Buffer }>((resolve, reject) => {
      const req = request(
        `${emulator.url}/monitorodata/Users?$top=5`,
        {
          headers: {
            Authorization: `CwsAuth Bearer=${session.token}`,
            'Citrix-CustomerId': 'demo',
            'Accept-Encoding': 'gzip',
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }),
          );
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(response.encoding).toBe('gzip');
    const json = JSON.parse(gunzipSync(response.body).toString('utf8')) as { value: unknown[] };
    expect(json.value).toHaveLength(5);
  });

  it('serves $metadata as EDMX listing the entity sets and their properties', async () => {
    const response = await apiGet(emulator, session, '/monitorodata/$metadata');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/xml/);
    const xml = await response.text();
    for (const def of MONITOR_ENTITY_SETS) expect(xml).toContain(`<EntitySet Name="${def.name}"`);
    // Citrix's OpenAPI requires only the key of a Session (its style-B types) and every non-null
    // property of an Application.
    expect(xml).toMatch(
      /<EntityType Name="Session">[\s\S]*?<Property Name="ConnectionState" Type="Edm.Int32"\/>/,
    );
    expect(xml).toMatch(
      /<EntityType Name="Application">[\s\S]*?<Property Name="Id" Type="Edm.Guid" Nullable="false"\/>/,
    );
    expect(xml).toContain('<Property Name="ModifiedDate" Type="Edm.DateTimeOffset" Nullable="false"/>');
  });

  it('answers 404 with a Citrix notFound error for an unknown entity set', async () => {
    const { status, body } = await getJson<{ type: string; detail: string }>(
      emulator,
      session,
      '/monitorodata/Failures',
    );
    expect(status).toBe(404);
    expect(body.type).toBe('https://errors-api.cloud.com/common/notFound');
    expect(body.detail).toContain('Failures');
  });

  it('formats timestamps like .NET (trailing zeros trimmed) and uses integer enums', () => {
    const rows = [...emulator.data.monitor('Sessions', { from: FROM, to: TO })];
    for (const row of rows) {
      expect(row.ModifiedDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d*[1-9])?Z$/);
      expect([2, 3, 4, 5]).toContain(row.ConnectionState);
      expect(row.LifecycleState).toBe(0);
    }
  });
});

describe('Monitor data over time', () => {
  let now = Date.UTC(2024, 7, 6, 9, 0);
  let emulator: Emulator;

  beforeAll(async () => {
    emulator = await startEmulator({ now: () => now });
  });
  afterAll(() => emulator.close());

  it('shows only data up to now, and sessions move to later windows as they change', () => {
    const all = { from: new Date(Date.UTC(2024, 7, 6, 0, 0)), to: new Date(Date.UTC(2024, 7, 7, 0, 0)) };
    const before = new Map(
      [...emulator.data.monitor('Sessions', all)].map((row) => [row.SessionKey, row] as const),
    );
    for (const row of before.values()) expect(Date.parse(String(row.ModifiedDate))).toBeLessThanOrEqual(now);
    now += 3 * 3_600_000;
    const after = new Map(
      [...emulator.data.monitor('Sessions', all)].map((row) => [row.SessionKey, row] as const),
    );
    expect(after.size).toBeGreaterThan(before.size);
    let moved = 0;
    for (const [key, row] of before) {
      const later = after.get(key);
      expect(later).toBeDefined();
      if (later?.ModifiedDate !== row.ModifiedDate) {
        moved++;
        expect(Date.parse(String(later?.ModifiedDate))).toBeGreaterThan(Date.parse(String(row.ModifiedDate)));
        expect(later?.StartDate).toBe(row.StartDate);
      }
    }
    expect(moved).toBeGreaterThan(10);
  });

  it('keeps every session lifetime within 8 hours', () => {
    const rows = [
      ...emulator.data.monitor('Sessions', { from: new Date(now - 86_400_000), to: new Date(now + 1) }),
    ];
    for (const row of rows) {
      const lifetime = Date.parse(String(row.ModifiedDate)) - Date.parse(String(row.StartDate));
      expect(lifetime).toBeLessThanOrEqual(8 * 3_600_000);
    }
  });

  it('is a pure function of the seed', async () => {
    const same = await startEmulator({ now: () => now });
    const other = await startEmulator({ now: () => now, seed: 2 });
    const range = { from: new Date(now - 3_600_000), to: new Date(now) };
    expect([...same.data.monitor('Sessions', range)]).toEqual([...emulator.data.monitor('Sessions', range)]);
    expect([...other.data.monitor('Sessions', range)]).not.toEqual([
      ...emulator.data.monitor('Sessions', range),
    ]);
    await Promise.all([same.close(), other.close()]);
  });
});

describe('page-size preference', () => {
  it('honours Prefer: odata.maxpagesize up to the maximum page size', async () => {
    const { preferredPageSize, MAX_PAGE_SIZE } = await import('../src/index.ts');
    expect(preferredPageSize('odata.maxpagesize=250', 100)).toBe(250);
    expect(preferredPageSize('return=minimal, odata.maxpagesize=7', 100)).toBe(7);
    expect(preferredPageSize('odata.maxpagesize=999999', 100)).toBe(MAX_PAGE_SIZE);
    expect(preferredPageSize(undefined, 100)).toBe(100);
    expect(preferredPageSize('odata.maxpagesize=zero', 100)).toBe(100);
  });
});
