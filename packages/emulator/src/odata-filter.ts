/**
 * OData v4 `$filter` subset: comparison operators eq ne gt ge lt le, logical and / or / not, parentheses;
 * literals: unquoted DateTimeOffset (2024-08-06T07:00:00Z, fractional seconds, offsets), GUIDs, single-quoted
 * strings ('' escapes a quote), integers and decimals, null, true, false. Property names must exist on the
 * entity type; operand types must be compatible (as in ODL: Edm.Guid vs a quoted string is an error).
 * Anything else (functions, navigation paths, arithmetic, `in`, `has`) is rejected with a 400.
 *
 * Also derives, from a parsed filter, the window of cursor values it can possibly match, so a query only
 * generates the hours it needs.
 */
import { badRequest } from './api-error.ts';
import type { EdmType, PropertyDef } from './monitor-schema.ts';

type ValueKind = 'datetime' | 'guid' | 'string' | 'number' | 'boolean' | 'null';
export type ComparisonOperator = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

export type FilterExpr =
  | { kind: 'property'; name: string; type: ValueKind; edm: EdmType }
  | { kind: 'literal'; value: string | number | boolean | null; type: ValueKind; edm: string }
  | { kind: 'compare'; op: ComparisonOperator; left: FilterExpr; right: FilterExpr; type: 'boolean' }
  | { kind: 'and' | 'or'; left: FilterExpr; right: FilterExpr; type: 'boolean' }
  | { kind: 'not'; operand: FilterExpr; type: 'boolean' };

/** Resolves property names of the entity type being filtered. */
export interface FilterScope {
  typeName: string;
  property(name: string): PropertyDef | undefined;
}

const COMPARISONS: ReadonlySet<string> = new Set<ComparisonOperator>(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);

function isComparison(word: string): word is ComparisonOperator {
  return COMPARISONS.has(word);
}
const UNSUPPORTED_OPERATORS = new Set(['has', 'in', 'add', 'sub', 'mul', 'div', 'divby', 'mod']);
const OPERATOR_NAMES: Record<ComparisonOperator, string> = {
  eq: 'Equal',
  ne: 'NotEqual',
  gt: 'GreaterThan',
  ge: 'GreaterThanOrEqual',
  lt: 'LessThan',
  le: 'LessThanOrEqual',
};

const EDM_KIND: Record<string, ValueKind> = {
  'Edm.Guid': 'guid',
  'Edm.String': 'string',
  'Edm.Int16': 'number',
  'Edm.Int32': 'number',
  'Edm.Int64': 'number',
  'Edm.Double': 'number',
  'Edm.Boolean': 'boolean',
  'Edm.DateTimeOffset': 'datetime',
};

type Token =
  | { t: 'punct'; v: '(' | ')' | ','; pos: number }
  | { t: 'word'; v: string; pos: number }
  | { t: 'literal'; v: string | number | boolean | null; kind: ValueKind; edm: string; pos: number };

const DATETIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?)(?:\.(\d{1,12}))?(Z|[+-]\d{2}:\d{2})/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}(?![T\d])/;
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/;
const NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/;
const WORD = /^[A-Za-z_][A-Za-z0-9_]*/;

function syntaxError(text: string, pos: number, detail?: string): Error {
  const suffix = detail ? ` ${detail}` : '';
  return badRequest(`Syntax error at position ${pos} in '${text}'.${suffix}`);
}

/** Milliseconds since the epoch, keeping sub-millisecond digits as a fraction. */
function parseDateTime(text: string, match: RegExpExecArray, pos: number, source: string): number {
  const [, main, fraction, zone] = match;
  const whole = Date.parse(`${main}${main?.length === 16 ? ':00' : ''}${zone}`);
  const check = new Date(`${main}Z`);
  if (Number.isNaN(whole) || Number.isNaN(check.getTime()) || !check.toISOString().startsWith(main ?? '')) {
    throw badRequest(`The DateTimeOffset literal '${text}' at position ${pos} in '${source}' is not valid.`);
  }
  return whole + (fraction ? Number(`0.${fraction}`) * 1000 : 0);
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i] ?? '';
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const rest = source.slice(i);
    if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ t: 'punct', v: ch, pos: i });
      i++;
      continue;
    }
    if (ch === "'") {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= source.length) throw syntaxError(source, i, 'Unterminated string literal.');
        if (source[j] === "'") {
          if (source[j + 1] === "'") {
            value += "'";
            j += 2;
            continue;
          }
          break;
        }
        value += source[j];
        j++;
      }
      tokens.push({ t: 'literal', v: value, kind: 'string', edm: 'Edm.String', pos: i });
      i = j + 1;
      continue;
    }
    const dt = DATETIME.exec(rest);
    if (dt) {
      tokens.push({
        t: 'literal',
        v: parseDateTime(dt[0], dt, i, source),
        kind: 'datetime',
        edm: 'Edm.DateTimeOffset',
        pos: i,
      });
      i += dt[0].length;
      continue;
    }
    if (DATE_ONLY.test(rest)) {
      throw badRequest(
        `Edm.Date literals are not supported at position ${i} in '${source}': compare the DateTimeOffset column with a value such as 2024-08-06T00:00:00Z.`,
      );
    }
    const guid = GUID.exec(rest);
    if (guid) {
      tokens.push({ t: 'literal', v: guid[0].toLowerCase(), kind: 'guid', edm: 'Edm.Guid', pos: i });
      i += guid[0].length;
      continue;
    }
    const num = NUMBER.exec(rest);
    if (num) {
      const isInt = /^-?\d+$/.test(num[0]);
      tokens.push({
        t: 'literal',
        v: Number(num[0]),
        kind: 'number',
        edm: isInt ? 'Edm.Int32' : 'Edm.Decimal',
        pos: i,
      });
      i += num[0].length;
      continue;
    }
    const word = WORD.exec(rest);
    if (word) {
      const next = source[i + word[0].length];
      if (next === '/') {
        throw badRequest(
          `Navigation paths such as '${word[0]}/...' are not supported in $filter (position ${i}).`,
        );
      }
      const v = word[0];
      if (v === 'true' || v === 'false')
        tokens.push({ t: 'literal', v: v === 'true', kind: 'boolean', edm: 'Edm.Boolean', pos: i });
      else if (v === 'null') tokens.push({ t: 'literal', v: null, kind: 'null', edm: 'null', pos: i });
      else tokens.push({ t: 'word', v, pos: i });
      i += v.length;
      continue;
    }
    throw syntaxError(source, i, `Unexpected character '${ch}'.`);
  }
  return tokens;
}

class FilterParser {
  readonly #source: string;
  readonly #tokens: Token[];
  readonly #scope: FilterScope;
  #index = 0;

  constructor(source: string, scope: FilterScope) {
    this.#source = source;
    this.#tokens = tokenize(source);
    this.#scope = scope;
  }

  parse(): FilterExpr {
    if (this.#tokens.length === 0) throw badRequest(`The $filter expression is empty.`);
    const expr = this.#or();
    const extra = this.#tokens[this.#index];
    if (extra) throw syntaxError(this.#source, extra.pos);
    if (expr.type !== 'boolean') {
      throw badRequest(`The $filter expression must evaluate to Edm.Boolean: '${this.#source}'.`);
    }
    return expr;
  }

  #peekWord(...words: string[]): boolean {
    const token = this.#tokens[this.#index];
    return token?.t === 'word' && words.includes(token.v);
  }

  #or(): FilterExpr {
    let left = this.#and();
    while (this.#peekWord('or')) {
      this.#index++;
      left = this.#logical('or', left, this.#and());
    }
    return left;
  }

  #and(): FilterExpr {
    let left = this.#comparison();
    while (this.#peekWord('and')) {
      this.#index++;
      left = this.#logical('and', left, this.#comparison());
    }
    return left;
  }

  #logical(kind: 'and' | 'or', left: FilterExpr, right: FilterExpr): FilterExpr {
    for (const side of [left, right]) {
      if (side.type !== 'boolean' && side.type !== 'null') {
        throw badRequest(`The operands of '${kind}' must be Edm.Boolean in '${this.#source}'.`);
      }
    }
    return { kind, left, right, type: 'boolean' };
  }

  #comparison(): FilterExpr {
    let left = this.#unary();
    for (;;) {
      const token = this.#tokens[this.#index];
      if (token?.t !== 'word') return left;
      if (UNSUPPORTED_OPERATORS.has(token.v)) {
        throw badRequest(`The operator '${token.v}' is not supported (position ${token.pos}).`);
      }
      const op = token.v;
      if (!isComparison(op)) return left;
      this.#index++;
      const right = this.#unary();
      if (left.type !== right.type && left.type !== 'null' && right.type !== 'null') {
        throw badRequest(
          `A binary operator with incompatible types was detected. Found operand types '${edmOf(left)}' and '${edmOf(right)}' for operator kind '${OPERATOR_NAMES[op]}'.`,
        );
      }
      left = { kind: 'compare', op, left, right, type: 'boolean' };
    }
  }

  #unary(): FilterExpr {
    if (this.#peekWord('not')) {
      this.#index++;
      const operand = this.#unary();
      if (operand.type !== 'boolean') {
        throw badRequest(
          `A unary operator with an incompatible type was detected. Found operand type '${edmOf(operand)}' for operator kind 'Not'.`,
        );
      }
      return { kind: 'not', operand, type: 'boolean' };
    }
    return this.#primary();
  }

  #primary(): FilterExpr {
    const token = this.#tokens[this.#index];
    if (!token) throw syntaxError(this.#source, this.#source.length, 'Expression expected.');
    this.#index++;
    if (token.t === 'punct') {
      if (token.v !== '(') throw syntaxError(this.#source, token.pos);
      const inner = this.#or();
      const close = this.#tokens[this.#index];
      if (close?.t !== 'punct' || close.v !== ')') {
        throw syntaxError(this.#source, close?.pos ?? this.#source.length, "')' or operator expected.");
      }
      this.#index++;
      return inner;
    }
    if (token.t === 'literal') return { kind: 'literal', value: token.v, type: token.kind, edm: token.edm };
    const next = this.#tokens[this.#index];
    if (next?.t === 'punct' && next.v === '(') {
      throw badRequest(`The function '${token.v}' is not supported in $filter (position ${token.pos}).`);
    }
    if (COMPARISONS.has(token.v) || token.v === 'and' || token.v === 'or') {
      throw syntaxError(this.#source, token.pos, 'Expression expected.');
    }
    const property = this.#scope.property(token.v);
    if (!property) {
      throw badRequest(`Could not find a property named '${token.v}' on type '${this.#scope.typeName}'.`);
    }
    const type = EDM_KIND[property.type];
    if (!type)
      throw badRequest(
        `The property '${property.name}' of type '${property.type}' cannot be compared in a $filter by the emulator.`,
      );
    return { kind: 'property', name: property.name, type, edm: property.type };
  }
}

function edmOf(expr: FilterExpr): string {
  if (expr.kind === 'property' || expr.kind === 'literal') return expr.edm;
  return 'Edm.Boolean';
}

export function parseFilter(source: string, scope: FilterScope): FilterExpr {
  return new FilterParser(source, scope).parse();
}

function evaluate(expr: FilterExpr, row: Readonly<Record<string, unknown>>): unknown {
  switch (expr.kind) {
    case 'property':
      return row[expr.name] ?? null;
    case 'literal':
      return expr.value;
    case 'and':
      return evaluate(expr.left, row) === true && evaluate(expr.right, row) === true;
    case 'or':
      return evaluate(expr.left, row) === true || evaluate(expr.right, row) === true;
    case 'not': {
      const value = evaluate(expr.operand, row);
      return value === null ? null : value !== true;
    }
    case 'compare':
      return compareValues(expr.op, evaluate(expr.left, row), evaluate(expr.right, row));
  }
}

function compareValues(op: ComparisonOperator, a: unknown, b: unknown): boolean {
  // GUIDs are lowercase on both sides; timestamps are millisecond numbers on both sides.
  if (op === 'eq') return a === b;
  if (op === 'ne') return a !== b;
  if (a === null || b === null || typeof a !== typeof b) return false;
  const x = a as number | string | boolean;
  const y = b as number | string | boolean;
  switch (op) {
    case 'gt':
      return x > y;
    case 'ge':
      return x >= y;
    case 'lt':
      return x < y;
    default:
      return x <= y;
  }
}

/** Does the row satisfy the filter? (null / unknown → false) */
export function matchesFilter(expr: FilterExpr, row: Readonly<Record<string, unknown>>): boolean {
  return evaluate(expr, row) === true;
}

/** Half-open window [lo, hi) of integer-millisecond cursor values; infinite when unbounded. */
export interface CursorWindow {
  lo: number;
  hi: number;
}

const UNBOUNDED: CursorWindow = { lo: Number.NEGATIVE_INFINITY, hi: Number.POSITIVE_INFINITY };

const FLIPPED: Record<ComparisonOperator, ComparisonOperator> = {
  eq: 'eq',
  ne: 'ne',
  gt: 'lt',
  ge: 'le',
  lt: 'gt',
  le: 'ge',
};

/**
 * The properties a filter bounds for every row it can match: those compared with a literal (other than
 * `ne`) in its top-level conjunction. A database can seek an index on any of them; anything under an
 * `or` or a `not` it must scan for.
 */
export function boundedProperties(expr: FilterExpr | undefined): Set<string> {
  const found = new Set<string>();
  const visit = (node: FilterExpr | undefined) => {
    if (!node) return;
    if (node.kind === 'and') {
      visit(node.left);
      visit(node.right);
    } else if (node.kind === 'compare' && node.op !== 'ne') {
      const property = [node.left, node.right].find((side) => side.kind === 'property');
      const literal = [node.left, node.right].find((side) => side.kind === 'literal');
      if (property?.kind === 'property' && literal) found.add(property.name);
    }
  };
  visit(expr);
  return found;
}

/**
 * The smallest window of `cursor` values (integer ms) outside which the filter can never be true.
 * Conservative: parts it does not understand (`not`, `ne`, other columns) leave the window unbounded.
 */
export function cursorWindow(expr: FilterExpr | undefined, cursor: string): CursorWindow {
  if (!expr) return UNBOUNDED;
  switch (expr.kind) {
    case 'and': {
      const a = cursorWindow(expr.left, cursor);
      const b = cursorWindow(expr.right, cursor);
      return { lo: Math.max(a.lo, b.lo), hi: Math.min(a.hi, b.hi) };
    }
    case 'or': {
      const a = cursorWindow(expr.left, cursor);
      const b = cursorWindow(expr.right, cursor);
      if (a.lo >= a.hi) return b;
      if (b.lo >= b.hi) return a;
      return { lo: Math.min(a.lo, b.lo), hi: Math.max(a.hi, b.hi) };
    }
    case 'compare': {
      let { op, left, right } = expr;
      if (right.kind === 'property' && left.kind === 'literal') {
        [left, right] = [right, left];
        op = FLIPPED[op];
      }
      if (left.kind !== 'property' || left.name !== cursor || right.kind !== 'literal') return UNBOUNDED;
      if (typeof right.value !== 'number')
        return right.value === null && op === 'eq' ? { lo: 0, hi: 0 } : UNBOUNDED;
      const v = right.value;
      switch (op) {
        case 'eq':
          return { lo: Math.ceil(v), hi: Math.floor(v) + 1 };
        case 'ge':
          return { lo: Math.ceil(v), hi: UNBOUNDED.hi };
        case 'gt':
          return { lo: Math.floor(v) + 1, hi: UNBOUNDED.hi };
        case 'le':
          return { lo: UNBOUNDED.lo, hi: Math.floor(v) + 1 };
        case 'lt':
          return { lo: UNBOUNDED.lo, hi: Math.ceil(v) };
        default:
          return UNBOUNDED;
      }
    }
    default:
      return UNBOUNDED;
  }
}
