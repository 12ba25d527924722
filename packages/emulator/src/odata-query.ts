/**
 * Parsing and validation of OData system query options: $filter, $orderby, $top, $skip, $select, $expand,
 * $count and $skiptoken for Monitor entity sets, plus the shared $select / $orderby / $top / $skip parsers used
 * by casodata. Anything not understood is a 400 with an OData error body, never silently ignored.
 */
import { badRequest } from './api-error.ts';
import type { EntitySetDef, NavigationDef } from './monitor-schema.ts';
import { type FilterExpr, parseFilter } from './odata-filter.ts';
import { hashOf } from './random.ts';

export interface OrderTerm {
  property: string;
  descending: boolean;
}

export interface ExpandTerm {
  navigation: NavigationDef;
  /** Properties of the expanded entity to return; undefined = all. */
  select?: string[];
}

export interface MonitorQuery {
  filter?: FilterExpr;
  orderBy: OrderTerm[];
  /** Properties to return; undefined = all. */
  select?: string[];
  expand: ExpandTerm[];
  top?: number;
  skip: number;
  count: boolean;
  skipToken?: string;
  /** Every query parameter except $skiptoken, in request order (for the nextLink). */
  parameters: [string, string][];
  /** Identity of the query (without $skiptoken): a skip token only continues the query it came from. */
  fingerprint: number;
}

/** Names the properties of one entity type, for validation messages. */
export interface PropertyScope {
  typeName: string;
  has(name: string): boolean;
}

const MONITOR_OPTIONS = new Set([
  '$filter',
  '$orderby',
  '$top',
  '$skip',
  '$select',
  '$expand',
  '$count',
  '$skiptoken',
]);

/** Rejects unknown or repeated system query options; returns the options by name. */
export function collectOptions(params: URLSearchParams, supported: ReadonlySet<string>): Map<string, string> {
  const options = new Map<string, string>();
  for (const [name, value] of params) {
    if (!name.startsWith('$')) continue;
    if (!supported.has(name)) {
      throw badRequest(
        `The query option '${name}' is not supported. Supported options: ${[...supported].join(', ')}.`,
      );
    }
    if (options.has(name)) throw badRequest(`Query option '${name}' was specified more than once.`);
    options.set(name, value);
  }
  return options;
}

export function parseNonNegativeInteger(option: string, value: string): number {
  if (!/^\d{1,15}$/.test(value.trim()))
    throw badRequest(`Invalid value '${value}' for ${option} query option found.`);
  return Number(value.trim());
}

export function parseSelect(value: string, scope: PropertyScope): string[] | undefined {
  const items = value.split(',').map((item) => item.trim());
  if (items.includes('*')) return undefined;
  for (const item of items) {
    if (item === '') throw badRequest(`Syntax error in $select '${value}': empty item.`);
    if (item.includes('/') || item.includes('(')) {
      throw badRequest(`Only plain property names are supported in $select, got '${item}'.`);
    }
    if (!scope.has(item))
      throw badRequest(`Could not find a property named '${item}' on type '${scope.typeName}'.`);
  }
  return [...new Set(items)];
}

export function parseOrderBy(value: string, scope: PropertyScope): OrderTerm[] {
  return value.split(',').map((item) => {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)(?:\s+(asc|desc))?\s*$/.exec(item);
    if (!match?.[1]) throw badRequest(`Syntax error in $orderby '${value}' near '${item.trim()}'.`);
    if (!scope.has(match[1])) {
      throw badRequest(`Could not find a property named '${match[1]}' on type '${scope.typeName}'.`);
    }
    return { property: match[1], descending: match[2] === 'desc' };
  });
}

/** Splits on commas that are not inside parentheses. */
function splitTopLevel(value: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of value) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (depth < 0) throw badRequest(`Unbalanced parentheses in '${value}'.`);
    if (ch === separator && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (depth !== 0) throw badRequest(`Unbalanced parentheses in '${value}'.`);
  parts.push(current);
  return parts;
}

function scopeOf(def: EntitySetDef): PropertyScope {
  return { typeName: `${def.typeName}`, has: (name) => def.property(name) !== undefined };
}

export function parseExpand(
  value: string,
  def: EntitySetDef,
  resolve: (entitySet: string) => EntitySetDef | undefined,
): ExpandTerm[] {
  return splitTopLevel(value, ',').map((raw) => {
    const item = raw.trim();
    const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:\((.*)\))?$/s.exec(item);
    if (!match?.[1]) throw badRequest(`Syntax error in $expand '${value}' near '${item}'.`);
    const navigation = def.navigation.find((n) => n.name === match[1]);
    if (!navigation) {
      const hint = def.navigation.length
        ? ` Navigation properties: ${def.navigation.map((n) => n.name).join(', ')}.`
        : '';
      throw badRequest(
        `Could not find a navigation property named '${match[1]}' on type '${def.typeName}'.${hint}`,
      );
    }
    const target = resolve(navigation.target);
    if (!target) throw badRequest(`The navigation target '${navigation.target}' is not available.`);
    const term: ExpandTerm = { navigation };
    for (const nested of match[2] === undefined ? [] : splitTopLevel(match[2], ';')) {
      const option = /^\s*(\$[a-z]+)=(.*)$/s.exec(nested);
      if (!option?.[1] || option[2] === undefined) {
        if (nested.trim() === '') continue;
        throw badRequest(`Syntax error in $expand options '${nested}'.`);
      }
      if (option[1] !== '$select') {
        throw badRequest(
          `The nested option '${option[1]}' inside $expand is not supported; only $select is.`,
        );
      }
      const select = parseSelect(option[2], scopeOf(target));
      if (select) term.select = select;
    }
    return term;
  });
}

export function parseMonitorQuery(
  params: URLSearchParams,
  def: EntitySetDef,
  resolve: (entitySet: string) => EntitySetDef | undefined,
): MonitorQuery {
  const options = collectOptions(params, MONITOR_OPTIONS);
  const scope = scopeOf(def);
  const query: MonitorQuery = {
    orderBy: [],
    expand: [],
    skip: 0,
    count: false,
    parameters: [...params].filter(([name]) => name !== '$skiptoken'),
    fingerprint: 0,
  };
  query.fingerprint = hashOf(JSON.stringify(query.parameters));
  const filter = options.get('$filter');
  if (filter !== undefined)
    query.filter = parseFilter(filter, { typeName: def.typeName, property: def.property });
  const orderBy = options.get('$orderby');
  if (orderBy !== undefined) query.orderBy = parseOrderBy(orderBy, scope);
  const select = options.get('$select');
  if (select !== undefined) {
    const properties = parseSelect(select, scope);
    if (properties) query.select = properties;
  }
  const expand = options.get('$expand');
  if (expand !== undefined) query.expand = parseExpand(expand, def, resolve);
  const top = options.get('$top');
  if (top !== undefined) query.top = parseNonNegativeInteger('$top', top);
  const skip = options.get('$skip');
  if (skip !== undefined) query.skip = parseNonNegativeInteger('$skip', skip);
  const count = options.get('$count');
  if (count !== undefined) {
    if (count !== 'true' && count !== 'false')
      throw badRequest(`Invalid value '${count}' for $count query option found.`);
    query.count = count === 'true';
  }
  const skipToken = options.get('$skiptoken');
  if (skipToken !== undefined) query.skipToken = skipToken;
  return query;
}
