/**
 * The UDM field schema ctxsiem checks its UDM events and YARA-L rules against, derived from Google's
 * published UDM protocol buffers: `backstory/udm.proto` (and the `backstory/*.proto` it imports) of
 * the repository googleapis/googleapis — the definition the UDM field list
 * (https://cloud.google.com/chronicle/docs/reference/udm-field-list) documents. Every message
 * reachable from `UDM` is kept with its fields' types, and every enum such a field uses with its
 * values, in `src/udm-schema.generated.ts`.
 *
 *   node packages/sink-secops/scripts/derive-udm-schema.ts --protos <dir> --commit <sha>
 *       <dir> holds `backstory/*.proto` as the commit has them (a checkout of googleapis/googleapis,
 *       or `git archive <sha> backstory | tar -x -C <dir>` of one)
 *   … --check      exits 1 when the generated module differs
 *
 * `google.type.LatLng` and `google.type.Interval` (google/type/latlng.proto, interval.proto of the same
 * repository) are small and kept as messages; `google.protobuf` well-known types become the scalar
 * kinds of their JSON mapping (https://protobuf.dev/programming-guides/json/): `timestamp` (RFC 3339),
 * `duration` ("1.5s"), `struct` (any JSON object).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const OUTPUT = fileURLToPath(new URL('../src/udm-schema.generated.ts', import.meta.url));
const FILES = ['udm.proto', 'id.proto', 'entity_risk.proto', 'data_access.proto'];

const SCALARS = new Set([
  'string',
  'bool',
  'bytes',
  'int32',
  'int64',
  'uint32',
  'uint64',
  'sint32',
  'sint64',
  'fixed32',
  'fixed64',
  'sfixed32',
  'sfixed64',
  'double',
  'float',
]);
const WELL_KNOWN: Record<string, string> = {
  'google.protobuf.Timestamp': 'timestamp',
  'google.protobuf.Duration': 'duration',
  'google.protobuf.Struct': 'struct',
  'google.protobuf.Value': 'value',
};
/** google/type/latlng.proto and google/type/interval.proto, as their fields are declared there. */
const GOOGLE_TYPES: Record<string, Record<string, string>> = {
  'google.type.LatLng': { latitude: 'double', longitude: 'double' },
  'google.type.Interval': { start_time: 'timestamp', end_time: 'timestamp' },
};

interface ParsedField {
  name: string;
  type: string;
  repeated: boolean;
  map?: string;
}
interface Parsed {
  messages: Map<string, ParsedField[]>;
  enums: Map<string, string[]>;
}

/** Tokens of a proto file, comments and option brackets' contents aside. */
function tokens(text: string): string[] {
  const bare = text.replace(/\/\/[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
  return bare.match(/"(?:[^"\\]|\\.)*"|[A-Za-z_][\w.]*|-?\d+|[{}[\]<>=;,()]/g) ?? [];
}

/** The messages and enums of one file, by their scoped names (`SecurityResult.Action`). */
export function parseProto(text: string, into: Parsed): void {
  const t = tokens(text);
  let i = 0;
  const skipStatement = () => {
    let depth = 0;
    while (i < t.length) {
      const token = t[i++];
      if (token === '{') depth++;
      if (token === '}' && --depth === 0) return;
      if (token === ';' && depth === 0) return;
    }
  };
  const skipBrackets = () => {
    if (t[i] !== '[') return;
    while (t[i] !== ']') i++;
    i++;
  };
  const parseEnum = (scope: string) => {
    const name = `${scope}${t[i++]}`;
    i++; // {
    const values: string[] = [];
    while (t[i] !== '}') {
      if (t[i] === 'option' || t[i] === 'reserved') {
        skipStatement();
        continue;
      }
      values.push(t[i]!);
      i += 3; // name = number
      skipBrackets();
      i++; // ;
    }
    i++;
    into.enums.set(name, values);
  };
  const parseMessage = (scope: string) => {
    const name = `${scope}${t[i++]}`;
    i++; // {
    const fields: ParsedField[] = [];
    into.messages.set(name, fields);
    const body = (closeAt: string) => {
      while (t[i] !== closeAt) {
        const token = t[i]!;
        if (token === 'message') {
          i++;
          parseMessage(`${name}.`);
        } else if (token === 'enum') {
          i++;
          parseEnum(`${name}.`);
        } else if (token === 'oneof') {
          i += 3; // oneof name {
          body('}');
          i++;
        } else if (token === 'option' || token === 'reserved' || token === 'extensions') {
          skipStatement();
        } else if (token === 'map') {
          // map < K , V > name = n ;
          const value = t[i + 4]!;
          fields.push({ name: t[i + 6]!, type: value, repeated: false, map: t[i + 2]! });
          i += 9;
          skipBrackets();
          i++;
        } else {
          const repeated = token === 'repeated';
          if (repeated || token === 'optional') i++;
          const type = t[i++]!;
          const field = t[i++]!;
          i += 2; // = number
          skipBrackets();
          i++; // ;
          fields.push({ name: field, type, repeated });
        }
      }
    };
    body('}');
    i++;
  };
  while (i < t.length) {
    const token = t[i++];
    if (token === 'message') parseMessage('');
    else if (token === 'enum') parseEnum('');
    else if (token === 'syntax' || token === 'package' || token === 'import' || token === 'option') {
      i--;
      skipStatement();
    }
  }
}

/** Resolves a type reference made inside `scope` (a message's scoped name) as protoc does. */
function resolve(reference: string, scope: string, parsed: Parsed): string {
  if (SCALARS.has(reference)) return reference;
  if (WELL_KNOWN[reference]) return WELL_KNOWN[reference]!;
  if (GOOGLE_TYPES[reference]) return reference;
  const bare = reference.replace(/^\.?(google\.)?backstory\./, '');
  const parts = scope.split('.');
  for (let n = parts.length; n >= 0; n--) {
    const candidate = [...parts.slice(0, n), bare].join('.');
    if (parsed.messages.has(candidate) || parsed.enums.has(candidate)) return candidate;
  }
  throw new Error(`unresolved type ${reference} in ${scope}`);
}

export interface DerivedSchema {
  messages: Record<string, Record<string, string>>;
  enums: Record<string, string[]>;
}

/** Every message reachable from `UDM`, its fields typed (`Noun`, `string[]`, `map<string,X>`), and their enums. */
export function deriveSchema(parsed: Parsed): DerivedSchema {
  const messages: Record<string, Record<string, string>> = {};
  const enums: Record<string, string[]> = {};
  const visit = (name: string) => {
    if (messages[name]) return;
    if (GOOGLE_TYPES[name]) {
      messages[name] = GOOGLE_TYPES[name]!;
      return;
    }
    const fields = parsed.messages.get(name);
    if (!fields) throw new Error(`no message ${name}`);
    const typed: Record<string, string> = {};
    messages[name] = typed;
    for (const field of fields) {
      const type = resolve(field.type, name, parsed);
      typed[field.name] = field.map ? `map<${field.map},${type}>` : field.repeated ? `${type}[]` : type;
      if (parsed.enums.has(type)) enums[type] = parsed.enums.get(type)!;
      else if (parsed.messages.has(type) || GOOGLE_TYPES[type]) visit(type);
    }
  };
  visit('UDM');
  return { messages, enums };
}

function render(schema: DerivedSchema, commit: string): string {
  const sorted = <T>(record: Record<string, T>) =>
    Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
  const lines = [
    '/**',
    ' * GENERATED by scripts/derive-udm-schema.ts — do not edit.',
    ' *',
    ' * The UDM schema: every message reachable from `UDM` with its fields’ types, and the values of every',
    ' * enum they use, from Google’s UDM protocol buffers — googleapis/googleapis `backstory/udm.proto` (with',
    ` * \`backstory/id.proto\`, \`entity_risk.proto\`, \`data_access.proto\`) at commit ${commit}, the`,
    ' * definition the UDM field list documents (https://cloud.google.com/chronicle/docs/reference/udm-field-list).',
    ' * Types: a message’s or enum’s scoped name, a proto scalar, `timestamp`/`duration`/`struct` (JSON',
    ' * mapping of the well-known types), `X[]` (repeated), `map<K,V>`.',
    ' */',
    '',
    `export const UDM_SCHEMA_SOURCE = ${JSON.stringify({
      repository: 'googleapis/googleapis',
      path: 'backstory/udm.proto',
      commit,
      fieldList: 'https://cloud.google.com/chronicle/docs/reference/udm-field-list',
    })} as const;`,
    '',
    'export const UDM_MESSAGES: Readonly<Record<string, Readonly<Record<string, string>>>> = {',
    ...Object.entries(sorted(schema.messages)).map(
      ([name, fields]) => `  ${JSON.stringify(name)}: ${JSON.stringify(fields)},`,
    ),
    '};',
    '',
    'export const UDM_ENUMS: Readonly<Record<string, readonly string[]>> = {',
    ...Object.entries(sorted(schema.enums)).map(
      ([name, values]) => `  ${JSON.stringify(name)}: ${JSON.stringify(values)},`,
    ),
    '};',
    '',
  ];
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { protos: { type: 'string' }, commit: { type: 'string' }, check: { type: 'boolean' } },
  });
  if (!values.protos || !values.commit || !/^[0-9a-f]{40}$/.test(values.commit)) {
    console.error(
      'usage: derive-udm-schema.ts --protos <dir holding backstory/*.proto> --commit <sha> [--check]',
    );
    process.exit(2);
  }
  const parsed: Parsed = { messages: new Map(), enums: new Map() };
  for (const file of FILES) parseProto(readFileSync(join(values.protos, 'backstory', file), 'utf8'), parsed);
  const text = render(deriveSchema(parsed), values.commit);
  if (values.check) {
    const current = readFileSync(OUTPUT, 'utf8');
    if (current !== text) {
      console.error(`${OUTPUT} differs from what the protos give`);
      process.exit(1);
    }
  } else writeFileSync(OUTPUT, text);
}
