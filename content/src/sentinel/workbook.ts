/**
 * Azure Monitor workbooks (`content/sentinel/workbooks/*.json`), read and validated, and the KQL they run:
 * every query of a workbook — its query steps, nested groups included, and the queries that fill its
 * drop-down parameters — with the workbook's parameters expanded as the workbook does it when it runs
 * them, so that the text a workspace receives can be analyzed offline (`KqlWorkspace.analyze`).
 *
 * The format is Microsoft's serialized workbook ("Notebook/1.0"): JSON schema
 * https://github.com/Microsoft/Application-Insights-Workbooks/blob/master/schema/workbook.json (repository
 * microsoft/Application-Insights-Workbooks, `schema/workbook.json` @ 0099aabfcc2a2685cf24fde84fffce1088a15d5b:
 * `version`, `items`, each item a `type` — 1 text, 3 query, 9 parameters, 10 metric, 11 links, 12 group — and
 * its `content`), described at https://learn.microsoft.com/azure/azure-monitor/visualize/workbooks-overview.
 * Only the item kinds ctxsiem's workbooks use are accepted, and for them the fields this module reads are
 * typed; the settings it does not read (grid and chart formatting) pass through untouched.
 *
 * Parameter expansion ("Workbook parameters", https://learn.microsoft.com/azure/azure-monitor/visualize/workbooks-parameters;
 * Application-Insights-Workbooks `Documentation/Parameters/Time.md` @ 05a28763e4b58be5c0b7b5c3f0e6dae328fabd02;
 * "Dropdown parameters", https://learn.microsoft.com/azure/azure-monitor/visualize/workbooks-dropdowns):
 * - a time range parameter (type 4): `{TimeRange}`, `{TimeRange:query}`, `{TimeRange:value}` → `> ago(1d)`
 *   for a relative range, `between (datetime(…) .. datetime(…))` for an absolute one (Microsoft's example
 *   shows the relative form; the absolute form is INFERRED, as the portal writes it);
 *   `{TimeRange:start}`, `{TimeRange:end}` → `datetime(…)` literals (the documented `make-series … from
 *   {TimeRange:start} to {TimeRange:end}` needs them so); `{TimeRange:grain}` → a timespan (`30m`; the
 *   grain the portal picks for a range is INFERRED here: about 100 points a range); `{TimeRange:label}` →
 *   its label;
 * - a drop-down (type 2): single-select → the value as it is; multi-select → each value in the
 *   parameter's `quote` (default `'`) joined by its `delimiter` (default `,`); the "All" choice
 *   (`value::all`) → the parameter's `typeSettings.selectAllValue`, quoted the same way;
 * - a text parameter (type 1) → its value as it is.
 * A `{…}` that names no parameter of the workbook is left as it is (KQL's own braces: `dynamic({})`); the
 * schema refuses a workbook whose queries reference a parameter it does not declare.
 *
 * A query's time range: `timeContextFromParameter` binds it to a time range parameter (the workspace then
 * reads only rows whose TimeGenerated is in the range); `timeContext: { durationMs: 0 }` is the editor's
 * "Set in query" (INFERRED from workbooks the portal saves), for a query that reads more than the range —
 * the previous period it compares with.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { SENTINEL_CONTENT_DIR } from './content-files.ts';

/** `{Name}` or `{Name:format}`: a parameter reference (KQL's own braces — `dynamic({})`, a function's body — hardly ever hold a bare name; where one did, the workbook check below would say so). */
const PARAMETER_REFERENCE = /\{([A-Za-z_][A-Za-z0-9_]*)(?::([A-Za-z]+))?\}/g;

/** `queryType` 0: a Log Analytics (KQL) query. */
const LOGS_QUERY = 0;
const WORKSPACE = 'microsoft.operationalinsights/workspaces';

const timeRangeValue = z.union([
  z.strictObject({ durationMs: z.number().int().positive() }),
  z.strictObject({
    durationMs: z.number().int().nonnegative().optional(),
    startTime: z.iso.datetime(),
    endTime: z.iso.datetime(),
  }),
]);

const parameterCommon = {
  id: z.uuid(),
  version: z.literal('KqlParameterItem/1.0'),
  /** How queries reference it: `{name}`. */
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/),
  label: z.string().optional(),
  description: z.string().optional(),
  isRequired: z.boolean().optional(),
  isHiddenWhenLocked: z.boolean().optional(),
};

const TimeRangeParameterSchema = z.looseObject({
  ...parameterCommon,
  type: z.literal(4),
  value: timeRangeValue,
  typeSettings: z
    .looseObject({
      selectableValues: z.array(z.looseObject({ durationMs: z.number().int().positive() })).optional(),
      allowCustom: z.boolean().optional(),
    })
    .optional(),
});

const DropDownParameterSchema = z.looseObject({
  ...parameterCommon,
  type: z.literal(2),
  multiSelect: z.boolean().optional(),
  quote: z.string().optional(),
  delimiter: z.string().optional(),
  /** The KQL giving its choices (`value`, `label` columns, or one column). */
  query: z.string().min(1).optional(),
  /** Static choices instead of a query: a JSON array text. */
  jsonData: z.string().optional(),
  value: z
    .union([z.string(), z.array(z.string())])
    .nullable()
    .optional(),
  typeSettings: z
    .looseObject({
      additionalResourceOptions: z.array(z.string()).optional(),
      selectAllValue: z.string().optional(),
      showDefault: z.boolean().optional(),
    })
    .optional(),
  timeContextFromParameter: z.string().optional(),
  queryType: z.literal(LOGS_QUERY).optional(),
  resourceType: z.literal(WORKSPACE).optional(),
});

const TextParameterSchema = z.looseObject({
  ...parameterCommon,
  type: z.literal(1),
  value: z.string().optional(),
});

const ParameterSchema = z.discriminatedUnion('type', [
  TimeRangeParameterSchema,
  DropDownParameterSchema,
  TextParameterSchema,
]);
export type WorkbookParameter = z.output<typeof ParameterSchema>;

const itemCommon = {
  /** The step's name, unique in the workbook (how tests and links find it). */
  name: z.string().min(1),
  customWidth: z.string().optional(),
  conditionalVisibility: z.unknown().optional(),
};

const TextItemSchema = z.strictObject({
  ...itemCommon,
  type: z.literal(1),
  content: z.looseObject({ json: z.string() }),
});

const ParametersItemSchema = z.strictObject({
  ...itemCommon,
  type: z.literal(9),
  content: z.looseObject({
    version: z.literal('KqlParameterItem/1.0'),
    parameters: z.array(ParameterSchema).min(1),
    style: z.string().optional(),
    queryType: z.literal(LOGS_QUERY).optional(),
    resourceType: z.literal(WORKSPACE).optional(),
  }),
});

const QueryItemSchema = z.strictObject({
  ...itemCommon,
  type: z.literal(3),
  content: z.looseObject({
    version: z.literal('KqlItem/1.0'),
    query: z.string().min(1),
    title: z.string().min(1),
    size: z.number().int().optional(),
    /** Azure Monitor Logs, over the workspace. */
    queryType: z.literal(LOGS_QUERY),
    resourceType: z.literal(WORKSPACE),
    visualization: z
      .enum([
        'table',
        'timechart',
        'barchart',
        'piechart',
        'areachart',
        'linechart',
        'scatterchart',
        'categoricalbar',
        'tiles',
        'map',
        'graph',
      ])
      .optional(),
    timeContextFromParameter: z.string().optional(),
    timeContext: z.looseObject({ durationMs: z.number().int() }).optional(),
  }),
});

type TextItem = z.output<typeof TextItemSchema>;
type ParametersItem = z.output<typeof ParametersItemSchema>;
type QueryItem = z.output<typeof QueryItemSchema>;
export interface GroupItem {
  name: string;
  type: 12;
  customWidth?: string | undefined;
  conditionalVisibility?: unknown;
  content: {
    version: 'NotebookGroup/1.0';
    groupType: 'editable';
    title?: string | undefined;
    items: WorkbookItem[];
    [key: string]: unknown;
  };
}
export type WorkbookItem = TextItem | ParametersItem | QueryItem | GroupItem;

const ItemSchema: z.ZodType<WorkbookItem> = z.lazy(() =>
  z.discriminatedUnion('type', [TextItemSchema, ParametersItemSchema, QueryItemSchema, GroupItemSchema]),
);
const GroupItemSchema = z.strictObject({
  ...itemCommon,
  type: z.literal(12),
  content: z.looseObject({
    version: z.literal('NotebookGroup/1.0'),
    groupType: z.literal('editable'),
    title: z.string().optional(),
    get items() {
      return z.array(ItemSchema).min(1);
    },
  }),
});

export const WorkbookSchema = z
  .strictObject({
    version: z.literal('Notebook/1.0'),
    items: z.array(ItemSchema).min(1),
    fallbackResourceIds: z.array(z.string()).optional(),
    styleSettings: z.record(z.string(), z.unknown()).optional(),
    $schema: z.literal(
      'https://github.com/Microsoft/Application-Insights-Workbooks/blob/master/schema/workbook.json',
    ),
  })
  .superRefine((workbook, context) => {
    const items = workbookItems(workbook.items);
    const names = new Set<string>();
    const parameters = new Map<string, WorkbookParameter>();
    const problem = (message: string) => context.addIssue({ code: 'custom', message, path: ['items'] });
    for (const item of items) {
      if (names.has(item.name)) problem(`item name ${item.name} used twice`);
      names.add(item.name);
      if (item.type === 9)
        for (const parameter of item.content.parameters) {
          if (parameters.has(parameter.name)) problem(`parameter ${parameter.name} declared twice`);
          parameters.set(parameter.name, parameter);
        }
    }
    // What the workbook runs names only parameters it declares, and binds time only to a time range.
    const queries: { name: string; query: string; time?: string | undefined }[] = items.flatMap((item) =>
      item.type === 3
        ? [{ name: item.name, query: item.content.query, time: item.content.timeContextFromParameter }]
        : item.type === 9
          ? item.content.parameters.flatMap((parameter) =>
              parameter.type === 2 && parameter.query
                ? [
                    {
                      name: `parameter ${parameter.name}`,
                      query: parameter.query,
                      time: parameter.timeContextFromParameter,
                    },
                  ]
                : [],
            )
          : [],
    );
    for (const { name, query, time } of queries) {
      for (const [, reference] of query.matchAll(PARAMETER_REFERENCE))
        if (!parameters.has(reference!))
          problem(`${name}: {${reference}} names no parameter of the workbook`);
      if (time !== undefined && parameters.get(time)?.type !== 4)
        problem(`${name}: time from ${time}, not a time range parameter`);
    }
  });
export type Workbook = z.output<typeof WorkbookSchema>;

/** Every item of a workbook, groups' items after their group, in order. */
export function workbookItems(items: readonly WorkbookItem[]): WorkbookItem[] {
  return items.flatMap((item) => (item.type === 12 ? [item, ...workbookItems(item.content.items)] : [item]));
}

/** A workbook file, validated; fails naming the file and the fields. */
export function readWorkbook(file: string): Workbook {
  const parsed = WorkbookSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success)
    throw new Error(
      `${file}: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`).join('; ')}`,
    );
  return parsed.data;
}

export interface WorkbookFile {
  /** Relative to the content directory (`workbooks/daas-experience.json`). */
  file: string;
  workbook: Workbook;
}

/** The content's workbooks. */
export function sentinelWorkbooks(root = SENTINEL_CONTENT_DIR): WorkbookFile[] {
  const directory = join(root, 'workbooks');
  return readdirSync(directory)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => ({ file: `workbooks/${name}`, workbook: readWorkbook(join(directory, name)) }));
}

/** A parameter's value for one run: a time range, or a drop-down's / text's choice. */
export type ParameterValue = { durationMs: number } | { start: Date; end: Date } | string | readonly string[];

export interface ExpansionOptions {
  /** Values overriding the workbook's defaults, by parameter name. */
  values?: Record<string, ParameterValue>;
  /** "Now", for relative ranges' `:start` and `:end`. */
  now?: Date;
}

export interface WorkbookQuery {
  /** The item's name, or `parameter <name>` for a drop-down's query. */
  name: string;
  /** The item's title, or the parameter's label. */
  title: string;
  /** As written in the workbook. */
  text: string;
  /** As the workspace receives it, the parameters expanded. */
  query: string;
}

/** Every KQL query of the workbook, nested groups included, its parameters expanded. */
export function workbookQueries(workbook: Workbook, options: ExpansionOptions = {}): WorkbookQuery[] {
  const items = workbookItems(workbook.items);
  const parameters = items.flatMap((item) => (item.type === 9 ? item.content.parameters : []));
  const expand = (text: string) => expandParameters(text, parameters, options);
  return items.flatMap((item): WorkbookQuery[] => {
    if (item.type === 3)
      return [
        {
          name: item.name,
          title: item.content.title,
          text: item.content.query,
          query: expand(item.content.query),
        },
      ];
    if (item.type === 9)
      return item.content.parameters.flatMap((parameter) =>
        parameter.type === 2 && parameter.query
          ? [
              {
                name: `parameter ${parameter.name}`,
                title: parameter.label ?? parameter.name,
                text: parameter.query,
                query: expand(parameter.query),
              },
            ]
          : [],
      );
    return [];
  });
}

/** `text` with every `{Name}` / `{Name:format}` of a declared parameter replaced by its value. */
export function expandParameters(
  text: string,
  parameters: readonly WorkbookParameter[],
  options: ExpansionOptions = {},
): string {
  const byName = new Map(parameters.map((parameter) => [parameter.name, parameter]));
  return text.replace(PARAMETER_REFERENCE, (whole, name: string, format: string | undefined) => {
    const parameter = byName.get(name);
    if (!parameter) return whole;
    const value = options.values?.[name];
    if (parameter.type === 4) return expandTimeRange(parameter, value, format, options.now ?? new Date());
    if (parameter.type === 2) return expandDropDown(parameter, value, format);
    if (format && format !== 'value' && format !== 'label')
      throw new Error(`{${name}:${format}}: a text parameter has no format ${format}`);
    return typeof value === 'string' ? value : (parameter.value ?? '');
  });
}

function expandTimeRange(
  parameter: z.output<typeof TimeRangeParameterSchema>,
  value: ParameterValue | undefined,
  format: string | undefined,
  now: Date,
): string {
  const chosen = value ?? parameter.value;
  let range: { durationMs: number } | { start: Date; end: Date };
  if (typeof chosen === 'string' || Array.isArray(chosen))
    throw new Error(`{${parameter.name}}: a time range parameter takes a range`);
  if ('start' in chosen) range = chosen;
  else if ('startTime' in chosen)
    range = { start: new Date(chosen.startTime), end: new Date(chosen.endTime) };
  else range = { durationMs: (chosen as { durationMs: number }).durationMs };
  const start = 'start' in range ? range.start : new Date(now.getTime() - range.durationMs);
  const end = 'start' in range ? range.end : now;
  const literal = (date: Date) => `datetime(${date.toISOString()})`;
  switch (format) {
    case undefined:
    case 'query':
    case 'value':
      return 'durationMs' in range
        ? `> ago(${kqlTimespan(range.durationMs)})`
        : `between (${literal(start)} .. ${literal(end)})`;
    case 'start':
      return literal(start);
    case 'end':
      return literal(end);
    case 'grain':
      return kqlTimespan(grain(end.getTime() - start.getTime()));
    case 'label':
      return 'durationMs' in range
        ? `Last ${kqlTimespan(range.durationMs)}`
        : `${start.toISOString()} – ${end.toISOString()}`;
    default:
      throw new Error(`{${parameter.name}:${format}}: a time range parameter has no format ${format}`);
  }
}

function expandDropDown(
  parameter: z.output<typeof DropDownParameterSchema>,
  value: ParameterValue | undefined,
  format: string | undefined,
): string {
  if (format && format !== 'value' && format !== 'label')
    throw new Error(`{${parameter.name}:${format}}: a drop-down has no format ${format}`);
  const chosen = value ?? parameter.value ?? [];
  if (typeof chosen === 'object' && !Array.isArray(chosen))
    throw new Error(`{${parameter.name}}: a drop-down takes values`);
  const values = (typeof chosen === 'string' ? [chosen] : (chosen as readonly string[])).map((one) =>
    one === 'value::all' ? (parameter.typeSettings?.selectAllValue ?? '') : one,
  );
  if (!parameter.multiSelect) return values[0] ?? '';
  const quote = parameter.quote ?? "'";
  return values.map((one) => `${quote}${one}${quote}`).join(parameter.delimiter ?? ',');
}

/** Milliseconds as a KQL timespan literal in the largest whole unit (`1d`, `90m`, `2500ms`). */
export function kqlTimespan(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const)
    if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

/** The bin a range is charted with: about 100 points, rounded to a usual step (INFERRED). */
function grain(rangeMs: number): number {
  const steps = [
    60_000, 300_000, 900_000, 1_800_000, 3_600_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000,
  ];
  return steps.find((step) => rangeMs / step <= 100) ?? 86_400_000;
}
