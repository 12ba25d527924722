/**
 * The emulator's DaaS Manage API beyond the configuration log search, over HTTP as a client meets it: the
 * session search (`POST /cvad/manage/Sessions/$search`: Microsoft's window filter, `limit`,
 * `continuationToken`, `skip`, `TotalItems`, the sessions the site lists now as they stand now) and the
 * low-level operations of an operation (`GET …/ConfigLog/Operations/{id}/LowLevelOperations`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, SESSION_SEARCH_LIMITS, SESSIONS_PERMISSION, startEmulator } from '../src/index.ts';
import { apiGet, authHeaders, login, type Session } from './emulator-client.ts';

const NOW = Date.parse('2026-03-15T12:07:00Z');
let emulator: Emulator;
let session: Session;
let now = NOW;
beforeAll(async () => {
  emulator = await startEmulator({ seed: 23, now: () => now });
  session = await login(emulator);
});
afterAll(async () => {
  await emulator?.close();
});

interface Collection {
  Items: Record<string, unknown>[];
  ContinuationToken?: string | null;
  TotalItems?: number;
  type?: string;
  detail?: string;
}

const site = () => emulator.data.siteId('demo');

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${emulator.url}${path}`, {
    method: 'POST',
    headers: {
      ...authHeaders(session),
      'Citrix-InstanceId': site(),
      'content-type': 'application/json',
      accept: 'application/json',
      ...headers,
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Collection };
}

async function get(path: string, headers: Record<string, string> = { 'Citrix-InstanceId': site() }) {
  const response = await apiGet(emulator, session, path, { headers });
  return { status: response.status, body: (await response.json()) as Collection };
}

/** Microsoft's connector's body for a window (CitrixDaaS_PollingConfig.json). */
const windowFilter = (from: string, to: string) => ({
  SearchFilters: [
    { Property: 'SessionStateChangeTime', Value: from, Operator: 'GreaterThanOrEquals' },
    { Property: 'SessionStateChangeTime', Value: to, Operator: 'LessThan' },
  ],
});

/** Every item of a search, page by page. */
async function searchAll(body: unknown, limit: number) {
  const items: Record<string, unknown>[] = [];
  let token: string | null | undefined;
  let pages = 0;
  do {
    const query = new URLSearchParams({ limit: String(limit) });
    if (token) query.set('continuationToken', token);
    const page = await post(`/cvad/manage/Sessions/$search?${query}`, body);
    expect(page.status).toBe(200);
    expect(page.body.Items.length).toBeLessThanOrEqual(limit);
    items.push(...page.body.Items);
    token = page.body.ContinuationToken;
    pages++;
  } while (token);
  return { items, pages };
}

describe('POST /cvad/manage/Sessions/$search', () => {
  it('answers the sessions whose last state change is in the window, in pages of `limit`', async () => {
    const from = '2026-03-15T11:00:00Z';
    const to = '2026-03-15T12:00:00Z';
    const truth = emulator.data.daasSessions('demo', { from: new Date(from), to: new Date(to) });
    expect(truth.length).toBeGreaterThan(3);
    const { items, pages } = await searchAll(windowFilter(from, to), 2);
    expect(pages).toBe(Math.ceil(truth.length / 2));
    const ids = (records: Record<string, unknown>[]) => records.map((r) => r.Id).sort();
    expect(ids(items)).toEqual(ids(truth));
    expect(new Set(items.map((r) => r.Id)).size).toBe(items.length);
    const first = await post('/cvad/manage/Sessions/$search?limit=2', windowFilter(from, to));
    expect(first.body.TotalItems).toBe(truth.length);
    for (const item of items) {
      const changed = Date.parse(String(item.FormattedStateChangeTime));
      expect(changed).toBeGreaterThanOrEqual(Date.parse(from));
      expect(changed).toBeLessThan(Date.parse(to));
      // SessionResponseModel's fields (citrix-daas-rest-go), the ones Microsoft's DCR reads among them.
      expect(item).toMatchObject({
        Id: expect.any(String),
        SessionType: expect.stringMatching(/^(Desktop|Application)$/),
        State: expect.stringMatching(/^(Connected|Active|Disconnected)$/),
        AppState: expect.any(String),
        UntrustedUserName: expect.stringMatching(/^EXAMPLE\\/),
        FormattedStartTime: expect.stringMatching(/Z$/),
        StartTime: expect.stringMatching(/^\d{1,2}\/\d{1,2}\/\d{4} \d{1,2}:\d{2}:\d{2} [AP]M$/),
        IsAnonymousUser: false,
        Connection: { Protocol: 'Hdx', ConnectedViaIP: expect.any(String) },
        Client: { IPAddress: expect.any(String), Name: expect.any(String) },
      });
    }
  });

  it('lists only the sessions the site has now, each as it stands now', async () => {
    const all = await searchAll({}, SESSION_SEARCH_LIMITS.max);
    expect(all.items.length).toBeGreaterThan(0);
    for (const item of all.items) {
      expect(Date.parse(String(item.FormattedStartTime))).toBeLessThanOrEqual(NOW);
      expect(Date.parse(String(item.FormattedStateChangeTime))).toBeLessThanOrEqual(NOW);
    }
    now = NOW + 9 * 60 * 60 * 1000;
    session = await login(emulator); // the token of nine hours ago has expired
    try {
      const later = await searchAll({}, SESSION_SEARCH_LIMITS.max);
      const before = new Set(all.items.map((item) => item.Id));
      // Nine hours on, every session listed before has logged off (sessions live at most eight hours).
      expect(later.items.some((item) => before.has(item.Id))).toBe(false);
    } finally {
      now = NOW;
      session = await login(emulator);
    }
  });

  it('filters on SessionState and CurrentUser, and skips', async () => {
    const all = (await searchAll({}, 1000)).items;
    const disconnected = await post('/cvad/manage/Sessions/$search', {
      SearchFilters: [{ Property: 'SessionState', Value: 'Disconnected', Operator: 'Equals' }],
    });
    expect(disconnected.body.Items.map((r) => r.Id)).toEqual(
      all.filter((r) => r.State === 'Disconnected').map((r) => r.Id),
    );
    const user = String(all[0]!.UntrustedUserName);
    const mine = await post('/cvad/manage/Sessions/$search', {
      SearchFilters: [{ Property: 'CurrentUser', Value: user, Operator: 'Equals' }],
    });
    expect(mine.body.Items.length).toBeGreaterThan(0);
    expect(mine.body.Items.every((r) => r.UntrustedUserName === user)).toBe(true);
    const skipped = await post('/cvad/manage/Sessions/$search?skip=2', {});
    expect(skipped.body.Items.map((r) => r.Id)).toEqual(all.slice(2).map((r) => r.Id));
  });

  it('refuses what Citrix documents it may refuse, and what the emulator does not model', async () => {
    const tooMany = await post(`/cvad/manage/Sessions/$search?limit=${SESSION_SEARCH_LIMITS.max + 1}`, {});
    expect(tooMany).toMatchObject({
      status: 400,
      body: { type: 'https://errors-api.cloud.com/common/outOfRange' },
    });
    const unknown = await post('/cvad/manage/Sessions/$search', {
      SearchFilters: [{ Property: 'LoadIndex', Value: '1', Operator: 'Equals' }],
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.detail).toContain('LoadIndex');
    const first = await post('/cvad/manage/Sessions/$search?limit=1', {});
    const elsewhere = await post(
      `/cvad/manage/Sessions/$search?limit=1&continuationToken=${encodeURIComponent(String(first.body.ContinuationToken))}`,
      windowFilter('2026-03-15T11:00:00Z', '2026-03-15T12:00:00Z'),
    );
    expect(elsewhere.status).toBe(400);
    expect((await post('/cvad/manage/Sessions/$search', {}, { 'Citrix-InstanceId': '' })).status).toBe(400);
    const read = await apiGet(emulator, session, '/cvad/manage/Sessions/$search', {
      headers: { 'Citrix-InstanceId': site() },
    });
    expect(read.status).toBe(405);
  });

  it('names its own permission on 403', async () => {
    emulator.setFaults({ forbidden: true });
    try {
      const denied = await post('/cvad/manage/Sessions/$search', {});
      expect(denied.status).toBe(403);
      expect(denied.body.detail).toContain(SESSIONS_PERMISSION);
    } finally {
      emulator.setFaults({});
    }
  });
});

describe('GET /cvad/manage/ConfigLog/Operations/{id}/LowLevelOperations', () => {
  const day = { from: new Date('2026-03-14T00:00:00Z'), to: new Date('2026-03-15T12:00:00Z') };

  it('answers the SDK calls an operation was made of, in the documented shape, in pages', async () => {
    const operations = emulator.data.configLog('demo', day);
    const several = operations.find((op) => String(op.Text).startsWith('Create Machine Catalog'));
    expect(several).toBeDefined();
    const id = String(several!.Id);
    const whole = await get(`/cvad/manage/ConfigLog/Operations/${id}/LowLevelOperations`);
    expect(whole.status).toBe(200);
    expect(whole.body).not.toHaveProperty('TotalItems'); // only $search answers carry it
    expect(whole.body.ContinuationToken).toBeNull();
    expect(whole.body.Items.length).toBe(4);
    for (const item of whole.body.Items) {
      expect(item).toMatchObject({
        Id: expect.any(String),
        OperationId: id,
        OperationType: several!.OperationType,
        Source: several!.Source,
        User: several!.User,
        UserIdentity: several!.UserIdentity,
        StartTime: expect.stringMatching(/^\d{2}\/\d{2}\/\d{4} : \d{1,2}:\d{2}:\d{2} [AP]M$/),
        FormattedStartTime: expect.stringMatching(/Z$/),
        FormattedEndTime: expect.stringMatching(/Z$/),
        TargetTypes: several!.TargetTypes,
        Parameters: [{ Name: 'Cmdlet', Value: expect.any(String) }, expect.anything()],
        Details: [
          expect.objectContaining({
            TargetName: expect.any(String),
            TargetUid: expect.any(String),
            Text: expect.any(String),
          }),
        ],
      });
    }
    expect(whole.body.Items).toEqual(emulator.data.configLogLowLevel('demo', id)!.reverse());
    // The last call ends with the operation, and its success is the operation's.
    const last = whole.body.Items[0]!;
    expect(last.FormattedEndTime).toBe(several!.FormattedEndTime);
    expect(last.IsSuccessful).toBe(several!.IsSuccessful);

    const paged: Record<string, unknown>[] = [];
    let token: string | null | undefined;
    do {
      const query = new URLSearchParams({ limit: '3' });
      if (token) query.set('continuationToken', token);
      const page = await get(`/cvad/manage/ConfigLog/Operations/${id}/LowLevelOperations?${query}`);
      paged.push(...page.body.Items);
      token = page.body.ContinuationToken;
    } while (token);
    expect(paged).toEqual(whole.body.Items);
  });

  it('shows a call still running without its end, and ends it with the operation', async () => {
    const starts = emulator.data
      .configLog('demo', { from: new Date('2026-03-01T00:00:00Z'), to: new Date(NOW) })
      .filter((op) => String(op.Text).startsWith('Create Machine Catalog'));
    const op = starts.at(-1)!;
    const start = Date.parse(String(op.FormattedStartTime));
    now = start + 1000;
    try {
      const running = await get(`/cvad/manage/ConfigLog/Operations/${String(op.Id)}/LowLevelOperations`);
      expect(running.body.Items).toHaveLength(1);
      expect(running.body.Items[0]).toMatchObject({
        EndTime: null,
        FormattedEndTime: null,
        IsSuccessful: null,
      });
      now = Date.parse(String(op.FormattedEndTime));
      const ended = await get(`/cvad/manage/ConfigLog/Operations/${String(op.Id)}/LowLevelOperations`);
      expect(ended.body.Items).toHaveLength(4);
      expect(ended.body.Items.every((item) => item.FormattedEndTime !== null)).toBe(true);
      now = start - 1000;
      expect(
        (await get(`/cvad/manage/ConfigLog/Operations/${String(op.Id)}/LowLevelOperations`)).status,
      ).toBe(404);
    } finally {
      now = NOW;
    }
  });

  it('answers 404 for an operation the site does not have, 400 without the site', async () => {
    const missing = await get(
      '/cvad/manage/ConfigLog/Operations/00000000-0000-4000-a000-000000000000/LowLevelOperations',
    );
    expect(missing).toMatchObject({
      status: 404,
      body: { type: 'https://errors-api.cloud.com/common/notFound' },
    });
    const [op] = emulator.data.configLog('demo', day);
    expect(
      (await get(`/cvad/manage/ConfigLog/Operations/${String(op!.Id)}/LowLevelOperations`, {})).status,
    ).toBe(400);
    const tooMany = await get(
      `/cvad/manage/ConfigLog/Operations/${String(op!.Id)}/LowLevelOperations?limit=1001`,
    );
    expect(tooMany.status).toBe(400);
  });
});
