/**
 * The emulator's System Log and DaaS configuration log over HTTP, as a client meets them: parameter
 * names in any case, newest first, limits, inclusive System Log bounds, continuation tokens bound to their
 * query, the site from `/me` required as `Citrix-InstanceId`, an operation without its end while it runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, SYSTEM_LOG_EVENTS, SYSTEM_LOG_LOCALES, startEmulator } from '../src/index.ts';
import { apiGet, authHeaders, login, type Session, useEmulator } from './emulator-client.ts';

const NOW = Date.parse('2026-03-15T12:00:00Z');
let emulator: Emulator;
let session: Session;
let now = NOW;
beforeAll(async () => {
  emulator = await startEmulator({ seed: 21, now: () => now });
  session = await login(emulator);
});
afterAll(async () => {
  await emulator?.close();
});

const json = async <T>(response: Response) => ({
  status: response.status,
  body: (await response.json()) as T,
});

interface SearchPage {
  Items: Record<string, unknown>[];
  ContinuationToken: string | null;
  TotalItems: number;
}

interface SystemLogPage {
  items: Record<string, unknown>[];
  continuationToken: string | null;
}

async function systemLog(query: string) {
  return json<SystemLogPage & { detail?: string; type?: string }>(
    await apiGet(emulator, session, `/systemlog/records?${query}`),
  );
}

const search = async (body: unknown, query = '', headers: Record<string, string> = {}) =>
  json<SearchPage>(
    await fetch(`${emulator.url}/cvad/manage/ConfigLog/Operations/$search${query}`, {
      method: 'POST',
      headers: { ...authHeaders(session), 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    }),
  );

const window = (from: string, to: string) => ({
  SearchFilters: [
    { Property: 'StartTime', Value: from, Operator: 'GreaterThanOrEquals' },
    { Property: 'StartTime', Value: to, Operator: 'LessThan' },
  ],
});

describe('System Log records', () => {
  it('pages newest first, camelCase, 50 by default, until the token is null; every page the same query', async () => {
    const truth = emulator.data.systemLog('demo', {
      from: new Date('2026-03-13T00:00:00Z'),
      to: new Date('2026-03-15T00:00:00Z'),
    });
    expect(truth.length).toBeGreaterThan(60);
    const served: Record<string, unknown>[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const query: string = `StartDateTime=2026-03-13T00:00:00Z&EndDateTime=2026-03-14T23:59:59.999Z${token ? `&ContinuationToken=${encodeURIComponent(token)}` : ''}`;
      const { status, body } = await systemLog(query);
      expect(status).toBe(200);
      expect(body.items.length).toBeLessThanOrEqual(50);
      served.push(...body.items);
      token = body.continuationToken;
      pages++;
    } while (token);
    expect(pages).toBe(Math.ceil(truth.length / 50));
    expect(served).toEqual([...truth].reverse());
    const [first] = served;
    expect(Object.keys(first!)).toEqual(
      expect.arrayContaining(['recordId', 'utcTimestamp', 'eventType', 'targetType', 'actorType', 'message']),
    );
    expect(String(first!.utcTimestamp)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$/);
  });

  it('reads parameter names in any case, includes both bounds, and refuses what it cannot serve', async () => {
    const [record] = emulator.data.systemLog('demo', {
      from: new Date('2026-03-14T00:00:00Z'),
      to: new Date('2026-03-14T06:00:00Z'),
    });
    const at = new Date(Date.parse(String(record!.utcTimestamp))).toISOString();
    for (const query of [`startDateTime=${at}&endDateTime=${at}`, `StartDateTime=${at}&ENDDATETIME=${at}`]) {
      const { body } = await systemLog(query);
      expect(body.items.map((r) => r.recordId)).toEqual([record!.recordId]);
    }
    const tooMany = await systemLog('Limit=201');
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.type).toBe('https://errors-api.cloud.com/common/outOfRange');
    const backwards = await systemLog('StartDateTime=2026-03-14T00:00:00Z&EndDateTime=2026-03-13T00:00:00Z');
    expect(backwards.status).toBe(400);
    expect(backwards.body.type).toMatch(/getRecordsDateTimeRangeInvalid$/);
    expect((await systemLog('StartDateTime=yesterday')).body.detail).toContain('startDateTime');
    const first = await systemLog('StartDateTime=2026-03-13T00:00:00Z&Limit=5');
    const token = first.body.continuationToken!;
    const other = await systemLog(
      `StartDateTime=2026-03-12T00:00:00Z&Limit=5&ContinuationToken=${encodeURIComponent(token)}`,
    );
    expect(other.status).toBe(400);
    expect((await apiGet(emulator, session, '/systemlog/other')).status).toBe(404);
  });
});

/**
 * The System Log as Citrix publishes it: the sample answer of developer-docs.citrix.com's System Log
 * "Getting Started" and "Troubleshooting SystemLog APIs" pages, the event tables of docs.citrix.com's
 * "System Log events for the Citrix Cloud platform" / "… for Citrix Workspace", and the camelCase the live
 * API answers (Google's and Cortex's collectors). See admin-audit.ts for each source.
 */
describe('System Log as Citrix documents it', () => {
  /** The sample record's fields, in its order. */
  const SAMPLE_FIELDS = [
    'RecordId',
    'UtcTimestamp',
    'CustomerId',
    'EventType',
    'TargetId',
    'TargetDisplayName',
    'TargetEmail',
    'TargetUserId',
    'TargetType',
    'BeforeChanges',
    'AfterChanges',
    'AgentId',
    'ServiceProfileName',
    'ActorId',
    'ActorDisplayName',
    'ActorType',
    'Message',
  ];
  const camel = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);
  const DOCUMENTED_TYPES: Record<string, string> = {
    'delegatedadministration:administrator/create': 'administrator',
    'platform/administrator/create': 'administrator',
    'platform/administrator/invite': 'administrator',
    'platform/administrator/update': 'administrator',
    'platform/administrator/delete': 'administrator',
    'platform/clientadministrator/create': 'service',
    'platform/clientadministrator/delete': 'service',
    'wxp/url/update': 'subscriber',
    'wxp/identityprovider/update': 'subscriber',
    'wxp/fas/enable': 'subscriber',
  };
  const week = () =>
    emulator.data.systemLog('demo', {
      from: new Date('2026-03-08T00:00:00Z'),
      to: new Date('2026-03-15T00:00:00Z'),
    });

  const pascal = useEmulator({ seed: 21, now: () => NOW, systemLogCasing: 'PascalCase' });

  it('answers in camelCase by default and in the documentation’s PascalCase on request, the same records', async () => {
    const query = 'StartDateTime=2026-03-14T00:00:00Z&EndDateTime=2026-03-14T12:00:00Z&Limit=5';
    const camelPage = (await systemLog(query)).body as unknown as Record<string, unknown>;
    const pascalPage = (await (
      await apiGet(pascal.emulator, pascal.session, `/systemlog/records?${query}`)
    ).json()) as Record<string, unknown>;
    expect(Object.keys(camelPage)).toEqual(['items', 'count', 'estimatedTotalItems', 'continuationToken']);
    expect(Object.keys(pascalPage)).toEqual(['Items', 'Count', 'EstimatedTotalItems', 'ContinuationToken']);
    const camelItems = camelPage.items as Record<string, unknown>[];
    const pascalItems = pascalPage.Items as Record<string, unknown>[];
    expect(camelItems).toHaveLength(5);
    expect(pascalPage.Count).toBe(5);
    expect(pascalPage.EstimatedTotalItems).toBe(camelPage.estimatedTotalItems);
    expect(String(pascalPage.ContinuationToken)).toMatch(/^\+RID:~/);
    for (const [index, record] of pascalItems.entries()) {
      expect(Object.keys(record)).toEqual(SAMPLE_FIELDS);
      expect(Object.keys(camelItems[index]!)).toEqual(SAMPLE_FIELDS.map(camel));
      // Only the top-level names differ: nested keys and values are the same.
      expect(Object.values(record)).toEqual(Object.values(camelItems[index]!));
    }
  });

  it('writes only the event types Citrix documents, each with its documented target type', () => {
    const records = week();
    expect(records.length).toBeGreaterThan(300);
    const seen = new Set(records.map((record) => String(record.eventType)));
    expect([...seen].sort()).toEqual(Object.keys(DOCUMENTED_TYPES).sort());
    expect(SYSTEM_LOG_EVENTS.map((event) => event.eventType).sort()).toEqual(
      Object.keys(DOCUMENTED_TYPES).sort(),
    );
    for (const record of records) {
      expect(record.targetType).toBe(DOCUMENTED_TYPES[String(record.eventType)]);
      expect(String(record.eventType)).toMatch(/^(platform|wxp|delegatedadministration:administrator)\//);
    }
  });

  it('fills an administrator target as the sample: email as display name and TargetEmail, the sample’s AfterChanges', () => {
    const admins = week().filter((record) => record.targetType === 'administrator');
    expect(admins.length).toBeGreaterThan(50);
    for (const record of admins) {
      expect(record.targetEmail).toMatch(/^[a-z.]+@example\.com$/);
      expect(record.targetDisplayName).toBe(record.targetEmail);
      expect(record.targetId).toMatch(/^\d{19}$/);
      expect(record.targetUserId).toMatch(/^[0-9a-f]{32}$/);
      const state = (record.afterChanges ?? record.beforeChanges) as Record<string, unknown>;
      expect(Object.keys(state)).toEqual([
        'CustomerId',
        'Principal',
        'UserId',
        'AccessType',
        'CreatedDate',
        'UpdatedDate',
        'DisplayName',
        'Pending',
      ]);
      expect(Object.values(state).every((value) => typeof value === 'string')).toBe(true);
      expect(state).toMatchObject({
        CustomerId: 'demo',
        Principal: record.targetEmail,
        UserId: record.targetId,
      });
      expect(state.CreatedDate).toMatch(/^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2}$/);
      expect(['False', 'True']).toContain(state.Pending);
    }
  });

  it('writes the sample’s own event as the sample: system actor, no object before, its message in its five locales', () => {
    const samples = week().filter((r) => r.eventType === 'delegatedadministration:administrator/create');
    expect(samples.length).toBeGreaterThan(5);
    for (const record of samples) {
      const id = String(record.targetId);
      expect(record).toMatchObject({
        beforeChanges: null,
        agentId: 'delegatedadministration',
        serviceProfileName: null,
        actorId: null,
        actorDisplayName: 'CwcSystem',
        actorType: 'system',
      });
      expect(record.message).toEqual({
        'en-US': `Created new administrator user '${id}'.`,
        'de-DE': `Der neue Administratorbenutzer '${id}' wurde erstellt.`,
        'es-ES': `Se ha creado el usuario administrador "${id}".`,
        'fr-FR': `L'utilisateur administrateur '${id}' a été créé.`,
        'ja-JP': `新しい管理者ユーザー '${id}' を作成しました。`,
      });
    }
  });

  it('gives every message in the sample’s five locales, and every field the sample’s type', () => {
    expect([...SYSTEM_LOG_LOCALES]).toEqual(['en-US', 'de-DE', 'es-ES', 'fr-FR', 'ja-JP']);
    for (const record of week()) {
      const message = record.message as Record<string, unknown>;
      expect(Object.keys(message)).toEqual([...SYSTEM_LOG_LOCALES]);
      expect(Object.values(message).every((text) => typeof text === 'string' && text.length > 0)).toBe(true);
      for (const name of [
        'recordId',
        'utcTimestamp',
        'customerId',
        'eventType',
        'targetId',
        'targetType',
        'agentId',
      ]) {
        expect(typeof record[name]).toBe('string');
      }
      expect(record.serviceProfileName).toBeNull();
      for (const name of ['beforeChanges', 'afterChanges'])
        expect(record[name] === null || typeof record[name] === 'object').toBe(true);
      expect(record.beforeChanges ?? record.afterChanges).not.toBeNull();
      expect(['system', 'administrator']).toContain(record.actorType);
      expect(record.actorId === null).toBe(record.actorType === 'system');
    }
  });

  it('refuses what the troubleshooting page lists, in its words and shape', async () => {
    const cases: [string, Record<string, unknown>][] = [
      [
        'StartDateTime=2020-07-25T00:00:00Z&EndDateTime=2020-07-24T19:31:10Z',
        {
          type: 'https://errors-api.cloud.com/systemlog/getRecordsDateTimeRangeInvalid',
          detail: 'Start DateTime cannot be after the end DateTime.',
          parameters: { startDateTime: '2020-07-25T00:00:00Z', endDateTime: '2020-07-24T19:31:10Z' },
        },
      ],
      [
        'StartDateTime=invalid',
        {
          type: 'https://errors-api.cloud.com/systemlog/getRecordsDateTimeRangeInvalid',
          detail: 'Invalid value provided for startDateTime.',
          parameters: { startDateTime: 'invalid' },
        },
      ],
      [
        'Limit=10000000',
        {
          type: 'https://errors-api.cloud.com/common/outOfRange',
          detail: 'Maximum items per page is between 1 and 200',
          parameters: { limit: '10000000' },
        },
      ],
      [
        'Limit=invalid',
        {
          type: 'https://errors-api.cloud.com/systemlog/getRecordsLimitInvalid',
          detail: 'Invalid value provided for limit.',
          parameters: { limit: 'invalid' },
        },
      ],
    ];
    for (const [query, body] of cases) {
      const answer = await systemLog(query);
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual(body);
    }
  });
});

describe('DaaS configuration log', () => {
  it('names the site at /me, and requires it as Citrix-InstanceId', async () => {
    const me = await json<{ Customers: { Sites: { Id: string }[] }[] }>(
      await apiGet(emulator, session, '/cvad/manage/me'),
    );
    const site = me.body.Customers[0]!.Sites[0]!.Id;
    expect(site).toBe(emulator.data.siteId('demo'));
    expect((await search(window('2026-03-14T00:00:00Z', '2026-03-15T00:00:00Z'))).status).toBe(400);
    const wrong = await search(window('2026-03-14T00:00:00Z', '2026-03-15T00:00:00Z'), '', {
      'Citrix-InstanceId': 'another-site',
    });
    expect(wrong.status).toBe(404);
    const get = await apiGet(emulator, session, '/cvad/manage/ConfigLog/Operations/$search', {
      headers: { 'Citrix-InstanceId': site },
    });
    expect(get.status).toBe(405);
  });

  it('selects by StartTime, pages newest first by limit and continuationToken, in PascalCase', async () => {
    const site = emulator.data.siteId('demo');
    const from = '2026-03-12T00:00:00Z';
    const to = '2026-03-15T00:00:00Z';
    const truth = emulator.data.configLog('demo', { from: new Date(from), to: new Date(to) });
    expect(truth.length).toBeGreaterThan(20);
    const served: Record<string, unknown>[] = [];
    let token: string | null = null;
    do {
      const query: string = `?limit=7${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`;
      const { status, body } = await search(window(from, to), query, { 'Citrix-InstanceId': site });
      expect(status).toBe(200);
      expect(body.TotalItems).toBe(truth.length);
      served.push(...body.Items);
      token = body.ContinuationToken;
    } while (token);
    expect(served).toEqual([...truth].reverse());
    for (const operation of served) {
      expect(Date.parse(String(operation.FormattedStartTime))).toBeGreaterThanOrEqual(Date.parse(from));
      expect(Date.parse(String(operation.FormattedStartTime))).toBeLessThan(Date.parse(to));
      expect(String(operation.StartTime)).toMatch(/^\d{2}\/\d{2}\/\d{4} : \d{1,2}:\d{2}:\d{2} [AP]M$/);
    }
    expect((await search(window(from, to), '?limit=1001', { 'Citrix-InstanceId': site })).status).toBe(400);
  });

  it('shows an operation still running without its end, and with it once it ended', async () => {
    const site = emulator.data.siteId('demo');
    const long = emulator.data
      .configLog('demo', { from: new Date(NOW - 7 * 86_400_000), to: new Date(NOW) })
      .find(
        (o) => Date.parse(String(o.FormattedEndTime)) - Date.parse(String(o.FormattedStartTime)) > 60_000,
      )!;
    expect(long).toBeDefined();
    const started = Date.parse(String(long.FormattedStartTime));
    const filter = window(new Date(started).toISOString(), new Date(started + 1).toISOString());
    now = started + 30_000;
    try {
      const { body } = await search(filter, '', { 'Citrix-InstanceId': site });
      expect(body.Items).toEqual([{ ...long, EndTime: null, FormattedEndTime: null, IsSuccessful: null }]);
    } finally {
      now = NOW;
    }
    const { body } = await search(filter, '', { 'Citrix-InstanceId': site });
    expect(body.Items).toEqual([long]);
  });
});
