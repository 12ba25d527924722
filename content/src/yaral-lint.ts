/**
 * A structural linter for YARA-L 2.0 rules — not a parser: no YARA-L engine exists offline, so the
 * rules' syntax is only verified by Google when they are created. What it checks, after Google's
 * "YARA-L 2.0 language syntax" (https://cloud.google.com/chronicle/docs/detection/yara-l-2-0-syntax):
 *
 * - the text is one `rule <name> {` … `}` whose name is an identifier;
 * - its sections are `meta`, `events`, `match`?, `outcome`?, `condition`, `options`?, in that order,
 *   each at most once;
 * - `meta` lines are `key = "value"`, with the keys ctxsiem requires (`REQUIRED_META`);
 * - every `$var.path` reads a field the UDM has (the schema derived from Google's udm.proto, through
 *   `@ctxsiem/sink-secops`), from a variable the events section uses as an event;
 * - every `metadata.event_type = "X"` (and any enum field compared with a string) names a value of
 *   that enum; `metadata.event_type` must be a UDM event type;
 * - every `$var` / `#var` that match, outcome and condition use is defined: an event variable, a
 *   placeholder the events section assigns, or an outcome variable.
 */
import { udmEnumValues, udmPathType } from '@ctxsiem/sink-secops/udm-fields';

export const YARAL_SECTIONS = ['meta', 'events', 'match', 'outcome', 'condition', 'options'] as const;
type Section = (typeof YARAL_SECTIONS)[number];
const REQUIRED_SECTIONS: readonly Section[] = ['meta', 'events', 'condition'];

/** The meta keys every ctxsiem rule carries. */
export const REQUIRED_META = [
  'author',
  'description',
  'severity',
  'mitre_attack_tactic',
  'mitre_attack_technique',
  'ctxsiem_question',
] as const;

/** Google's rule severities (meta `severity`, as Google's own rules use them). */
const SEVERITIES = new Set(['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']);

export interface LintedRule {
  name: string;
  meta: Record<string, string>;
  sections: Partial<Record<Section, string>>;
  /** Event variables (`$e` of `$e.principal.ip`), placeholders, outcome variables. */
  events: string[];
  placeholders: string[];
  outcomes: string[];
  /** Every UDM field path the rule reads (`principal.ip`). */
  fields: string[];
}

export interface LintResult {
  rule?: LintedRule | undefined;
  problems: string[];
}

/** The text without `//` and block comments (string and regex literals kept as they are). */
export function withoutComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"' || c === '`') {
      const end = text.indexOf(c, i + 1);
      const stop = end === -1 ? text.length : end + 1;
      out += text.slice(i, stop);
      i = stop;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? text.length : end + 2;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** The text with string literals emptied: what variables and paths are read from. */
const withoutStrings = (text: string) => text.replace(/"(?:[^"\\]|\\.)*"|`[^`]*`/g, '""');

const FIELD = /\$([A-Za-z_]\w*)\.([A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\[[^\]]*\])*)/g;

export function lintYaral(text: string): LintResult {
  const problems: string[] = [];
  const code = withoutComments(text).trim();
  const head = /^rule\s+([A-Za-z_]\w*)\s*\{/.exec(code);
  if (!head) return { problems: ['the file must hold one `rule <name> {`'] };
  if (!code.endsWith('}')) problems.push('the rule must end with `}`');
  const name = head[1]!;
  const body = code.slice(head[0].length, code.lastIndexOf('}'));

  // Sections: a line holding only `<section>:`.
  const found: { section: Section; at: number; start: number }[] = [];
  for (const match of body.matchAll(/^[ \t]*([a-z]+):[ \t]*$/gm)) {
    const section = match[1] as Section;
    if (!YARAL_SECTIONS.includes(section)) {
      problems.push(`unknown section \`${match[1]}:\``);
      continue;
    }
    found.push({ section, at: match.index, start: match.index + match[0].length });
  }
  const order = found.map((f) => f.section);
  for (const required of REQUIRED_SECTIONS)
    if (!order.includes(required)) problems.push(`missing section \`${required}:\``);
  for (const section of YARAL_SECTIONS)
    if (order.filter((s) => s === section).length > 1) problems.push(`section \`${section}:\` appears twice`);
  const ranks = order.map((s) => YARAL_SECTIONS.indexOf(s));
  if (ranks.some((rank, i) => i > 0 && rank < ranks[i - 1]!))
    problems.push(`sections out of order: ${order.join(', ')} (must be ${YARAL_SECTIONS.join(', ')})`);
  if (found.length > 0 && body.slice(0, found[0]!.at).trim() !== '')
    problems.push('text before the first section');
  const sections: Partial<Record<Section, string>> = {};
  found.forEach((f, i) => {
    sections[f.section] = body.slice(f.start, found[i + 1]?.at ?? body.length);
  });

  // meta: key = "value" lines.
  const meta: Record<string, string> = {};
  for (const line of (sections.meta ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)) {
    const pair = /^([A-Za-z_]\w*)\s*=\s*"((?:[^"\\]|\\.)*)"$/.exec(line);
    if (!pair) problems.push(`meta line is not \`key = "value"\`: ${line}`);
    else meta[pair[1]!] = pair[2]!;
  }
  for (const key of REQUIRED_META) if (!meta[key]) problems.push(`meta lacks \`${key}\``);
  if (meta.severity && !SEVERITIES.has(meta.severity))
    problems.push(`meta severity "${meta.severity}" is not one of ${[...SEVERITIES].join(', ')}`);

  // Variables.
  const events = withoutStrings(sections.events ?? '');
  const eventVars = new Set([...events.matchAll(FIELD)].map((m) => m[1]!));
  const placeholders = new Set<string>();
  for (const m of events.matchAll(/\$([A-Za-z_]\w*)(?![\w.])/g))
    if (!eventVars.has(m[1]!)) placeholders.add(m[1]!);
  const outcome = withoutStrings(sections.outcome ?? '');
  const outcomes = new Set([...outcome.matchAll(/^\s*\$([A-Za-z_]\w*)\s*=/gm)].map((m) => m[1]!));
  const defined = new Set([...eventVars, ...placeholders, ...outcomes]);
  for (const section of ['match', 'outcome', 'condition'] as const) {
    const part = withoutStrings(sections[section] ?? '');
    for (const m of part.matchAll(/[$#]([A-Za-z_]\w*)/g))
      if (!defined.has(m[1]!)) problems.push(`${section} uses \`${m[0]}\`, which the rule does not define`);
  }
  if (!/\$[A-Za-z_]/.test(sections.condition ?? '') && !/#[A-Za-z_]/.test(sections.condition ?? ''))
    problems.push('condition names no variable');

  // Field paths and the values compared with enum fields.
  const fields = new Set<string>();
  for (const section of ['events', 'outcome', 'match', 'condition'] as const) {
    const part = withoutStrings(sections[section] ?? '');
    for (const m of part.matchAll(FIELD)) {
      const [, variable, path] = m;
      if (!eventVars.has(variable!))
        problems.push(`${section} reads \`$${variable}.${path}\` but \`$${variable}\` is no event variable`);
      if (udmPathType(path!) === undefined)
        problems.push(`\`$${variable}.${path}\`: UDM has no field ${path}`);
      fields.add(path!.replace(/\[[^\]]*\]/g, ''));
    }
  }
  for (const section of ['events', 'outcome'] as const)
    for (const m of (sections[section] ?? '').matchAll(/\$[A-Za-z_]\w*\.([\w.]+)\s*!?=\s*"([^"]*)"/g)) {
      const [, path, value] = m;
      const values = udmEnumValues(path!);
      if (values && !values.includes(value!))
        problems.push(
          `${path} = "${value}": not a value of its enum${path === 'metadata.event_type' ? ' (no such UDM event type)' : ''}`,
        );
    }

  return {
    rule: {
      name,
      meta,
      sections,
      events: [...eventVars],
      placeholders: [...placeholders],
      outcomes: [...outcomes],
      fields: [...fields].sort(),
    },
    problems,
  };
}
