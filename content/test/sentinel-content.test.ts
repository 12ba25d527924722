import { beforeAll, describe, expect, it } from 'vitest';
import { asimProblems, assignedLiterals } from '../src/sentinel/asim-conformance.ts';
import { ASIM_AUTHENTICATION, ASIM_SCHEMAS } from '../src/sentinel/asim-schemas.ts';
import { type ContentWorkspace, contentWorkspace } from '../src/sentinel/content-workspace.ts';
import { KqlWorkspace } from '../src/sentinel/kql-workspace.ts';

let ctx: ContentWorkspace;
beforeAll(async () => {
  ctx = await contentWorkspace();
}, 120_000);

describe('Sentinel content, analyzed by Microsoft’s Kusto library against the tables ctxsiem declares', () => {
  it('every function analyzes without an error', () => {
    const problems = ctx.functions.flatMap((fn) =>
      ctx.workspace.analyzeFunction(fn).errors.map((error) => `${fn.name}: ${error}`),
    );
    expect(problems).toEqual([]);
    expect(ctx.functions.map((fn) => fn.name)).toContain('CitrixMonitorSessionsLatest');
  });

  it('every parser produces its ASIM schema: fields, types, conditionals, aliases and enumerated values', () => {
    const parsers = ctx.content.functions.filter(({ content }) => content.asim);
    expect(parsers.map(({ content }) => content.name).sort()).toEqual([
      'ASimAuditEventCitrixCloud',
      'ASimAuthenticationCitrixDaaS',
      'ASim_AuditEventCustom',
      'ASim_AuthenticationCustom',
      'Im_AuditEventCustom',
      'Im_AuthenticationCustom',
      'vimAuditEventCitrixCloud',
      'vimAuthenticationCitrixDaaS',
    ]);
    const problems = parsers.flatMap(({ file, content }) => {
      const schema = ASIM_SCHEMAS[content.asim!];
      const analysis = ctx.workspace.analyzeFunction({
        name: content.name,
        parameters: content.parameters,
        body: content.query,
      });
      // The value checks read the parser that assigns the values (the wrappers call it).
      const assigning = content.name.startsWith('vim') ? content.query : '';
      return asimProblems(schema, analysis.columns, assigning, content.notAvailable).map(
        (problem) => `${file}: ${problem}`,
      );
    });
    expect(problems).toEqual([]);
  });

  it('the failure reasons map only to values ASIM allows in EventResultDetails', () => {
    const reasons = ctx.content.functions.find(
      ({ content }) => content.name === 'CitrixConnectionFailureReasons',
    )!;
    const values = [...reasons.content.query.matchAll(/"([^"]*)"\s*(?:,\s*\n|\n)/g)].map(
      (match) => match[1]!,
    );
    const allowed = ASIM_AUTHENTICATION.fields.find((field) => field.name === 'EventResultDetails')!.values!;
    expect(values.length).toBe(28);
    expect(values.filter((value) => !allowed.includes(value))).toEqual([]);
  });

  it('has at least eight analytic rules, each analyzing without an error, mapping entities to result columns', () => {
    expect(ctx.content.rules.length).toBeGreaterThanOrEqual(8);
    expect(new Set(ctx.content.rules.map(({ content }) => content.id)).size).toBe(ctx.content.rules.length);
    expect(new Set(ctx.content.rules.map(({ content }) => content.name)).size).toBe(ctx.content.rules.length);
    const problems = ctx.content.rules.flatMap(({ file, content }) => {
      const analysis = ctx.workspace.analyze(content.query);
      const columns = new Set(analysis.columns.map((column) => column.name));
      const mapped = [
        ...content.entityMappings.flatMap((entity) => entity.fieldMappings.map((field) => field.columnName)),
        ...Object.values(content.customDetails ?? {}),
      ];
      return [
        ...analysis.errors,
        ...mapped
          .filter((column) => !columns.has(column))
          .map((column) => `maps ${column}, not a result column`),
        ...(analysis.reads.size === 0 ? ['reads no table'] : []),
      ].map((problem) => `${file}: ${problem}`);
    });
    expect(problems).toEqual([]);
  });
});

describe('the checks fail on what they check', () => {
  it('an unknown column, a wrong type, a syntax error', () => {
    const rule = ctx.content.rules.find(({ file }) => file === 'rules/impossible-travel.yaml')!.content.query;
    expect(ctx.workspace.analyze(rule.replace('SrcIpAddr', 'SrcIpAdress')).errors).not.toEqual([]);
    expect(ctx.workspace.analyze('CitrixMonitorSessionsLatest | extend x = UserName + 1').errors).not.toEqual(
      [],
    );
    expect(
      ctx.workspace.analyze('CitrixMonitorSessions_CL | summarize count() by bin(TimeGenerated, 1h').errors,
    ).not.toEqual([]);
    expect(ctx.workspace.analyze('CitrixMonitorSessions_CL | where ClientAddress != ""').errors).not.toEqual(
      [],
    );
  });

  it('a missing mandatory field, a wrong type, a value outside the enumeration', () => {
    const workspace = new KqlWorkspace(ctx.tables);
    const columns = workspace.analyze(
      'print TimeGenerated = now(), EventCount = 1, EventType = "Logon"',
    ).columns;
    const problems = asimProblems(
      ASIM_AUTHENTICATION,
      columns,
      'T | extend EventType = case(x, "Logon", "SignIn")',
    );
    expect(problems).toContain('EventCount: long, the schema says int');
    expect(problems).toContain('EventResult: mandatory, missing');
    expect(problems).toContain('EventType: "SignIn" is not one of Logon, Logoff, Elevate');
    expect(assignedLiterals('T | extend R = iff(a == "x", "b", "c")').get('R')).toEqual(['b', 'c']);
  });
});
