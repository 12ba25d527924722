/**
 * A Log Analytics workspace as Microsoft's Kusto library sees it — the tables ctxsiem creates, with the
 * columns every table has, and the functions its content deploys — and what a KQL text means in it: the
 * library's parse and semantic diagnostics (an unknown table, column or function, a wrong type, a syntax
 * error), the columns its result has, and the table columns it reads (through the functions it calls).
 */
import {
  type KustoColumnSymbol,
  type KustoGlobals,
  type KustoSymbol,
  kustoLanguage,
  listOf,
} from './kusto-language.ts';

/** The column types of Log Analytics tables and KQL results. */
export type KqlType =
  | 'string'
  | 'int'
  | 'long'
  | 'real'
  | 'bool'
  | 'datetime'
  | 'timespan'
  | 'dynamic'
  | 'guid'
  | 'decimal';

export interface KqlColumn {
  name: string;
  type: KqlType;
}
export interface KqlTable {
  name: string;
  columns: readonly KqlColumn[];
}
/** A stored function (a saved search with a function alias). */
export interface KqlFunction {
  name: string;
  /** Its parameter list without parentheses (`starttime:datetime=datetime(null)`), or empty. */
  parameters: string;
  body: string;
}

/**
 * Columns every Log Analytics table has besides its own ("Standard columns in Azure Monitor Logs",
 * https://learn.microsoft.com/azure/azure-monitor/logs/log-standard-columns): content may read them
 * (`Type` names the table a row of a `union` came from; ASIM parsers must output it).
 */
export const STANDARD_COLUMNS: readonly KqlColumn[] = [
  { name: 'TenantId', type: 'string' },
  { name: 'Type', type: 'string' },
  { name: '_ResourceId', type: 'string' },
  { name: '_SubscriptionId', type: 'string' },
  { name: '_TimeReceived', type: 'datetime' },
  { name: '_ItemId', type: 'string' },
  { name: '_IsBillable', type: 'string' },
  { name: '_BilledSize', type: 'real' },
];

export interface KqlAnalysis {
  /** Errors the library reports, each with its line and column. */
  errors: string[];
  /** The result's columns (a tabular query), in order. */
  columns: KqlColumn[];
  /** Table → the columns of it the text reads, through the functions it calls too. */
  reads: Map<string, Set<string>>;
  /** The workspace functions it calls, directly or through others. */
  calls: Set<string>;
}

const TYPE_NAMES: Record<string, KqlType> = {
  string: 'string',
  int: 'int',
  long: 'long',
  real: 'real',
  bool: 'bool',
  datetime: 'datetime',
  timespan: 'timespan',
  dynamic: 'dynamic',
  guid: 'guid',
  decimal: 'decimal',
};

/** Azure's column type names (`boolean`) as KQL's. */
export function kqlType(type: string): KqlType {
  const known = TYPE_NAMES[type === 'boolean' ? 'bool' : type];
  if (!known) throw new Error(`unknown column type ${type}`);
  return known;
}

export class KqlWorkspace {
  readonly #globals: KustoGlobals;
  /** Each table's column symbols → the table, to attribute a column reference. */
  readonly #owner = new Map<KustoSymbol, string>();
  readonly #tables = new Set<string>();
  readonly #functions = new Map<string, KqlFunction>();
  readonly #functionReads = new Map<string, { reads: Map<string, Set<string>>; calls: Set<string> }>();

  constructor(tables: readonly KqlTable[], functions: readonly KqlFunction[] = []) {
    const { Symbols } = kustoLanguage();
    const scalar = (type: KqlType): KustoSymbol => {
      const types = Symbols.ScalarTypes;
      const map: Record<KqlType, KustoSymbol> = {
        string: types.String,
        int: types.Int,
        long: types.Long,
        real: types.Real,
        bool: types.Bool,
        datetime: types.DateTime,
        timespan: types.TimeSpan,
        dynamic: types.Dynamic,
        guid: types.Guid,
        decimal: types.Decimal,
      };
      return map[type];
    };
    const members: KustoSymbol[] = [];
    for (const table of tables) {
      const own = new Set(table.columns.map((column) => column.name));
      const columns = [...table.columns, ...STANDARD_COLUMNS.filter((column) => !own.has(column.name))].map(
        (column) => new Symbols.ColumnSymbol(column.name, scalar(column.type)),
      );
      for (const column of columns) this.#owner.set(column, table.name);
      this.#tables.add(table.name);
      members.push(new Symbols.TableSymbol.$ctor4(table.name, columns));
    }
    for (const fn of functions) {
      this.#functions.set(fn.name, fn);
      members.push(
        new Symbols.FunctionSymbol.$ctor16(fn.name, `(${fn.parameters})`, `{ ${fn.body}\n}`, fn.name),
      );
    }
    this.#globals = kustoLanguage().GlobalState.Default.WithDatabase(
      new Symbols.DatabaseSymbol.ctor('workspace', members),
    );
  }

  get tableNames(): ReadonlySet<string> {
    return this.#tables;
  }

  /** Parses and analyzes `text` in this workspace. */
  analyze(text: string): KqlAnalysis {
    const { Symbols } = kustoLanguage();
    const code = kustoLanguage().KustoCode.ParseAndAnalyze(text, this.#globals);
    const errors = listOf(code.GetDiagnostics())
      .filter((diagnostic) => diagnostic.Severity === 'Error')
      .map((diagnostic) => `${diagnostic.Message} (at ${position(text, diagnostic.Start)})`);
    const reads = new Map<string, Set<string>>();
    const calls = new Set<string>();
    const read = (table: string, column?: string) => {
      const columns = reads.get(table) ?? new Set<string>();
      if (column) columns.add(column);
      reads.set(table, columns);
    };
    code.Syntax.WalkElements((element) => {
      const symbol = element.ReferencedSymbol;
      if (!symbol) return;
      if (symbol.Kind === Symbols.SymbolKind.Column) {
        const table = this.#owner.get(symbol);
        if (table) read(table, symbol.Name);
      } else if (symbol.Kind === Symbols.SymbolKind.Table && this.#tables.has(symbol.Name)) {
        read(symbol.Name);
      } else if (symbol.Kind === Symbols.SymbolKind.Function && this.#functions.has(symbol.Name)) {
        calls.add(symbol.Name);
      }
    });
    for (const name of [...calls]) {
      const inner = this.#readsOfFunction(name, new Set());
      for (const [table, columns] of inner.reads)
        for (const column of columns.size ? columns : [undefined]) read(table, column);
      for (const call of inner.calls) calls.add(call);
    }
    const result = code.ResultType as
      | (KustoSymbol & { Columns?: { Count: number; getItem(i: number): KustoColumnSymbol } })
      | null;
    const columns = listOf(result?.Columns).map((column) => ({
      name: column.Name,
      type: TYPE_NAMES[column.Type.Name] ?? 'dynamic',
    }));
    return { errors, columns, reads, calls };
  }

  /** A function's body analyzed on its own, its parameters declared as `let`s with their defaults. */
  analyzeFunction(fn: KqlFunction): KqlAnalysis {
    const lets = splitParameters(fn.parameters)
      .map((parameter) => `let ${parameter.name} = ${parameter.default ?? `${parameter.type}(null)`};`)
      .join('\n');
    return this.analyze(`${lets}\n${fn.body}`);
  }

  /** What a function's body reads, and the functions it calls, transitively (each analyzed once). */
  #readsOfFunction(
    name: string,
    visiting: Set<string>,
  ): { reads: Map<string, Set<string>>; calls: Set<string> } {
    const known = this.#functionReads.get(name);
    if (known) return known;
    const fn = this.#functions.get(name);
    if (!fn || visiting.has(name)) return { reads: new Map(), calls: new Set() };
    visiting.add(name);
    const analysis = this.analyzeFunction(fn);
    const found = { reads: analysis.reads, calls: analysis.calls };
    this.#functionReads.set(name, found);
    return found;
  }
}

export interface KqlParameter {
  name: string;
  type: string;
  default?: string;
}

/** `a:datetime=datetime(null), b:dynamic=dynamic([])` → its parameters (commas inside parentheses kept). */
export function splitParameters(list: string): KqlParameter[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of list) {
    if (char === '(' || char === '[') depth++;
    if (char === ')' || char === ']') depth--;
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += char;
  }
  if (current.trim()) parts.push(current);
  return parts.map((part) => {
    const [declaration, ...rest] = part.split('=');
    const [name, type] = (declaration ?? '').split(':').map((piece) => piece.trim()) as [string, string];
    const value = rest.join('=').trim();
    return { name, type, ...(value ? { default: value } : {}) };
  });
}

function position(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}
