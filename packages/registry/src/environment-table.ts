/**
 * The table of environment variables: every variable `configFromEnv` reads, what config field it fills,
 * which connectors read it, its default and its meaning. Nothing in it is typed twice: the deployment's
 * variables come from `DEPLOYMENT_VARIABLES` and `ENVIRONMENT_VARIABLES` (`environment.ts`), a
 * connector's from its manifest's `env.variables`, meanings and defaults from the schemas'
 * descriptions and defaults. The root README's variables table is rendered from it
 * (`scripts/generate-registry.ts`).
 *
 * What a manifest's `env.read` does beyond copying a variable into its field is found by reading an
 * environment of placeholders (`{NAME}` for every variable) without the variable: another variable read
 * in its place is an alias (the SecOps sink's CHRONICLE_*), a value filled in is the environment's
 * default (the file sink's `out/collect`).
 */
import type { Connector, ConnectorKind, Env, EnvMapping } from '@ctxsiem/core';
import { type OptionRow, optionRows } from '@ctxsiem/core/config';
import { z } from 'zod';
import { DeploymentConfigSchema } from './deployment.ts';
import { DEPLOYMENT_VARIABLES, ENVIRONMENT_VARIABLES, type EnvironmentVariable } from './environment.ts';

/** Where a row belongs: the deployment's own variables first, then each kind of connector's. */
export type VariableGroup = 'deployment' | 'source' | 'sink' | 'checkpoint store';

export interface VariableRow {
  variable: string;
  group: VariableGroup;
  /** The config fields it fills (`runner.leaseSeconds`, `sink.bucket`); none for a whole document. */
  fields: string[];
  /** Who reads it: `every app`, or the connectors (`` `s3` sink ``). */
  readBy: string[];
  /** Markdown: the default (`` `75` ``), `$NAME` for another variable's value, alternatives joined by ", else ". */
  default: string;
  /** Markdown: what it means, from the schema's description (its first sentence when long). */
  meaning: string;
}

/** A connector's row before rows alike are merged: who reads it, as connector type and kind. */
interface ConnectorVariableRow extends Omit<VariableRow, 'readBy'> {
  readers: { type: string; group: VariableGroup }[];
}

/**
 * Connector variables that switch fields rather than fill one, so no field's description says what they
 * mean: core's `objectStoreEnv` reads SEED_LAYOUT. (A test fails for such a variable missing here.)
 */
export const SWITCH_VARIABLES: Readonly<Record<string, { meaning: string; default: string }>> = {
  SEED_LAYOUT: {
    meaning:
      '`true` keeps checkpoints and dead letters under the data prefix, as the seeds did. By default they go beside it (`_ctxsiem/{prefix}/state`, `…/deadletter`), where a SecOps feed never ingests them; checkpoints found at the old place are continued from.',
    default: '`false`',
  },
};

const KIND_GROUP: Record<ConnectorKind, VariableGroup> = {
  'pull-source': 'source',
  'stream-source': 'source',
  sink: 'sink',
  'checkpoint-store': 'checkpoint store',
};

const SECTION: Record<ConnectorKind, string> = {
  'pull-source': 'sources[0]',
  'stream-source': 'sources[0]',
  sink: 'sink',
  'checkpoint-store': 'checkpoint',
};

const GROUP_ORDER: VariableGroup[] = ['deployment', 'source', 'sink', 'checkpoint store'];

/** A description longer than this is cut to its first sentence. */
const LONG_MEANING = 200;

/** Every variable the environment mapping reads, the deployment's first, then by kind and name. */
export function environmentVariableRows(installed: readonly Connector[]): VariableRow[] {
  const rows = [...deploymentRows(installed), ...mergedRows(installed.flatMap(connectorRows))];
  const rank = (row: VariableRow) => GROUP_ORDER.indexOf(row.group);
  // The deployment's rows keep their order (a variable's aliases follow it); the others sort by name.
  return rows
    .map((row, index) => ({ row, index }))
    .sort(
      (a, b) =>
        rank(a.row) - rank(b.row) ||
        (a.row.group === 'deployment' ? a.index - b.index : compare(a.row, b.row) || a.index - b.index),
    )
    .map(({ row }) => row);
}

/** The README's table: Variable, Fills, Read by, Default, Meaning. */
export function environmentVariablesMarkdown(installed: readonly Connector[]): string {
  const header = ['Variable', 'Fills', 'Read by', 'Default', 'Meaning'];
  const cell = (text: string) => text.replaceAll('|', '\\|').replace(/\s*\n\s*/g, ' ');
  const body = environmentVariableRows(installed).map((row) =>
    [
      `\`${row.variable}\``,
      row.fields.map((field) => `\`${field}\``).join(', '),
      row.readBy.join('; '),
      row.default,
      row.meaning,
    ].map(cell),
  );
  const widths = header.map((title, i) => Math.max(title.length, ...body.map((cells) => cells[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((text, i) => text.padEnd(widths[i]!)).join(' | ')} |`;
  return `${[line(header), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)].join('\n')}\n`;
}

const compare = (a: VariableRow, b: VariableRow) =>
  a.variable < b.variable ? -1 : a.variable > b.variable ? 1 : a.readBy.join() < b.readBy.join() ? -1 : 1;

function deploymentRows(installed: readonly Connector[]): VariableRow[] {
  const row = (variable: string, fields: string[], cells: Pick<VariableRow, 'default' | 'meaning'>) => ({
    variable,
    group: 'deployment' as const,
    fields,
    readBy: [ENVIRONMENT_VARIABLES[variable]?.readBy ?? 'every app'],
    ...cells,
  });
  const entries = Object.entries(ENVIRONMENT_VARIABLES);
  const aliasesOf = (variable: string) =>
    entries.filter(([, entry]) => entry.aliasOf === variable).map(([alias]) => alias);
  const fieldOf = new Map(Object.entries(DEPLOYMENT_VARIABLES).map(([field, variable]) => [variable, field]));
  const rows: VariableRow[] = [];
  // The variables holding a whole config document fill no field.
  for (const [variable, entry] of entries)
    if (!fieldOf.has(variable) && !entry.aliasOf)
      rows.push(row(variable, [], { default: entry.default ?? '', meaning: entry.meaning ?? '' }));
  for (const [field, variable] of Object.entries(DEPLOYMENT_VARIABLES)) {
    const entry: EnvironmentVariable = ENVIRONMENT_VARIABLES[variable] ?? {};
    const option = entry.chooses ? undefined : optionAt(DeploymentConfigSchema, field);
    const described = fromDescription(option?.description ?? '', variable);
    const aliases = aliasesOf(variable);
    let meaning = entry.meaning ?? described.meaning;
    if (entry.note) meaning = `${meaning} ${entry.note}`.trim();
    if (entry.chooses) meaning = `${meaning} One of ${choices(installed, entry.chooses)}.`;
    const defaults = [
      ...aliases.map((alias) => code(`$${alias}`)),
      entry.default ?? (option?.default ? defaultValue(option.default) : described.default),
    ];
    rows.push(row(variable, [field], { default: alternatives(defaults), meaning }));
    for (const alias of aliases)
      rows.push(row(alias, [field], { default: '', meaning: ENVIRONMENT_VARIABLES[alias]?.meaning ?? '' }));
  }
  return rows;
}

/** The types `chooses` picks among, as the connectors table names them. */
function choices(
  installed: readonly Connector[],
  chooses: NonNullable<EnvironmentVariable['chooses']>,
): string {
  const picked = installed.filter((connector) => {
    if (chooses === 'source') return KIND_GROUP[connector.kind] === 'source';
    if (chooses === 'checkpoint store') return connector.kind === 'checkpoint-store';
    return connector.kind === 'sink' && !(chooses === 'dead-letter sink' && connector.deadLettersElsewhere);
  });
  return picked.map((connector) => code(connector.type)).join(', ');
}

/** One row per variable of a connector's manifest, and per variable its `read` takes in one's place. */
function connectorRows(connector: Connector): ConnectorVariableRow[] {
  const mapping = connector.env;
  if (!mapping) return [];
  const options = optionRows(connector.schema);
  const section = SECTION[connector.kind];
  const group = KIND_GROUP[connector.kind];
  const row = (
    variable: string,
    field: string,
    cells: Pick<VariableRow, 'default' | 'meaning'>,
  ): ConnectorVariableRow => ({
    variable,
    group,
    fields: [`${section}.${field}`],
    readers: [{ type: connector.type, group }],
    ...cells,
  });
  const rows: ConnectorVariableRow[] = [];
  for (const [field, variable] of Object.entries(mapping.variables)) {
    const switched = SWITCH_VARIABLES[variable];
    if (switched || !readsInto(mapping, field, variable)) {
      rows.push(row(variable, field, switched ?? { default: '', meaning: '' }));
      continue;
    }
    const option = options.find((candidate) => candidate.name === field);
    const described = fromDescription(option?.description ?? '', variable);
    const fallback = fallbackOf(mapping, field, variable);
    const aliases =
      fallback.alias && !Object.values(mapping.variables).includes(fallback.alias) ? [fallback.alias] : [];
    const fromEnvironment =
      !aliases.length && fallback.value !== undefined && JSON.stringify(fallback.value) !== option?.default
        ? code(placeholdersAsVariables(String(fallback.value)))
        : '';
    const defaults = [
      ...aliases.map((alias) => code(`$${alias}`)),
      fromEnvironment || (option?.default ? defaultValue(option.default) : described.default),
    ];
    rows.push(row(variable, field, { default: alternatives(defaults), meaning: described.meaning }));
    for (const alias of aliases)
      rows.push(
        row(alias, field, { default: '', meaning: `Read in place of ${code(variable)} when that is unset.` }),
      );
  }
  return rows;
}

/** Rows alike but for their connectors and fields (S3_ENDPOINT of the s3 sink and checkpoint store) as one. */
function mergedRows(rows: ConnectorVariableRow[]): VariableRow[] {
  const byKey = new Map<string, ConnectorVariableRow>();
  for (const row of rows) {
    const key = JSON.stringify([row.variable, row.default, row.meaning]);
    const same = byKey.get(key);
    if (!same) byKey.set(key, { ...row, fields: [...row.fields], readers: [...row.readers] });
    else {
      for (const field of row.fields) if (!same.fields.includes(field)) same.fields.push(field);
      same.readers.push(...row.readers);
    }
  }
  // "`gcs`, `s3` sink; `gcs`, `s3` checkpoint store"
  return [...byKey.values()].map(({ readers, ...row }) => {
    const kinds = [...new Set(readers.map((reader) => reader.group))];
    const readBy = kinds.map((kind) => {
      const types = readers.filter((reader) => reader.group === kind).map((reader) => code(reader.type));
      return `${types.join(', ')} ${kind}${types.length > 1 ? 's' : ''}`;
    });
    return { ...row, readBy };
  });
}

const PLACEHOLDER = /\{([A-Z][A-Z0-9_]*)\}/g;

/** An environment in which every variable but `unset` holds `{NAME}`. */
function placeholders(unset?: string): Env {
  return new Proxy(
    {},
    { get: (_, key) => (typeof key === 'string' && key !== unset ? `{${key}}` : undefined) },
  ) as Env;
}

/** `field` of what `mapping` reads from `env` (a dotted path), or undefined when reading fails. */
function readField(mapping: EnvMapping, env: Env, field: string): unknown {
  let value: unknown;
  try {
    value = mapping.read(env);
  } catch {
    return undefined;
  }
  for (const key of field.split('.'))
    value = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return value;
}

/** Whether `variable`'s value ends up in `field` (SEED_LAYOUT's does not: it switches prefixes). */
function readsInto(mapping: EnvMapping, field: string, variable: string): boolean {
  const value = readField(mapping, placeholders(), field);
  return typeof value === 'string' && value.includes(`{${variable}}`);
}

/** What fills `field` when `variable` is unset: another variable (an alias), or a value of the environment's. */
function fallbackOf(
  mapping: EnvMapping,
  field: string,
  variable: string,
): { alias?: string; value?: unknown } {
  const value = readField(mapping, placeholders(variable), field);
  if (value === undefined) return {};
  const alias = typeof value === 'string' ? /^\{([A-Z][A-Z0-9_]*)\}$/.exec(value)?.[1] : undefined;
  return alias ? { alias, value } : { value };
}

const placeholdersAsVariables = (text: string) => text.replace(PLACEHOLDER, (_, name: string) => `$${name}`);

const code = (text: string) => `\`${text}\``;

/** Defaults in the order they apply, the empty ones left out. */
const alternatives = (defaults: string[]) => defaults.filter(Boolean).join(', else ');

/** A schema default (JSON) as it would be written in the environment: a list comma-separated. */
function defaultValue(json: string): string {
  const value: unknown = JSON.parse(json);
  if (value === '') return '';
  if (Array.isArray(value)) return code(value.join(','));
  return code(typeof value === 'string' ? value : JSON.stringify(value));
}

/**
 * A schema description as the table says it: without the variable's own name (the row names it), its
 * `Default: …` sentence moved to the Default column, cut to its first sentence when long.
 */
function fromDescription(description: string, variable: string): { meaning: string; default: string } {
  const text = withoutVariable(description, variable);
  const all = sentences(text);
  const defaultSentence = all.find((sentence) => /^Default\b:?/.test(sentence));
  const rest = all.filter((sentence) => sentence !== defaultSentence);
  const whole = rest.join(' ');
  return {
    meaning: whole.length > LONG_MEANING ? (rest[0] ?? '') : whole,
    // "Default: AWS_REGION, else AWS_DEFAULT_REGION, …" in AWS_REGION's row: what applies when it is unset.
    default:
      defaultSentence
        ?.replace(/^Default\b:?\s*/, '')
        .replace(new RegExp(`^\`?${variable}\`?,\\s*else\\s+`), '')
        .replace(/\.$/, '') ?? '',
  };
}

/** `text` without the parenthesised mentions of `variable` ("(TOP_N; at most 10000)" → "(at most 10000)"). */
function withoutVariable(text: string, variable: string): string {
  return text.replace(/\s?\(([^()]*)\)/g, (whole, inside: string) => {
    const match = new RegExp(`^\`?${variable}\`?(?:[,;]\\s*)?`).exec(inside);
    if (!match) return whole;
    const rest = inside.slice(match[0].length);
    // "(SECOPS_REGION, or CHRONICLE_REGION …)": the other name has a row of its own.
    return !rest || rest.startsWith('or ') ? '' : `${whole.startsWith(' ') ? ' ' : ''}(${rest})`;
  });
}

/** Sentences: a period then a capital or code; "e.g." ends none. */
function sentences(text: string): string[] {
  const found: string[] = [];
  let start = 0;
  for (const match of text.matchAll(/\.\s+(?=[A-Z`])/g)) {
    const sentence = text.slice(start, match.index + 1);
    if (/\b(?:e\.g|i\.e|etc)\.$/.test(sentence)) continue;
    found.push(sentence.trim());
    start = match.index + match[0].length;
  }
  found.push(text.slice(start).trim());
  return found.filter(Boolean);
}

/** The option at `path` of `schema` (`tenants[0].clientId`, `runner.leaseSeconds`). */
function optionAt(schema: z.ZodType, path: string): OptionRow | undefined {
  const indexed = /^([^.[]+)\[\d+\]\.(.+)$/.exec(path);
  if (!indexed) return optionRows(schema).find((row) => row.name === path);
  const element = unwrapped(shapeOf(schema)?.[indexed[1]!]);
  return element instanceof z.ZodArray ? optionAt(element.element as z.ZodType, indexed[2]!) : undefined;
}

function shapeOf(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  const inner = unwrapped(schema);
  return inner instanceof z.ZodObject ? (inner.shape as Record<string, z.ZodType>) : undefined;
}

/** `schema` without its default, optional or nullable wrappers. */
function unwrapped(schema: z.ZodType | undefined): z.ZodType | undefined {
  let current = schema;
  while (
    current instanceof z.ZodDefault ||
    current instanceof z.ZodOptional ||
    current instanceof z.ZodNullable
  )
    current = current.def.innerType as z.ZodType;
  return current;
}
