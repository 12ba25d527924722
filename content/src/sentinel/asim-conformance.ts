/**
 * Whether a parser's result is what its ASIM schema requires (`asim-schemas.ts`, Microsoft's schema
 * tester's table): every mandatory field, every recommended one unless the parser says why its source
 * cannot fill it, each field with the schema's type, a conditional field beside the field it describes,
 * an alias beside the field it aliases, nothing outside the schema but `AdditionalFields` — and, for an
 * enumerated field, every value the parser's text can assign (a literal, a branch of `case`/`iff`) one of
 * the schema's.
 */
import type { AsimSchema } from './asim-schemas.ts';
import type { KqlColumn } from './kql-workspace.ts';
import { type KustoSyntaxNode, kustoLanguage, listOf } from './kusto-language.ts';

/** ASIM's `bool` is KQL's `bool`; every other type name is the same in both. */
export function asimProblems(
  schema: AsimSchema,
  columns: readonly KqlColumn[],
  query: string,
  notAvailable: Readonly<Record<string, string>> = {},
): string[] {
  const problems: string[] = [];
  const output = new Map(columns.map((column) => [column.name, column.type]));
  const fields = new Map(schema.fields.map((field) => [field.name, field]));
  for (const field of schema.fields) {
    const type = output.get(field.name);
    if (type === undefined) {
      if (field.class === 'Mandatory') problems.push(`${field.name}: mandatory, missing`);
      if (field.class === 'Recommended' && !notAvailable[field.name])
        problems.push(`${field.name}: recommended, missing (or say why in notAvailable)`);
      if ((field.class === 'Conditional' || field.class === 'Alias') && field.of && output.has(field.of))
        problems.push(`${field.name}: required beside ${field.of} (${field.class.toLowerCase()})`);
      continue;
    }
    if (type !== field.type) problems.push(`${field.name}: ${type}, the schema says ${field.type}`);
  }
  for (const name of output.keys())
    if (!fields.has(name)) problems.push(`${name}: not a field of ${schema.name}`);
  for (const name of Object.keys(notAvailable))
    if (output.has(name)) problems.push(`${name}: listed as not available, but the parser outputs it`);
  for (const [name, values] of assignedLiterals(query)) {
    const allowed = fields.get(name)?.values;
    if (!allowed || !output.has(name)) continue;
    for (const value of values)
      if (value !== '' && !allowed.includes(value))
        problems.push(`${name}: "${value}" is not one of ${allowed.join(', ')}`);
  }
  return problems;
}

/**
 * Every `name = …` of a KQL text with the string literals it can evaluate to: a literal itself, the
 * value branches of `case(…)` and `iff`/`iif`, the arguments of `coalesce` — conditions left out.
 */
export function assignedLiterals(query: string): Map<string, string[]> {
  const assigned = new Map<string, string[]>();
  kustoLanguage()
    .KustoCode.Parse(query)
    .Syntax.WalkElements((node) => {
      if (!node.constructor.$$name.endsWith('.SimpleNamedExpression') || !node.Name || !node.Expression)
        return;
      const values = assigned.get(node.Name.SimpleName) ?? [];
      values.push(...literalsOf(node.Expression));
      assigned.set(node.Name.SimpleName, values);
    });
  return assigned;
}

function literalsOf(expression: KustoSyntaxNode): string[] {
  const kind = expression.constructor.$$name;
  if (kind.endsWith('.LiteralExpression'))
    return typeof expression.LiteralValue === 'string' ? [expression.LiteralValue] : [];
  if (!kind.endsWith('.FunctionCallExpression') || !expression.Name || !expression.ArgumentList) return [];
  const args = listOf(expression.ArgumentList.Expressions).map((argument) => argument.Element);
  const name = expression.Name.SimpleName;
  const branches =
    name === 'case'
      ? args.filter((_, i) => i % 2 === 1 || i === args.length - 1)
      : name === 'iff' || name === 'iif'
        ? args.slice(1)
        : name === 'coalesce'
          ? args
          : [];
  return branches.flatMap(literalsOf);
}
