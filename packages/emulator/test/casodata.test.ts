import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CASODATA_MAX_TOP, type Emulator, startEmulator } from '../src/index.ts';
import { getJson, login, type Session } from './emulator-client.ts';

const NOW = Date.UTC(2024, 7, 6, 12, 30);
const HOUR = 3_600_000;

type Row = Record<string, unknown>;

describe('casodata (Analytics for Performance)', () => {
  let emulator: Emulator;
  let session: Session;

  beforeAll(async () => {
    emulator = await startEmulator({ now: () => NOW });
    session = await login(emulator);
  });
  afterAll(() => emulator.close());

  /** A non-empty complete hour of the day before NOW. */
  const fullHour = (entity: string) => {
    for (let h = 0; h < 24; h++) {
      const start = new Date(Date.UTC(2024, 7, 5, h));
      if (!emulator.data.isEmptyCasodataHour(entity, start)) return start;
    }
    throw new Error('no data hour');
  };
  const hourQuery = (hourStart: Date) =>
    `year=${hourStart.getUTCFullYear()}&month=${String(hourStart.getUTCMonth() + 1).padStart(2, '0')}&day=${String(hourStart.getUTCDate()).padStart(2, '0')}&hour=${hourStart.getUTCHours()}`;

  const pageThrough = async (entity: string, query: string, top: number) => {
    const rows: Row[] = [];
    let pages = 0;
    for (let skip = 0; ; skip += top) {
      const { status, body } = await getJson<{ value: Row[] }>(
        emulator,
        session,
        `/casodata/${entity}?${query}&$top=${top}&$skip=${skip}`,
      );
      expect(status).toBe(200);
      expect(Object.keys(body)).toEqual(['value']);
      rows.push(...body.value);
      pages++;
      if (body.value.length < top) return { rows, pages };
    }
  };

  it('pages an hour with $top/$skip until a short page, matching the ground truth', async () => {
    for (const entity of emulator.data.casodataEntities()) {
      const hour = fullHour(entity);
      const truth = emulator.data.casodata(entity, hour);
      expect(truth.length, entity).toBeGreaterThan(10);
      const { rows, pages } = await pageThrough(entity, hourQuery(hour), 37);
      expect(rows, entity).toEqual(truth);
      expect(pages).toBe(Math.floor(truth.length / 37) + 1);
    }
  });

  it('returns realistic session, machine and user fields', () => {
    const session = emulator.data.casodata('sessions', fullHour('sessions'))[0] ?? {};
    for (const field of [
      'sessionKey',
      'sessionScore',
      'sessionState',
      'user',
      'machine',
      'sessionStartTime',
      'sessionEndTime',
    ]) {
      expect(session).toHaveProperty(field);
    }
    expect(String(session.sessionKey)).toMatch(/^[0-9a-f-]{36}$/);
    expect(emulator.data.casodata('machines', fullHour('machines'))[0]).toHaveProperty('machineScore');
    expect(emulator.data.casodata('users', fullHour('users'))[0]).toHaveProperty('userScore');
  });

  it('uses the same session keys as Monitor', () => {
    const hour = fullHour('sessions');
    const keys = new Set(emulator.data.casodata('sessions', hour).map((r) => r.sessionKey));
    const monitor = [
      ...emulator.data.monitor('Sessions', {
        from: new Date(hour.getTime()),
        to: new Date(hour.getTime() + 10 * HOUR),
      }),
    ];
    const started = monitor.filter((r) => {
      const start = Date.parse(String(r.StartDate));
      return start >= hour.getTime() && start < hour.getTime() + HOUR;
    });
    expect(started.length).toBe(keys.size);
    for (const row of started) expect(keys.has(row.SessionKey)).toBe(true);
  });

  it('answers an empty value for the deterministic empty hours (about 1 in 12)', async () => {
    let empty = 0;
    for (let h = 0; h < 72; h++) {
      const start = new Date(Date.UTC(2024, 7, 3, 0) + h * HOUR);
      if (!emulator.data.isEmptyCasodataHour('sessions', start)) continue;
      empty++;
      const { body } = await getJson<{ value: Row[] }>(
        emulator,
        session,
        `/casodata/sessions?${hourQuery(start)}`,
      );
      expect(body).toEqual({ value: [] });
    }
    expect(empty).toBeGreaterThan(1);
    expect(empty).toBeLessThan(15);
  });

  it('returns only what exists so far for the current hour, and nothing for the future', async () => {
    const current = new Date(Date.UTC(2024, 7, 6, 12));
    const rows = emulator.data.casodata('sessions', current);
    for (const row of rows) expect(Date.parse(String(row.sessionStartTime))).toBeLessThan(NOW);
    if (!emulator.data.isEmptyCasodataHour('sessions', current)) {
      expect(rows.length).toBeGreaterThan(50);
      expect(rows.length).toBeLessThan(150);
    }
    const future = await getJson<{ value: Row[] }>(
      emulator,
      session,
      `/casodata/sessions?${hourQuery(new Date(NOW + HOUR))}`,
    );
    expect(future.body.value).toEqual([]);
  });

  it('answers a whole day without hour, in time order', async () => {
    const { rows } = await pageThrough('machines', 'year=2024&month=08&day=05', 500);
    const expected = Array.from({ length: 24 }, (_, h) =>
      emulator.data.casodata('machines', new Date(Date.UTC(2024, 7, 5, h))),
    ).flat();
    expect(rows).toEqual(expected);
  });

  it('supports $select and $orderby', async () => {
    const hour = fullHour('sessions');
    const { body } = await getJson<{ value: Row[] }>(
      emulator,
      session,
      `/casodata/sessions?${hourQuery(hour)}&$select=sessionKey,sessionScore,sessionState&$orderby=sessionScore desc&$top=5`,
    );
    expect(body.value).toHaveLength(5);
    expect(Object.keys(body.value[0] ?? {})).toEqual(['sessionKey', 'sessionScore', 'sessionState']);
    const scores = emulator.data
      .casodata('sessions', hour)
      .map((r) => r.sessionScore as number | null)
      .sort((a, b) => (a === null ? 1 : b === null ? -1 : b - a));
    expect(body.value.map((r) => r.sessionScore)).toEqual(scores.slice(0, 5));
  });

  it('answers 400 for missing or invalid date parameters and unsupported options', async () => {
    for (const query of [
      '',
      'year=2024&month=08',
      'month=08&day=05',
      'year=2024&month=13&day=05',
      'year=2024&month=02&day=30',
      'year=2024&month=08&day=05&hour=24',
      'year=24&month=08&day=05',
      'year=2024&month=08&day=05&$filter=sessionScore gt 5',
      'year=2024&month=08&day=05&$select=nope',
      `year=2024&month=08&day=05&$top=${CASODATA_MAX_TOP + 1}`,
    ]) {
      const { status, body } = await getJson<{ error: { code: string; message: string } }>(
        emulator,
        session,
        `/casodata/sessions?${query}`,
      );
      expect(status, query).toBe(400);
      expect(body.error.code).toBe('BadRequest');
    }
    const unknown = await getJson(emulator, session, '/casodata/widgets?year=2024&month=08&day=05');
    expect(unknown.status).toBe(404);
  });
});
