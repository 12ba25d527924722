/**
 * The part of KQL a data collection rule's transform uses here, evaluated over one record at a time, for
 * the Azure contract server: `source`, then `extend`, `project`, `project-away` and `where` stages;
 * column references (`name`, `['name']`), dynamic member access (`a.b`, `a['b']`), string, number and
 * timespan (`2d`, `47h`) literals, `and`/`or`, comparisons, `in (…)`, `+`/`-` on times, and the functions
 * `todatetime`, `tostring`, `toint`, `tolong`, `toreal`, `tobool`, `todynamic`, `iff`, `isempty`,
 * `isnotempty`, `isnull`, `isnotnull`, `now`, `ago` (the supported KQL of transformations:
 * https://learn.microsoft.com/azure/azure-monitor/data-collection/data-collection-transformations-kql).
 * Anything else is refused when the rule is loaded, so a test never passes on a transform it did not run.
 */

export type Row = Record<string, unknown>;

class Timespan {
  readonly ms: number;
  constructor(ms: number) {
    this.ms = ms;
  }
}

type Expr = (row: Row, now: Date) => unknown;
type Stage = (row: Row, now: Date) => Row | undefined;

const UNITS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

interface Token {
  kind: 'ident' | 'string' | 'number' | 'timespan' | 'punct';
  text: string;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const pattern =
    /\s*(?:(\d+(?:\.\d+)?)(ms|d|h|m|s)\b|(\d+(?:\.\d+)?)|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|(project-away|[A-Za-z_][A-Za-z0-9_]*)|(==|!=|>=|<=|\[|\]|[|,()=<>+\-.]))/y;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    pattern.lastIndex = at;
    const match = pattern.exec(text);
    if (!match) throw new Error(`KQL the contract server does not read, at “${text.slice(at, at + 30)}”`);
    at = pattern.lastIndex;
    if (match[1] !== undefined) tokens.push({ kind: 'timespan', text: `${match[1]}${match[2]}` });
    else if (match[3] !== undefined) tokens.push({ kind: 'number', text: match[3] });
    else if (match[4] !== undefined) tokens.push({ kind: 'string', text: match[4] });
    else if (match[5] !== undefined) tokens.push({ kind: 'string', text: match[5] });
    else if (match[6] !== undefined) tokens.push({ kind: 'ident', text: match[6] });
    else tokens.push({ kind: 'punct', text: match[7] ?? '' });
  }
  return tokens;
}

const isEmpty = (value: unknown) => value === null || value === undefined || value === '';

function toDate(value: unknown): Date | null {
  if (value instanceof Date) return value;
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

function toNumber(value: unknown, integer: boolean): number | null {
  const number =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && value.trim() !== ''
        ? Number(value)
        : Number.NaN;
  if (!Number.isFinite(number)) return null;
  return integer ? Math.trunc(number) : number;
}

const FUNCTIONS: Record<string, (args: unknown[], now: Date) => unknown> = {
  todatetime: ([v]) => toDate(v),
  tostring: ([v]) =>
    v === null || v === undefined
      ? ''
      : v instanceof Date
        ? v.toISOString()
        : typeof v === 'object'
          ? JSON.stringify(v)
          : String(v),
  toint: ([v]) => toNumber(v, true),
  tolong: ([v]) => toNumber(v, true),
  toreal: ([v]) => toNumber(v, false),
  tobool: ([v]) => (typeof v === 'boolean' ? v : v === 'true' ? true : v === 'false' ? false : null),
  todynamic: ([v]) => {
    if (typeof v !== 'string') return v ?? null;
    try {
      return JSON.parse(v);
    } catch {
      return v;
    }
  },
  iff: ([c, a, b]) => (c === true ? a : b),
  isempty: ([v]) => isEmpty(v),
  isnotempty: ([v]) => !isEmpty(v),
  isnull: ([v]) => v === null || v === undefined,
  isnotnull: ([v]) => v !== null && v !== undefined,
  now: (_, now) => now,
  ago: ([v], now) => (v instanceof Timespan ? new Date(now.getTime() - v.ms) : null),
};

const comparable = (v: unknown) => (v instanceof Date ? v.getTime() : v);

function compare(op: string, a: unknown, b: unknown): boolean | null {
  if (a === null || a === undefined || b === null || b === undefined)
    return op === '!=' ? a !== b : op === '==' ? a === b : null;
  const x = comparable(a) as number;
  const y = comparable(b) as number;
  switch (op) {
    case '==':
      return x === y;
    case '!=':
      return x !== y;
    case '>':
      return x > y;
    case '<':
      return x < y;
    case '>=':
      return x >= y;
    default:
      return x <= y;
  }
}

class Parser {
  #at = 0;
  readonly tokens: Token[];
  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }

  peek(text?: string): Token | undefined {
    const token = this.tokens[this.#at];
    return text === undefined || token?.text === text ? token : undefined;
  }
  next(): Token {
    const token = this.tokens[this.#at++];
    if (!token) throw new Error('KQL ends too early');
    return token;
  }
  expect(text: string): void {
    const token = this.next();
    if (token.text !== text) throw new Error(`KQL: expected “${text}”, found “${token.text}”`);
  }
  get done(): boolean {
    return this.#at >= this.tokens.length;
  }

  /** A column name: `name` or `['name']`. */
  name(): string {
    if (this.peek('[')) {
      this.next();
      const token = this.next();
      if (token.kind !== 'string') throw new Error('KQL: a quoted name');
      this.expect(']');
      return token.text;
    }
    const token = this.next();
    if (token.kind !== 'ident') throw new Error(`KQL: a name, found “${token.text}”`);
    return token.text;
  }

  expression(): Expr {
    let left = this.conjunction();
    while (this.peek('or')) {
      this.next();
      const a = left;
      const b = this.conjunction();
      left = (row, now) => a(row, now) === true || b(row, now) === true;
    }
    return left;
  }
  conjunction(): Expr {
    let left = this.comparison();
    while (this.peek('and')) {
      this.next();
      const a = left;
      const b = this.comparison();
      left = (row, now) => a(row, now) === true && b(row, now) === true;
    }
    return left;
  }
  comparison(): Expr {
    const left = this.sum();
    const op = this.peek()?.text;
    if (op && ['==', '!=', '>', '<', '>=', '<='].includes(op)) {
      this.next();
      const right = this.sum();
      return (row, now) => compare(op, left(row, now), right(row, now));
    }
    if (op === 'in') {
      this.next();
      this.expect('(');
      const items: Expr[] = [this.sum()];
      while (this.peek(',')) {
        this.next();
        items.push(this.sum());
      }
      this.expect(')');
      return (row, now) => {
        const value = left(row, now);
        return items.some((item) => item(row, now) === value);
      };
    }
    return left;
  }
  sum(): Expr {
    let left = this.postfix();
    for (let op = this.peek()?.text; op === '+' || op === '-'; op = this.peek()?.text) {
      this.next();
      const a = left;
      const b = this.postfix();
      const sign = op === '+' ? 1 : -1;
      left = (row, now) => {
        const x = a(row, now);
        const y = b(row, now);
        if (x instanceof Date && y instanceof Timespan) return new Date(x.getTime() + sign * y.ms);
        if (typeof x === 'number' && typeof y === 'number') return x + sign * y;
        return null;
      };
    }
    return left;
  }
  postfix(): Expr {
    let value = this.primary();
    for (;;) {
      if (this.peek('.')) {
        this.next();
        const key = this.name();
        const base = value;
        value = (row, now) => member(base(row, now), key);
      } else if (this.peek('[') && this.tokens[this.#at + 1]?.kind === 'string') {
        const key = this.name();
        const base = value;
        value = (row, now) => member(base(row, now), key);
      } else return value;
    }
  }
  primary(): Expr {
    const token = this.peek();
    if (!token) throw new Error('KQL ends too early');
    if (token.kind === 'number') {
      this.next();
      const value = Number(token.text);
      return () => value;
    }
    if (token.kind === 'timespan') {
      this.next();
      const [, amount = '0', unit = 'd'] = /^([\d.]+)(\w+)$/.exec(token.text) ?? [];
      const span = new Timespan(Number(amount) * (UNITS[unit] ?? 0));
      return () => span;
    }
    if (token.kind === 'string') {
      this.next();
      return () => token.text;
    }
    if (token.text === '(') {
      this.next();
      const inner = this.expression();
      this.expect(')');
      return inner;
    }
    if (token.kind === 'ident' && this.tokens[this.#at + 1]?.text === '(') {
      this.next();
      this.next();
      const fn = FUNCTIONS[token.text];
      if (!fn) throw new Error(`KQL function the contract server does not know: ${token.text}`);
      const args: Expr[] = [];
      if (!this.peek(')')) {
        args.push(this.expression());
        while (this.peek(',')) {
          this.next();
          args.push(this.expression());
        }
      }
      this.expect(')');
      return (row, now) =>
        fn(
          args.map((arg) => arg(row, now)),
          now,
        );
    }
    if (token.text === 'true' || token.text === 'false') {
      this.next();
      const value = token.text === 'true';
      return () => value;
    }
    const name = this.name();
    return (row) => row[name] ?? null;
  }
}

function member(base: unknown, key: string): unknown {
  if (base === null || typeof base !== 'object' || Array.isArray(base)) return null;
  return (base as Row)[key] ?? null;
}

/** A transform as a function from one input row to its output row (or none, filtered out). */
export function compileTransform(kql: string): (row: Row, now: Date) => Row | undefined {
  const parser = new Parser(tokenize(kql));
  const head = parser.next();
  if (head.text !== 'source') throw new Error('a transform starts with `source`');
  const stages: Stage[] = [];
  while (!parser.done) {
    parser.expect('|');
    const operator = parser.next().text;
    const names = () => {
      const list = [parser.name()];
      while (parser.peek(',')) {
        parser.next();
        list.push(parser.name());
      }
      return list;
    };
    if (operator === 'extend') {
      const assignments: [string, Expr][] = [];
      do {
        if (parser.peek(',')) parser.next();
        const name = parser.name();
        parser.expect('=');
        assignments.push([name, parser.expression()]);
      } while (parser.peek(','));
      stages.push((row, now) => {
        const out = { ...row };
        for (const [name, expr] of assignments) out[name] = expr(out, now);
        return out;
      });
    } else if (operator === 'project') {
      const list = names();
      stages.push((row) => Object.fromEntries(list.map((name) => [name, row[name] ?? null])));
    } else if (operator === 'project-away') {
      const list = new Set(names());
      stages.push((row) => Object.fromEntries(Object.entries(row).filter(([name]) => !list.has(name))));
    } else if (operator === 'where') {
      const condition = parser.expression();
      stages.push((row, now) => (condition(row, now) === true ? row : undefined));
    } else throw new Error(`KQL operator the contract server does not know: ${operator}`);
  }
  return (row, now) => {
    let current: Row | undefined = row;
    for (const stage of stages) {
      if (!current) return undefined;
      current = stage(current, now);
    }
    return current;
  };
}
