/**
 * What a PromQL expression reads, from its syntax tree: every metric a selector names, each selector's
 * label matchers, and the labels it aggregates by (`by`/`without`) or matches on (`on`/`ignoring`,
 * `group_left`/`group_right`). The tree comes from Prometheus' own PromQL grammar for its web UI
 * (`@prometheus-io/lezer-promql`, prometheus/prometheus web/ui/module/lezer-promql/src/promql.grammar),
 * so a misspelt function, an unbalanced parenthesis or a Grafana variable left in a range is an error
 * node here, not a guess. Node names used below are the grammar's (VectorSelector, LabelMatchers,
 * UnquotedLabelMatcher, QuotedLabelMatcher, QuotedLabelName, GroupingLabels, AggregateModifier,
 * MatchingModifierClause …).
 */
import { parser } from '@prometheus-io/lezer-promql';

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

export type MatchOperator = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  label: string;
  op: MatchOperator;
  /** The string literal's value, unquoted. */
  value: string;
}

export interface Selector {
  /** The metric's name: the selector's identifier, `{"name"}`, or a `__name__="…"` matcher; undefined when none names it exactly. */
  metric: string | undefined;
  /** Every matcher but the one that names the metric. */
  matchers: LabelMatcher[];
  /** Where the selector starts in the expression. */
  at: number;
}

/** by/without group an aggregation; on/ignoring match a binary operation's sides; group_left/right carry labels over. */
export type GroupingKind = 'by' | 'without' | 'on' | 'ignoring' | 'group_left' | 'group_right';

export interface Grouping {
  kind: GroupingKind;
  labels: string[];
  /** The metrics of the selectors the clause applies to: the aggregation's argument, or both sides of the operation. */
  metrics: string[];
  at: number;
}

export interface PromqlSyntaxError {
  at: number;
  /** The expression around the error. */
  near: string;
}

export interface PromqlReferences {
  selectors: Selector[];
  groupings: Grouping[];
  errors: PromqlSyntaxError[];
}

const OPERATORS: Record<string, MatchOperator> = {
  EqlSingle: '=',
  Neq: '!=',
  EqlRegex: '=~',
  NeqRegex: '!~',
};
const GROUPING_KEYWORDS: Record<string, GroupingKind> = {
  By: 'by',
  Without: 'without',
  On: 'on',
  Ignoring: 'ignoring',
  GroupLeft: 'group_left',
  GroupRight: 'group_right',
};

/** The selectors, groupings and syntax errors of `expr`. */
export function promqlReferences(expr: string): PromqlReferences {
  const tree = parser.parse(expr);
  const text = (node: SyntaxNode) => expr.slice(node.from, node.to);
  const errors: PromqlSyntaxError[] = [];
  const selectors: Array<Selector & { to: number }> = [];
  const clauses: Array<{ kind: GroupingKind; labels: string[]; at: number; scope: SyntaxNode }> = [];

  if (tree.topNode.firstChild === null) errors.push({ at: 0, near: expr });
  tree.iterate({
    enter(ref) {
      const node = ref.node;
      if (node.type.isError) {
        errors.push({ at: node.from, near: expr.slice(Math.max(0, node.from - 20), node.to + 20) });
        return;
      }
      if (node.name === 'VectorSelector') selectors.push({ ...selector(node, text), to: node.to });
      if (node.name === 'AggregateModifier' || node.name === 'MatchingModifierClause') {
        // The clause applies to the whole AggregateExpr or BinaryExpr it belongs to.
        const scope = node.parent ?? node;
        let kind: GroupingKind | undefined;
        for (let child = node.firstChild; child; child = child.nextSibling) {
          const keyword = GROUPING_KEYWORDS[child.name];
          if (keyword) kind = keyword;
          else if (child.name === 'GroupingLabels' && kind)
            clauses.push({ kind, labels: labelNames(child, text), at: child.from, scope });
        }
      }
    },
  });

  const groupings = clauses.map(({ kind, labels, at, scope }) => ({
    kind,
    labels,
    at,
    metrics: [
      ...new Set(
        selectors
          .filter((s) => s.at >= scope.from && s.to <= scope.to && s.metric !== undefined)
          .map((s) => s.metric as string),
      ),
    ],
  }));
  return { selectors: selectors.map(({ to: _, ...s }) => s), groupings, errors };
}

function selector(node: SyntaxNode, text: (node: SyntaxNode) => string): Selector {
  let metric: string | undefined;
  const matchers: LabelMatcher[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) {
    if (child.name === 'Identifier') metric = text(child);
    if (child.name !== 'LabelMatchers') continue;
    for (let m = child.firstChild; m; m = m.nextSibling) {
      // `{"metric.name", …}`: a quoted name alone in the braces names the metric.
      if (m.name === 'QuotedLabelName') metric = unquote(text(m));
      if (m.name !== 'UnquotedLabelMatcher' && m.name !== 'QuotedLabelMatcher') continue;
      const name = m.getChild('LabelName') ?? m.getChild('QuotedLabelName');
      const op = m.getChild('MatchOp')?.firstChild;
      const value = m.getChild('StringLiteral');
      if (!name || !op || !value) continue; // an error node inside says why
      const label = name.name === 'QuotedLabelName' ? unquote(text(name)) : text(name);
      const matcher = { label, op: OPERATORS[op.name] ?? '=', value: unquote(text(value)) };
      if (label === '__name__' && matcher.op === '=') metric = matcher.value;
      else matchers.push(matcher);
    }
  }
  return { metric, matchers, at: node.from };
}

function labelNames(node: SyntaxNode, text: (node: SyntaxNode) => string): string[] {
  const names: string[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) {
    if (child.name === 'LabelName') names.push(text(child));
    if (child.name === 'QuotedLabelName') names.push(unquote(text(child)));
  }
  return names;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'" };

/**
 * A PromQL string literal's value: backquoted strings are raw, single- and double-quoted ones take
 * backslash escapes (https://prometheus.io/docs/prometheus/latest/querying/basics/#string-literals;
 * the \x, \u and octal forms are left as written — no content of ours uses them).
 */
function unquote(literal: string): string {
  const body = literal.slice(1, -1);
  if (literal.startsWith('`')) return body;
  return body.replace(/\\(.)/g, (whole, c: string) => ESCAPES[c] ?? whole);
}

/**
 * The labels every series of `expr`'s result carries (what an alert's `{{ $labels.x }}` can show), or
 * `scalar` for a number, given the labels of each selected metric. Follows PromQL's rules
 * (https://prometheus.io/docs/prometheus/latest/querying/operators/): an aggregation keeps its `by`
 * labels, or the argument's minus its `without` ones, or none; `histogram_quantile` drops `le`; `and`
 * and `unless` keep the left side's, `or` those both sides carry; another operator between two vectors
 * keeps the left side's — only the `on` labels, or all but the `ignoring` ones, with `group_left/right`
 * labels added; other functions keep their vector argument's (`time()`, `vector()` have none).
 * Undefined when it cannot say (an unknown metric, a syntax error).
 */
export function promqlOutputLabels(
  expr: string,
  labelsOf: (metric: string) => ReadonlySet<string> | undefined,
): ReadonlySet<string> | 'scalar' | undefined {
  const tree = parser.parse(expr);
  let broken = false;
  tree.iterate({
    enter(ref) {
      if (ref.type.isError) broken = true;
    },
  });
  if (broken) return undefined;
  const text = (node: SyntaxNode) => expr.slice(node.from, node.to);
  const children = (node: SyntaxNode) => {
    const list: SyntaxNode[] = [];
    for (let c = node.firstChild; c; c = c.nextSibling) list.push(c);
    return list;
  };
  type Labels = ReadonlySet<string> | 'scalar' | undefined;
  const EXPRESSIONS = new Set([
    'AggregateExpr',
    'BinaryExpr',
    'FunctionCall',
    'MatrixSelector',
    'NumberDurationLiteral',
    'OffsetExpr',
    'ParenExpr',
    'StepInvariantExpr',
    'StringLiteral',
    'SubqueryExpr',
    'UnaryExpr',
    'VectorSelector',
  ]);
  const operands = (node: SyntaxNode) => children(node).filter((c) => EXPRESSIONS.has(c.name));
  const intersect = (a: ReadonlySet<string>, b: ReadonlySet<string>) =>
    new Set([...a].filter((l) => b.has(l)));

  const visit = (node: SyntaxNode): Labels => {
    switch (node.name) {
      case 'PromQL':
      case 'ParenExpr':
      case 'UnaryExpr':
      case 'OffsetExpr':
      case 'StepInvariantExpr':
      case 'SubqueryExpr':
      case 'MatrixSelector': {
        const [inner] = operands(node);
        return inner ? visit(inner) : undefined;
      }
      case 'NumberDurationLiteral':
      case 'StringLiteral':
        return 'scalar';
      case 'VectorSelector': {
        const { metric } = selector(node, text);
        return metric === undefined ? undefined : labelsOf(metric);
      }
      case 'FunctionCall': {
        const name = text(node.getChild('FunctionIdentifier') ?? node);
        const body = node.getChild('FunctionCallBody');
        const args = (body ? operands(body) : []).map(visit);
        if (name === 'time' || name === 'scalar') return 'scalar';
        if (name === 'vector') return new Set();
        const vectors = args.filter((a) => a !== 'scalar');
        if (vectors.some((a) => a === undefined)) return undefined;
        const [first] = vectors as ReadonlySet<string>[];
        if (!first) return 'scalar';
        if (name === 'histogram_quantile') return new Set([...first].filter((l) => l !== 'le'));
        return first;
      }
      case 'AggregateExpr': {
        const body = node.getChild('FunctionCallBody');
        const args = (body ? operands(body) : []).map(visit);
        const inner = args.at(-1);
        const modifier = node.getChild('AggregateModifier');
        const grouping = modifier?.getChild('GroupingLabels');
        const labels = grouping ? labelNames(grouping, text) : [];
        const op = text(node.getChild('AggregateOp') ?? node);
        if (op === 'topk' || op === 'bottomk' || op === 'limitk' || op === 'limit_ratio') return inner;
        if (modifier?.getChild('By')) return new Set(labels);
        if (modifier?.getChild('Without'))
          return inner === undefined || inner === 'scalar'
            ? inner
            : new Set([...inner].filter((l) => !labels.includes(l)));
        return new Set();
      }
      case 'BinaryExpr': {
        const [leftNode, rightNode] = operands(node);
        if (!leftNode || !rightNode) return undefined;
        const left = visit(leftNode);
        const right = visit(rightNode);
        if (left === undefined || right === undefined) return undefined;
        if (left === 'scalar') return right;
        if (right === 'scalar') return left;
        const op = children(node).find(
          (c) => !EXPRESSIONS.has(c.name) && c.name !== 'MatchingModifierClause',
        );
        const opName = op ? text(op) : '';
        if (opName === 'and' || opName === 'unless') return left;
        if (opName === 'or') return intersect(left, right);
        const clause = node.getChild('MatchingModifierClause');
        if (!clause) return left;
        let result: Set<string> = new Set(left);
        let keyword = '';
        for (const c of children(clause)) {
          if (c.name !== 'GroupingLabels') keyword = c.name;
          else if (keyword === 'On') result = new Set(labelNames(c, text));
          else if (keyword === 'Ignoring') for (const l of labelNames(c, text)) result.delete(l);
          else for (const l of labelNames(c, text)) result.add(l);
        }
        return result;
      }
      default:
        return undefined;
    }
  };
  return visit(tree.topNode);
}
