/**
 * What of the Sentinel content an environment can deploy, and in what shape the Azure stack creates it:
 * every function, rule, hunting query and workbook analyzed again in the environment's own workspace (its
 * tables, the functions it can have) — an item reading a table the environment does not collect is left
 * out, with the tables it needs, rather than deployed to fail (Sentinel refuses a rule whose query does
 * not resolve: INFERRED from the rule wizard's validation; a function calling a missing table fails when
 * called). Which kinds of content to deploy is the environment's choice (`ContentSelection`).
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { AnalyticRule, HuntingQuery, SentinelContent } from './content-files.ts';
import { type KqlFunction, type KqlTable, KqlWorkspace, splitParameters } from './kql-workspace.ts';
import { latestFunctions } from './latest-functions.ts';
import { sentinelWorkbooks, type WorkbookFile, workbookQueries } from './workbook.ts';

/** The environment's choice of content (its `azure.sentinelContent`). */
export interface ContentSelection {
  /** The latest-version functions and the ASIM parsers. */
  functions: boolean;
  /** Microsoft's custom unifying parsers (`Im_AuthenticationCustom`, …), replacing the workspace's own. */
  asimUnifyingParsers: boolean;
  /** Every rule the data supports, none, or these (file names without `.yaml`). */
  rules: boolean | readonly string[];
  /** Whether the rules are created enabled. */
  rulesEnabled: boolean;
  hunting: boolean;
  workbooks: boolean;
}

export interface PlannedFunction {
  name: string;
  displayName: string;
  category: string;
  query: string;
  /** `name:type=default` each, as the saved search takes them. */
  parameters: string[];
  /** Functions it calls (created first) and tables it reads. */
  calls: string[];
  tables: string[];
}
export interface PlannedRule {
  /** The rule's file name without `.yaml`. */
  key: string;
  rule: AnalyticRule;
  calls: string[];
}
export interface PlannedHunting {
  key: string;
  hunting: HuntingQuery;
  calls: string[];
}
export interface PlannedWorkbook {
  key: string;
  /** A stable UUID (a workbook's resource name must be one), from the environment and the file. */
  name: string;
  displayName: string;
  json: string;
  calls: string[];
}
export interface ContentPlan {
  functions: PlannedFunction[];
  rules: PlannedRule[];
  hunting: PlannedHunting[];
  workbooks: PlannedWorkbook[];
  /** Items left out: what, and why (the tables it needs that the environment does not collect). */
  skipped: { item: string; reason: string }[];
}

/** Microsoft's custom unifying parsers: deployed only when the selection says so. */
const UNIFYING = /^(Im|ASim)_\w+Custom$/;

/**
 * The plan for an environment with `tables`. `content` and `allTables` are the full content and the
 * tables it is written against (to name what an item lacks).
 */
export function contentPlan(options: {
  environment: string;
  tables: readonly KqlTable[];
  content: SentinelContent;
  selection: ContentSelection;
  workbooks?: readonly WorkbookFile[];
}): ContentPlan {
  const { environment, tables, content, selection } = options;
  const tableNames = new Set(tables.map((table) => table.name));
  const skipped: ContentPlan['skipped'] = [];
  const written: KqlFunction[] = content.functions
    .filter(({ content: fn }) => selection.asimUnifyingParsers || !UNIFYING.test(fn.name))
    .map(({ content: fn }) => ({ name: fn.name, parameters: fn.parameters, body: fn.query }));
  const all = [...latestFunctions(tables), ...written];
  const everything = new KqlWorkspace(tables, all);

  // A function deploys when it analyzes with no error and every function it calls deploys.
  const deployable = new Map<string, KqlFunction>();
  const reasons = new Map<string, string>();
  const analyses = new Map<string, ReturnType<KqlWorkspace['analyzeFunction']>>();
  // A table the environment lacks is an unknown name to the analyzer (so is the `…Latest` function of a
  // Monitor table it lacks): name the tables in the reason.
  const missing = (errors: readonly string[]) => {
    const unknown = errors.flatMap((error) => /The name '(\w+)' does not refer/.exec(error)?.slice(1) ?? []);
    const tablesOf = unknown.map((name) => name.replace(/^(CitrixMonitor\w+)Latest$/, '$1_CL'));
    const absent = [...new Set(tablesOf.filter((name) => name.endsWith('_CL') && !tableNames.has(name)))];
    return absent.length > 0 ? `needs ${absent.join(', ')}` : (errors[0] ?? 'does not analyze');
  };
  const unresolved = (name: string, seen = new Set<string>()): string | undefined => {
    if (reasons.has(name)) return reasons.get(name);
    if (deployable.has(name) || seen.has(name)) return undefined;
    seen.add(name);
    const fn = all.find((candidate) => candidate.name === name);
    if (!fn) return `calls ${name}, which is not deployed`;
    const analysis = everything.analyzeFunction(fn);
    analyses.set(name, analysis);
    const reason =
      analysis.errors.length > 0
        ? missing(analysis.errors)
        : [...analysis.calls]
            .map((call) => (unresolved(call, seen) ? `calls ${call}` : undefined))
            .find(Boolean);
    if (reason) reasons.set(name, reason);
    else deployable.set(name, fn);
    return reason;
  };
  if (selection.functions) for (const fn of all) unresolved(fn.name);
  for (const [name, reason] of reasons) skipped.push({ item: `function ${name}`, reason });

  const workspace = new KqlWorkspace(tables, [...deployable.values()]);
  const check = (item: string, query: string): { calls: string[] } | undefined => {
    const analysis = workspace.analyze(query);
    if (analysis.errors.length === 0) return { calls: [...analysis.calls] };
    skipped.push({ item, reason: missing(analysis.errors) });
    return undefined;
  };

  const functions: PlannedFunction[] = [...deployable.values()].map((fn) => {
    // A deployable function calls deployable ones only: its analysis is the same in either workspace.
    const analysis = analyses.get(fn.name) ?? workspace.analyzeFunction(fn);
    const own = content.functions.find(({ content: written }) => written.name === fn.name)?.content;
    return {
      name: fn.name,
      displayName: own?.displayName ?? `${fn.name} (latest version of each row, ctxsiem)`,
      category: own?.category ?? 'ctxsiem',
      query: fn.body,
      parameters: splitParameters(fn.parameters).map(
        (parameter) =>
          `${parameter.name}:${parameter.type}${parameter.default ? `=${parameter.default}` : ''}`,
      ),
      calls: [...analysis.calls],
      tables: [...analysis.reads.keys()].filter((table) => tableNames.has(table)),
    };
  });

  const ruleKeys = content.rules.map(({ file }) => basename(file, '.yaml'));
  if (Array.isArray(selection.rules)) {
    const unknown = selection.rules.filter((key) => !ruleKeys.includes(key));
    if (unknown.length > 0)
      throw new Error(
        `sentinelContent.rules: no rule ${unknown.join(', ')}; there are: ${ruleKeys.join(', ')}`,
      );
  }
  const chosen = (key: string) =>
    Array.isArray(selection.rules) ? selection.rules.includes(key) : selection.rules === true;
  const rules: PlannedRule[] = content.rules.flatMap(({ file, content: rule }) => {
    const key = basename(file, '.yaml');
    if (!chosen(key)) return [];
    const checked = check(`rule ${key}`, rule.query);
    return checked ? [{ key, rule, calls: checked.calls }] : [];
  });
  if (Array.isArray(selection.rules)) {
    const refused = skipped.filter(({ item }) => item.startsWith('rule '));
    if (refused.length > 0)
      throw new Error(
        `sentinelContent.rules: ${refused.map(({ item, reason }) => `${item.slice(5)} ${reason}`).join('; ')} — collect what it reads, or leave it out`,
      );
  }
  const hunting: PlannedHunting[] = selection.hunting
    ? content.hunting.flatMap(({ file, content: query }) => {
        const key = basename(file, '.yaml');
        const checked = check(`hunting query ${key}`, query.query);
        return checked ? [{ key, hunting: query, calls: checked.calls }] : [];
      })
    : [];
  const workbooks: PlannedWorkbook[] = selection.workbooks
    ? (options.workbooks ?? sentinelWorkbooks()).flatMap(({ file, workbook }) => {
        const key = basename(file, '.json');
        const calls = new Set<string>();
        for (const query of workbookQueries(workbook)) {
          const checked = check(`workbook ${key} (${query.title || query.name})`, query.query);
          if (!checked) return [];
          for (const call of checked.calls) calls.add(call);
        }
        return [
          {
            key,
            name: stableUuid(`${environment}/${file}`),
            displayName: workbookTitle(workbook) ?? key,
            json: JSON.stringify(workbook),
            calls: [...calls],
          },
        ];
      })
    : [];
  return { functions, rules, hunting, workbooks, skipped };
}

/** A workbook's first text item's heading, as its title. */
function workbookTitle(workbook: WorkbookFile['workbook']): string | undefined {
  for (const item of workbook.items) {
    if (item.type !== 1) continue;
    const heading = /^#+\s*(.+)$/m.exec(item.content.json)?.[1];
    if (heading) return heading.trim();
  }
  return undefined;
}

/** An RFC 4122 version-5-shaped UUID from a name (SHA-1), the same on every synth. */
export function stableUuid(name: string): string {
  const hex = createHash('sha1').update(`ctxsiem:${name}`).digest('hex').slice(0, 32).split('');
  hex[12] = '5';
  hex[16] = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  const text = hex.join('');
  return `${text.slice(0, 8)}-${text.slice(8, 12)}-${text.slice(12, 16)}-${text.slice(16, 20)}-${text.slice(20)}`;
}

/** `1h` → `PT1H`, `14d` → `P14D`: the ISO 8601 durations the alert rule resource takes. */
export function isoDuration(text: string): string {
  const value = Number.parseInt(text, 10);
  const unit = text.at(-1);
  return unit === 'd' ? `P${value}D` : unit === 'h' ? `PT${value}H` : `PT${value}M`;
}

/** The rule file's `gt`/`lt`/`eq`/`ne` as the alert rule resource spells it. */
export const TRIGGER_OPERATORS = { gt: 'GreaterThan', lt: 'LessThan', eq: 'Equal', ne: 'NotEqual' } as const;
