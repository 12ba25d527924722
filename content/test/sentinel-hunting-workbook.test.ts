import { beforeAll, describe, expect, it } from 'vitest';
import { type ContentWorkspace, contentWorkspace } from '../src/sentinel/content-workspace.ts';
import {
  expandParameters,
  sentinelWorkbooks,
  type Workbook,
  type WorkbookParameter,
  WorkbookSchema,
  workbookItems,
  workbookQueries,
} from '../src/sentinel/workbook.ts';

let ctx: ContentWorkspace;
let workbook: Workbook;
beforeAll(async () => {
  ctx = await contentWorkspace();
  workbook = sentinelWorkbooks().find(({ file }) => file === 'workbooks/daas-experience.json')!.workbook;
}, 120_000);

/** Each problem of a text in the workspace: the library's errors, and a text that reads no table. */
function problemsOf(name: string, query: string): string[] {
  const analysis = ctx.workspace.analyze(query);
  return [
    ...analysis.errors,
    ...(analysis.reads.size === 0 && analysis.calls.size === 0 ? ['reads no table'] : []),
  ].map((problem) => `${name}: ${problem}`);
}

describe('hunting queries, analyzed by Microsoft’s Kusto library against the tables ctxsiem declares', () => {
  it('ask every question a rule asks, and more, with unique ids and names', () => {
    const hunting = ctx.content.hunting.map(({ content }) => content);
    expect(hunting.length).toBeGreaterThanOrEqual(8);
    const asked = new Set(hunting.map((query) => query.question));
    const ruleQuestions = [...new Set(ctx.content.rules.map(({ content }) => content.question))];
    expect(ruleQuestions.length).toBeGreaterThanOrEqual(8);
    expect(ruleQuestions.filter((question) => !asked.has(question))).toEqual([]);
    // Two questions only a longer range answers well: rarely seen clients, and VDAs deregistering.
    expect([...asked].filter((question) => !ruleQuestions.includes(question)).sort()).toEqual([
      'rare-client',
      'vda-deregistration',
    ]);
    expect(new Set(hunting.map((query) => query.id)).size).toBe(hunting.length);
    expect(new Set(hunting.map((query) => query.name)).size).toBe(hunting.length);
    // A rule and a hunting query are distinct saved objects: no id shared with a rule either.
    const ruleIds = new Set(ctx.content.rules.map(({ content }) => content.id));
    expect(hunting.filter((query) => ruleIds.has(query.id))).toEqual([]);
  });

  it('every hunting query analyzes without an error and maps entities to columns of its result', () => {
    const problems = ctx.content.hunting.flatMap(({ file, content }) => {
      const columns = new Set(ctx.workspace.analyze(content.query).columns.map((column) => column.name));
      const mapped = (content.entityMappings ?? []).flatMap((entity) =>
        entity.fieldMappings.map((field) => field.columnName),
      );
      return [
        ...problemsOf(file, content.query),
        ...mapped
          .filter((column) => !columns.has(column))
          .map((column) => `${file}: maps ${column}, not a result column`),
      ];
    });
    expect(problems).toEqual([]);
  });

  it('the failure-burst questions are answered per user and per delivery group', () => {
    const bursts = ctx.content.hunting.filter(({ content }) => content.question === 'failure-burst');
    const groupedBy = bursts.map(({ content }) => /\bby citrix_customer_id, (\w+)/.exec(content.query)?.[1]);
    expect(groupedBy.sort()).toEqual(['DeliveryGroup', 'UserName']);
  });
});

describe('the DaaS experience workbook', () => {
  const SECTIONS = [
    'logon-duration-by-delivery-group',
    'logon-duration-by-phase',
    'failures-by-category',
    'vda-registration-trend',
    'vda-fault-trend',
    'client-inventory',
    'admin-change-log',
    'config-changes',
    'platform-admin-changes',
  ];

  it('has its parameters, a text, and every section', () => {
    const items = workbookItems(workbook.items);
    const names = items.map((item) => item.name);
    expect(names).toEqual(expect.arrayContaining(SECTIONS));
    expect(items.some((item) => item.type === 1)).toBe(true);
    const parameters = items.flatMap((item) => (item.type === 9 ? item.content.parameters : []));
    expect(
      parameters.map((parameter) => [
        parameter.name,
        parameter.type,
        parameter.type === 2 && parameter.multiSelect === true,
      ]),
    ).toEqual([
      ['TimeRange', 4, false],
      ['Tenant', 2, false],
      ['DeliveryGroup', 2, true],
    ]);
    // The admin change log's two queries are inside its group.
    const group = workbook.items.find((item) => item.name === 'admin-change-log');
    expect(group?.type === 12 && group.content.items.map((item) => item.name)).toEqual([
      'config-changes',
      'platform-admin-changes',
    ]);
  });

  it('logon duration is read per delivery group and per phase, against the previous period', () => {
    const queries = new Map(workbookQueries(workbook).map((query) => [query.name, query.text]));
    for (const name of ['logon-duration-by-delivery-group', 'logon-duration-by-phase']) {
      expect(queries.get(name)).toMatch(/percentile\(Seconds, 50\)[\s\S]*percentile\(Seconds, 95\)/);
      expect(queries.get(name)).toContain('"Baseline"');
    }
    for (const phase of [
      'Brokering',
      'VM start',
      'HDX connection',
      'Authentication',
      'GPOs',
      'Logon scripts',
      'Profile load',
      'Interactive session',
    ])
      expect(queries.get('logon-duration-by-phase')).toContain(`"${phase}"`);
  });

  it('every query, parameters’ included, analyzes without an error, for relative and absolute ranges and chosen groups', () => {
    const runs = [
      {},
      {
        values: {
          TimeRange: { start: new Date('2024-08-04T00:00:00Z'), end: new Date('2024-08-05T00:00:00Z') },
          Tenant: 'contoso',
          DeliveryGroup: ['Finance Desktops', 'Office Apps'],
        },
      },
    ];
    const queries = runs.flatMap((options) => workbookQueries(workbook, options));
    expect(queries.length).toBe(2 * 14);
    expect(queries.flatMap(({ name, query }) => problemsOf(name, query))).toEqual([]);
  });

  it('the queries comparing with the previous period set their time in the query; the others take the time range', () => {
    const steps = workbookItems(workbook.items).flatMap((item) => (item.type === 3 ? [item] : []));
    const setInQuery = steps
      .filter((step) => step.content.timeContext?.durationMs === 0)
      .map((step) => step.name);
    expect(setInQuery.sort()).toEqual(['logon-duration-by-delivery-group', 'logon-duration-by-phase']);
    for (const step of steps.filter((one) => !setInQuery.includes(one.name)))
      expect([step.name, step.content.timeContextFromParameter]).toEqual([step.name, 'TimeRange']);
    // Reading twice the range: from the start of the previous period, by ingestion time too.
    for (const name of setInQuery)
      expect(steps.find((step) => step.name === name)!.content.query).toContain(
        'TimeGenerated >= start - period',
      );
  });

  it('ids and step names are unique', () => {
    const items = workbookItems(workbook.items);
    expect(new Set(items.map((item) => item.name)).size).toBe(items.length);
    const ids = items.flatMap((item) =>
      item.type === 9 ? item.content.parameters.map((parameter) => parameter.id) : [],
    );
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('workbook parameters expand as the workbook expands them', () => {
  const parameters: WorkbookParameter[] = [
    {
      id: '00000000-0000-4000-8000-000000000001',
      version: 'KqlParameterItem/1.0',
      name: 'TimeRange',
      type: 4,
      value: { durationMs: 86_400_000 },
    },
    {
      id: '00000000-0000-4000-8000-000000000002',
      version: 'KqlParameterItem/1.0',
      name: 'Group',
      type: 2,
      multiSelect: true,
      quote: "'",
      delimiter: ',',
      value: ['value::all'],
      typeSettings: { selectAllValue: '*' },
    },
    {
      id: '00000000-0000-4000-8000-000000000003',
      version: 'KqlParameterItem/1.0',
      name: 'Tenant',
      type: 2,
      value: 'a',
    },
  ];
  const now = new Date('2024-08-04T12:00:00Z');

  it('a relative range, its start, end and grain; an absolute range', () => {
    expect(expandParameters('T | where TimeGenerated {TimeRange}', parameters, { now })).toBe(
      'T | where TimeGenerated > ago(1d)',
    );
    expect(expandParameters('{TimeRange:start} {TimeRange:end} {TimeRange:grain}', parameters, { now })).toBe(
      'datetime(2024-08-03T12:00:00.000Z) datetime(2024-08-04T12:00:00.000Z) 15m',
    );
    const absolute = {
      TimeRange: { start: new Date('2024-08-01T00:00:00Z'), end: new Date('2024-08-02T00:00:00Z') },
    };
    expect(expandParameters('x {TimeRange}', parameters, { now, values: absolute })).toBe(
      'x between (datetime(2024-08-01T00:00:00.000Z) .. datetime(2024-08-02T00:00:00.000Z))',
    );
  });

  it('multi-select quoted and joined, "All" as its select-all value, single-select as it is, other braces kept', () => {
    expect(expandParameters('in ({Group})', parameters)).toBe("in ('*')");
    expect(expandParameters('in ({Group})', parameters, { values: { Group: ['x', 'y'] } })).toBe(
      "in ('x','y')",
    );
    expect(expandParameters("'{Tenant}' dynamic({}) {Unknown}", parameters)).toBe(
      "'a' dynamic({}) {Unknown}",
    );
  });
});

describe('the checks fail on what they check', () => {
  it('a misspelt column in a hunting query, a misspelt parameter in the workbook, a broken workbook', () => {
    const hunting = ctx.content.hunting.find(({ file }) => file === 'hunting/impossible-travel.yaml')!.content
      .query;
    expect(
      problemsOf('hunting', hunting.replace('ClientLocationCountry', 'ClientLocationCuntry')),
    ).not.toEqual([]);
    const query = workbookQueries(workbook).find(({ name }) => name === 'failures-by-category')!;
    expect(
      problemsOf('workbook', expandParameters(query.text.replace('{TimeRange}', '{TimeRang}'), [])),
    ).not.toEqual([]);
    expect(
      problemsOf('workbook', query.query.replace('ConnectionFailureEnumValue', 'ConnectionFailureEnum')),
    ).not.toEqual([]);
    const broken = structuredClone(workbook) as {
      items: { type: number; content: { queryType?: number } }[];
    };
    const step = broken.items.find((item) => item.type === 3)!;
    step.content.queryType = 1;
    expect(WorkbookSchema.safeParse(broken).success).toBe(false);
    const misspelt = structuredClone(workbook) as {
      items: { name: string; type: number; content: { query?: string } }[];
    };
    const first = misspelt.items.find(
      (item) => item.type === 3 && item.content.query?.includes('{DeliveryGroup}'),
    )!;
    first.content.query = first.content.query!.replace('{DeliveryGroup}', '{DeliveryGrup}');
    expect(WorkbookSchema.safeParse(misspelt).error?.issues.map((issue) => issue.message)).toEqual([
      `${first.name}: {DeliveryGrup} names no parameter of the workbook`,
    ]);
    const twice = structuredClone(workbook);
    twice.items.push(twice.items[0]!);
    expect(WorkbookSchema.safeParse(twice).success).toBe(false);
  });
});
