import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.ts';
import { findEntitySet } from '../src/monitor-schema.ts';
import { cursorWindow, matchesFilter, parseFilter } from '../src/odata-filter.ts';
import { getJson, login, monitorPath, readAllPages, type Session, windowFilter } from './emulator-client.ts';

const sessions = findEntitySet('Sessions');
if (!sessions) throw new Error('Sessions entity set missing');
const scope = { typeName: sessions.typeName, property: sessions.property };
const parse = (text: string) => parseFilter(text, scope);

const T7 = Date.UTC(2024, 7, 6, 7, 0);
const NOW = Date.UTC(2024, 7, 6, 12, 30);

describe('$filter parser and evaluator', () => {
  const row = {
    SessionKey: '4569fdfd-54c4-44c8-81a9-40688a2771d6',
    ConnectionState: 5,
    ModifiedDate: T7 + 500,
    EndDate: null,
    IsAnonymous: false,
    UserId: 6,
  };

  it('evaluates each comparison operator', () => {
    const cases: [string, boolean][] = [
      ['ConnectionState eq 5', true],
      ['ConnectionState ne 5', false],
      ['ConnectionState gt 4', true],
      ['ConnectionState ge 5', true],
      ['ConnectionState lt 5', false],
      ['ConnectionState le 5', true],
      ['5 eq ConnectionState', true],
      ['EndDate eq null', true],
      ['EndDate ne null', false],
      ['EndDate gt 2024-01-01T00:00:00Z', false],
      ['IsAnonymous eq false', true],
      ['IsAnonymous', false],
      ['not IsAnonymous', true],
      ['SessionKey eq 4569FDFD-54C4-44C8-81A9-40688A2771D6', true],
      ['ModifiedDate gt 2024-08-06T07:00:00Z', true],
      ['ModifiedDate gt 2024-08-06T07:00:00.5Z', false],
      ['ModifiedDate ge 2024-08-06T07:00:00.5000000Z', true],
      ['ModifiedDate lt 2024-08-06T07:00:00.5001Z', true],
      ['ModifiedDate eq 2024-08-06T09:00:00.5+02:00', true],
      ['ModifiedDate lt 2024-08-06T07:00Z', false],
    ];
    for (const [text, expected] of cases) expect(matchesFilter(parse(text), row), text).toBe(expected);
  });

  it('combines and / or / not with the OData precedence and parentheses', () => {
    const cases: [string, boolean][] = [
      ['ConnectionState eq 5 and UserId eq 6', true],
      ['ConnectionState eq 5 and UserId eq 7', false],
      ['ConnectionState eq 4 or UserId eq 6', true],
      ['ConnectionState eq 4 or UserId eq 6 and IsAnonymous eq true', false],
      ['(ConnectionState eq 4 or UserId eq 6) and IsAnonymous eq false', true],
      ['not (ConnectionState eq 5)', false],
      ['not (ConnectionState eq 4) and not (UserId eq 7)', true],
      ['((ConnectionState eq 5))', true],
      [
        '(ConnectionState eq 5) and (ModifiedDate gt 2024-08-06T07:00:00Z and ModifiedDate le 2024-08-06T07:10:00Z )',
        true,
      ],
    ];
    for (const [text, expected] of cases) expect(matchesFilter(parse(text), row), text).toBe(expected);
  });

  it("parses single-quoted strings with '' escapes", () => {
    const users = findEntitySet('Users');
    if (!users) throw new Error('Users missing');
    const expr = parseFilter("FullName eq 'O''Brien, Pat' or UserName gt 'a'", users);
    expect(matchesFilter(expr, { FullName: "O'Brien, Pat", UserName: null })).toBe(true);
    expect(matchesFilter(expr, { FullName: 'Other', UserName: 'b' })).toBe(true);
    expect(matchesFilter(expr, { FullName: 'Other', UserName: null })).toBe(false);
  });

  it('rejects what it does not support or understand with a 400 ApiError', () => {
    const bad = [
      'ConnectionState eq',
      'ConnectionState eq 5)',
      '(ConnectionState eq 5',
      'ConnectionState = 5',
      "UserName eq 'open",
      'Nope eq 1',
      "ConnectionState eq '5'",
      "SessionKey eq '4569fdfd-54c4-44c8-81a9-40688a2771d6'",
      'ModifiedDate ge 2024-08-06',
      'ModifiedDate ge 2024-13-06T00:00:00Z',
      "contains(UserName,'a')",
      'User/UserName eq 1',
      'ConnectionState add 1 eq 6',
      'ConnectionState in (1,2)',
      'not ConnectionState eq 5',
      'ConnectionState',
      'ConnectionState eq 5 and UserId',
      '',
    ];
    for (const text of bad) {
      expect(() => parse(text), text).toThrowError(expect.objectContaining({ status: 400 }));
    }
  });

  it('derives the cursor window that limits generation', () => {
    const w = (text: string) => cursorWindow(parse(text), 'ModifiedDate');
    expect(w('ModifiedDate ge 2024-08-06T07:00:00Z and ModifiedDate lt 2024-08-06T08:00:00Z')).toEqual({
      lo: T7,
      hi: T7 + 3_600_000,
    });
    expect(w('ModifiedDate gt 2024-08-06T07:00:00Z and ModifiedDate le 2024-08-06T08:00:00Z')).toEqual({
      lo: T7 + 1,
      hi: T7 + 3_600_001,
    });
    expect(w('2024-08-06T07:00:00Z le ModifiedDate')).toEqual({ lo: T7, hi: Number.POSITIVE_INFINITY });
    expect(w('ConnectionState eq 5 and ModifiedDate ge 2024-08-06T07:00:00Z').lo).toBe(T7);
    expect(w('ConnectionState eq 5 or ModifiedDate ge 2024-08-06T07:00:00Z').lo).toBe(
      Number.NEGATIVE_INFINITY,
    );
    expect(w('not (ModifiedDate lt 2024-08-06T07:00:00Z)').lo).toBe(Number.NEGATIVE_INFINITY);
    expect(
      w(
        '(ModifiedDate ge 2024-08-06T07:00:00Z and ModifiedDate lt 2024-08-06T08:00:00Z) or (ModifiedDate ge 2024-08-06T10:00:00Z and ModifiedDate lt 2024-08-06T11:00:00Z)',
      ),
    ).toEqual({ lo: T7, hi: T7 + 4 * 3_600_000 });
  });
});

describe('$filter over HTTP', () => {
  let emulator: Emulator;
  let session: Session;
  const from = new Date(T7);
  const to = new Date(T7 + 2 * 3_600_000);

  beforeAll(async () => {
    emulator = await startEmulator({ now: () => NOW, pageSize: 500 });
    session = await login(emulator);
  });
  afterAll(() => emulator.close());

  const truth = () => [...emulator.data.monitor('Sessions', { from, to })];
  const fetchFiltered = async (extra: string) =>
    (
      await readAllPages(
        emulator,
        session,
        monitorPath('Sessions', { $filter: `(${windowFilter('ModifiedDate', from, to)}) and (${extra})` }),
      )
    ).rows;

  it('applies each operator exactly like the ground truth', async () => {
    const all = truth();
    const checks: [string, (r: Record<string, unknown>) => boolean][] = [
      ['ConnectionState eq 3', (r) => r.ConnectionState === 3],
      ['ConnectionState ne 3', (r) => r.ConnectionState !== 3],
      ['ConnectionState gt 3', (r) => Number(r.ConnectionState) > 3],
      ['ConnectionState ge 4', (r) => Number(r.ConnectionState) >= 4],
      ['UserId lt 100', (r) => Number(r.UserId) < 100],
      ['UserId le 100', (r) => Number(r.UserId) <= 100],
      ['EndDate eq null', (r) => r.EndDate === null],
      [
        'SessionType eq 1 or (ConnectionState eq 2 and not (UserId gt 150))',
        (r) => r.SessionType === 1 || (r.ConnectionState === 2 && !(Number(r.UserId) > 150)),
      ],
    ];
    for (const [filter, predicate] of checks) {
      const expected = all.filter(predicate);
      expect(expected.length, filter).toBeGreaterThan(0);
      expect(await fetchFiltered(filter), filter).toEqual(expected);
    }
  });

  it('filters on a GUID and on a string', async () => {
    const target = truth()[7];
    const rows = await fetchFiltered(`SessionKey eq ${String(target?.SessionKey)}`);
    expect(rows).toEqual([target]);
    const users = await readAllPages(
      emulator,
      session,
      monitorPath('Users', { $filter: "UserName eq 'nobody''s'" }),
    );
    expect(users.rows).toEqual([]);
  });

  it('answers 400 in the Citrix error shape for bad syntax and unknown options', async () => {
    for (const path of [
      monitorPath('Sessions', { $filter: 'ConnectionState eq eq 5' }),
      monitorPath('Sessions', { $filter: 'Bogus eq 5' }),
      monitorPath('Sessions', { $apply: 'groupby((UserId))' }),
      monitorPath('Sessions', { $search: 'x' }),
      `${monitorPath('Sessions', { $top: '1' })}&$top=2`,
    ]) {
      const { status, body } = await getJson<{ type: string; detail: string }>(emulator, session, path);
      expect(status, path).toBe(400);
      expect(body.type).toBe('https://errors-api.cloud.com/common/invalidString');
      expect(body.detail.length).toBeGreaterThan(5);
    }
  });
});
