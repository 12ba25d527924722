/**
 * README options tables generated from zod config schemas, so the docs cannot drift from the schemas
 * (the schema is the single source of a config's types, defaults, docs and JSON Schema).
 *
 * - `renderOptionsTable(schema)`: one Markdown row per option (name, type, required, default and the
 *   `.describe()` text), nested objects as dotted rows after their own row, padded the way `biome format`
 *   lays out Markdown tables (so the formatter leaves a freshly written table alone).
 * - `replaceOptionsTable(readme, id, table)`: the README text with the table between
 *   `<!-- options:{id} -->` and `<!-- /options:{id} -->` replaced.
 * - `testReadmeOptions({ readme, tables })` (`@ctxsiem/test-kit/options-table`): a vitest suite failing
 *   while a README's table is stale.
 *
 * `node scripts/options-tables.ts --write` (repo root) rewrites every registered README's tables.
 */
import { z } from 'zod';
import { configJsonSchema } from './config.ts';

/** What to run, from the repo root, when a README's options table is stale. */
export const OPTIONS_TABLES_COMMAND = 'node scripts/options-tables.ts --write';

/** One options table of a README: the id in its markers and the schema it is rendered from. */
export interface OptionsTable {
  id: string;
  schema: z.ZodType;
}

export interface OptionRow {
  /** Dotted path for the fields of nested objects (`backoff.baseMs`). */
  name: string;
  type: string;
  required: boolean;
  /** JSON of the default value, or '' when there is none. */
  default: string;
  description: string;
}

export const tableStart = (id: string) => `<!-- options:${id} -->`;
export const tableEnd = (id: string) => `<!-- /options:${id} -->`;

const HEADER = ['Option', 'Type', 'Required', 'Default', 'Description'];

/** One row per option; a nested object's fields follow its own row with dotted names. */
export function optionRows(schema: z.ZodType): OptionRow[] {
  const rows: OptionRow[] = [];
  const walk = (node: JsonSchemaNode, shape: Record<string, z.ZodType> | undefined, prefix: string) => {
    const required = new Set(node.required ?? []);
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      const name = `${prefix}${key}`;
      const value = child.default !== undefined ? child.default : appliedDefault(shape?.[key]);
      rows.push({
        name,
        type: typeOf(child),
        required: required.has(key) && value === undefined,
        default: value === undefined ? '' : JSON.stringify(value),
        description: child.description ?? '',
      });
      if (child.properties) walk(child, objectShape(shape?.[key]), `${name}.`);
    }
  };
  walk(configJsonSchema(schema) as JsonSchemaNode, objectShape(schema), '');
  return rows;
}

/** The Markdown table of `schema`'s options (without markers), formatted as `biome format` does. */
export function renderOptionsTable(schema: z.ZodType): string {
  const cell = (text: string) => text.replaceAll('|', '\\|').replace(/\s*\n\s*/g, ' ');
  const body = optionRows(schema).map((row) => [
    `\`${row.name}\``,
    cell(row.type),
    row.required ? 'yes' : 'no',
    row.default ? `\`${cell(row.default)}\`` : '',
    cell(row.description),
  ]);
  const widths = HEADER.map((title, i) =>
    Math.max(displayWidth(title), 3, ...body.map((cells) => displayWidth(cells[i] ?? ''))),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((text, i) => text + ' '.repeat((widths[i] ?? 0) - displayWidth(text))).join(' | ')} |`;
  return [line(HEADER), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)].join('\n');
}

/** The table currently between `id`'s markers in `readme` (markers excluded, trimmed). */
export function readOptionsTable(readme: string, id: string): string {
  const { start, end } = markers(readme, id);
  return readme.slice(start, end).trim();
}

/** `readme` with the table between `id`'s markers replaced by `table`. */
export function replaceOptionsTable(readme: string, id: string, table: string): string {
  const { start, end } = markers(readme, id);
  return `${readme.slice(0, start)}\n${table.trim()}\n${readme.slice(end)}`;
}

/** Table rows as trimmed cells, ignoring column padding: how stale tables are detected. */
export function tableCells(markdown: string): string[][] {
  return markdown
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('|'))
    .map((line) =>
      line
        .slice(1, line.endsWith('|') ? -1 : undefined)
        .split(/(?<!\\)\|/)
        .map((text) => text.trim())
        .map((text) => (/^:?-+:?$/.test(text) ? '---' : text)),
    );
}

/** Whether `readme` carries `table` between `id`'s markers (column padding aside). */
export function isOptionsTableCurrent(readme: string, id: string, table: string): boolean {
  return JSON.stringify(tableCells(readOptionsTable(readme, id))) === JSON.stringify(tableCells(table));
}

/** Top-level option names of `schema` (the keys of its zod object shape). */
export function schemaKeys(schema: z.ZodType): string[] {
  return Object.keys(objectShape(schema) ?? {});
}

interface JsonSchemaNode {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  format?: string;
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  items?: JsonSchemaNode;
  anyOf?: JsonSchemaNode[];
  oneOf?: JsonSchemaNode[];
  properties?: Record<string, JsonSchemaNode>;
  additionalProperties?: JsonSchemaNode | boolean;
  required?: string[];
}

function typeOf(node: JsonSchemaNode): string {
  if (node.const !== undefined) return `\`${String(node.const)}\``;
  if (node.enum) return node.enum.map((value) => `\`${String(value)}\``).join(' | ');
  const union = node.anyOf ?? node.oneOf;
  if (union) return [...new Set(union.map(typeOf))].join(' | ');
  if (node.format === 'uri') return 'URL';
  if (node.type === 'array') return `list of ${node.items ? typeOf(node.items) : 'any'}`;
  if (node.type === 'integer' || node.type === 'number') {
    const bounds = [
      node.exclusiveMinimum === undefined ? '' : `> ${node.exclusiveMinimum}`,
      node.minimum === undefined || node.minimum <= Number.MIN_SAFE_INTEGER ? '' : `≥ ${node.minimum}`,
      node.exclusiveMaximum === undefined ? '' : `< ${node.exclusiveMaximum}`,
      node.maximum === undefined || node.maximum >= Number.MAX_SAFE_INTEGER ? '' : `≤ ${node.maximum}`,
    ].filter(Boolean);
    return bounds.length ? `${node.type} ${bounds.join(', ')}` : node.type;
  }
  const values = node.additionalProperties;
  if (
    node.type === 'object' &&
    !node.properties &&
    typeof values === 'object' &&
    Object.keys(values).length
  ) {
    return `map of ${typeOf(values)}`;
  }
  if (Array.isArray(node.type)) return node.type.join(' | ');
  return node.type ?? 'any';
}

/** A field's default as the schema applies it, for defaults the JSON Schema drops (around preprocess). */
function appliedDefault(field: z.ZodType | undefined): unknown {
  const result = field?.safeParse(undefined);
  return result?.success ? result.data : undefined;
}

/** The shape of the zod object under wrappers (default, optional, pipe, …), if it is one. */
function objectShape(schema: z.ZodType | undefined): Record<string, z.ZodType> | undefined {
  let current: z.ZodType | undefined = schema;
  for (let depth = 0; current && depth < 20; depth++) {
    if (current instanceof z.ZodObject) return current.shape as Record<string, z.ZodType>;
    if (current instanceof z.ZodPipe) {
      // A preprocess pipes a transform into the real schema; any other pipe validates its input side.
      current = (current.in instanceof z.ZodTransform ? current.out : current.in) as z.ZodType;
    } else if (
      current instanceof z.ZodDefault ||
      current instanceof z.ZodPrefault ||
      current instanceof z.ZodOptional ||
      current instanceof z.ZodNullable
    ) {
      current = current.def.innerType as z.ZodType;
    } else {
      return undefined;
    }
  }
  return undefined;
}

/** Columns as Biome measures them: combining and format characters 0, East Asian wide ones 2. */
function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) {
    if (/[\p{M}\p{Cf}]/u.test(char)) continue;
    width += WIDE.test(char) ? 2 : 1;
  }
  return width;
}

const WIDE =
  /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\ua960-\ua97f\uac00-\ud7a3\uf900-\ufaff\ufe10-\ufe19\ufe30-\ufe6f\uff00-\uff60\uffe0-\uffe6\u{1b000}-\u{1b2ff}\u{20000}-\u{2fffd}\u{30000}-\u{3fffd}]/u;

function markers(readme: string, id: string): { start: number; end: number } {
  const open = readme.indexOf(tableStart(id));
  const close = readme.indexOf(tableEnd(id));
  if (open < 0 || close < open) {
    throw new Error(
      `README lacks the ${tableStart(id)} … ${tableEnd(id)} markers around its "${id}" options table`,
    );
  }
  return { start: open + tableStart(id).length, end: close };
}
