import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.ts';
import { getJson, login, monitorPath, readAllPages, type Session, windowFilter } from './emulator-client.ts';

const NOW = Date.UTC(2024, 7, 6, 12, 30);
const FROM = new Date(Date.UTC(2024, 7, 6, 7, 0));
const TO = new Date(Date.UTC(2024, 7, 6, 9, 0));
const FILTER = windowFilter('ModifiedDate', FROM, TO);

type Row = Record<string, unknown>;

function compareBy(...columns: [string, 'asc' | 'desc'][]) {
  return (a: Row, b: Row): number => {
    for (const [column, direction] of columns) {
      const x = a[column] as string | number | null;
      const y = b[column] as string | number | null;
      if (x === y) continue;
      const order = x === null ? -1 : y === null ? 1 : x < y ? -1 : 1;
      return direction === 'asc' ? order : -order;
    }
    return 0;
  };
}

describe('Monitor query options', () => {
  let emulator: Emulator;
  let session: Session;
  let truth: Row[];

  beforeAll(async () => {
    emulator = await startEmulator({ now: () => NOW, pageSize: 50 });
    session = await login(emulator);
    truth = [...emulator.data.monitor('Sessions', { from: FROM, to: TO })];
  });
  afterAll(() => emulator.close());

  it('$select returns only the selected properties and names them in the context', async () => {
    const { body } = await getJson(
      emulator,
      session,
      monitorPath('Sessions', { $filter: FILTER, $select: 'SessionKey,ModifiedDate' }),
    );
    expect(body['@odata.context']).toMatch(/#Sessions\(SessionKey,ModifiedDate\)$/);
    expect(body.value[0]).toEqual({ SessionKey: truth[0]?.SessionKey, ModifiedDate: truth[0]?.ModifiedDate });
  });

  it('$expand=User($select=UserName,FullName) embeds the user', async () => {
    const { rows } = await readAllPages(
      emulator,
      session,
      monitorPath('Sessions', { $filter: FILTER, $expand: 'User($select=UserName,FullName)' }),
    );
    expect(rows).toHaveLength(truth.length);
    for (const [i, row] of rows.entries()) {
      const expected = emulator.data.monitorRecord('Users', Number(truth[i]?.UserId));
      expect(row.User).toEqual({ UserName: expected?.UserName, FullName: expected?.FullName });
      expect(String((row.User as Row).UserName)).toMatch(/^[a-z]{2,5}\d{3}$/);
      expect(String((row.User as Row).FullName)).toMatch(/^[A-Z][a-z]+, [A-Z][a-z]+ [A-Z]$/);
    }
  });

  it('$expand=Machine embeds the whole machine, together with $select', async () => {
    const { body } = await getJson(
      emulator,
      session,
      monitorPath('Sessions', { $filter: FILTER, $select: 'SessionKey,MachineId', $expand: 'Machine,User' }),
    );
    const first = body.value[0] ?? {};
    expect(Object.keys(first)).toEqual(['SessionKey', 'MachineId', 'Machine', 'User']);
    expect((first.Machine as Row).Id).toBe(first.MachineId);
    expect((first.Machine as Row).Name).toMatch(/^CORP\\VDA-/);
    expect(body['@odata.context']).toMatch(/#Sessions\(SessionKey,MachineId,Machine\(\),User\(\)\)$/);
  });

  it('$expand works on the other navigation properties (Application, Machine)', async () => {
    const instances = await getJson(
      emulator,
      session,
      monitorPath('ApplicationInstances', {
        $filter: FILTER,
        $expand: 'Application($select=PublishedName)',
        $top: '3',
      }),
    );
    expect(instances.body.value).toHaveLength(3);
    for (const row of instances.body.value) {
      const app = emulator.data.monitorRecord('Applications', String(row.ApplicationId));
      expect(row.Application).toEqual({ PublishedName: app?.PublishedName });
    }
    const metric = await getJson(
      emulator,
      session,
      monitorPath('MachineMetric', {
        $filter: windowFilter('CollectedDate', FROM, TO),
        $expand: 'Machine',
        $top: '1',
      }),
    );
    const first = metric.body.value[0] ?? {};
    expect((first.Machine as Row).Id).toBe(first.MachineId);
  });

  it('lists the entity sets in the service document', async () => {
    const { status, body } = await getJson(emulator, session, '/monitorodata');
    expect(status).toBe(200);
    expect(body.value.map((e) => e.name)).toContain('SessionMetrics');
  });

  it('rejects $expand of an unknown navigation property and unsupported nested options', async () => {
    for (const expand of ['Customer', 'User($filter=Id eq 1)', 'User($select=Nope)', 'User(']) {
      const { status } = await getJson(emulator, session, monitorPath('Sessions', { $expand: expand }));
      expect(status, expand).toBe(400);
    }
  });

  it('$orderby with several terms and directions, paged consistently', async () => {
    const { rows, pages } = await readAllPages(
      emulator,
      session,
      monitorPath('Sessions', { $filter: FILTER, $orderby: 'UserId desc,StartDate' }),
    );
    expect(pages.length).toBeGreaterThan(2);
    const expected = [...truth].sort(
      compareBy(['UserId', 'desc'], ['StartDate', 'asc'], ['SessionKey', 'asc']),
    );
    expect(rows.map((r) => r.SessionKey)).toEqual(expected.map((r) => r.SessionKey));
  });

  it('$orderby=ModifiedDate desc reverses the default order', async () => {
    const { rows } = await readAllPages(
      emulator,
      session,
      monitorPath('Sessions', { $filter: FILTER, $orderby: 'ModifiedDate desc' }),
    );
    const expected = [...truth].sort(compareBy(['ModifiedDate', 'desc'], ['SessionKey', 'asc']));
    expect(rows.map((r) => r.SessionKey)).toEqual(expected.map((r) => r.SessionKey));
  });

  it('$top and $skip select a slice of the ordered result', async () => {
    const { rows, pages } = await readAllPages(
      emulator,
      session,
      monitorPath('Sessions', { $filter: FILTER, $skip: '30', $top: '70' }),
    );
    expect(rows).toEqual(truth.slice(30, 100));
    expect(pages.map((p) => p.value.length)).toEqual([50, 20]);
    const sorted = await readAllPages(
      emulator,
      session,
      monitorPath('Sessions', { $filter: FILTER, $orderby: 'StartDate', $skip: '5', $top: '3' }),
    );
    const expected = [...truth].sort(compareBy(['StartDate', 'asc'], ['SessionKey', 'asc'])).slice(5, 8);
    expect(sorted.rows).toEqual(expected);
    const none = await getJson(emulator, session, monitorPath('Sessions', { $filter: FILTER, $top: '0' }));
    expect(none.body.value).toEqual([]);
    expect(none.body['@odata.nextLink']).toBeUndefined();
  });

  it('$count=true adds @odata.count (the total, regardless of $top) to every page', async () => {
    const { pages } = await readAllPages(
      emulator,
      session,
      monitorPath('Sessions', { $filter: FILTER, $count: 'true', $top: '120' }),
    );
    for (const page of pages) expect(page['@odata.count']).toBe(truth.length);
    const { body } = await getJson(emulator, session, monitorPath('Sessions', { $filter: FILTER }));
    expect(body['@odata.count']).toBeUndefined();
  });

  it('rejects invalid values of $top, $skip, $count, $select and $orderby with 400', async () => {
    const invalid: Record<string, string>[] = [
      { $top: '-1' },
      { $skip: 'x' },
      { $count: 'yes' },
      { $select: 'SessionKey,Nope' },
      { $orderby: 'StartDate sideways' },
      { $orderby: 'Nope' },
    ];
    for (const options of invalid) {
      const { status, body } = await getJson<{ type: string }>(
        emulator,
        session,
        monitorPath('Sessions', options),
      );
      expect(status, JSON.stringify(options)).toBe(400);
      expect(body.type).toBe('https://errors-api.cloud.com/common/invalidString');
    }
  });

  it('without a cursor filter, searches the last 7 days only', async () => {
    const { body } = await getJson(emulator, session, monitorPath('Sessions', { $count: 'true', $top: '1' }));
    const week = [
      ...emulator.data.monitor('Sessions', { from: new Date(NOW - 7 * 86_400_000), to: new Date(NOW + 1) }),
    ];
    expect(body['@odata.count']).toBe(week.length);
    expect(body.value[0]).toEqual(week[0]);
  });
});
