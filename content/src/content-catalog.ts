/**
 * The one table of `content/README.md`: each question ctxsiem's content answers, what answers it in each
 * SIEM (the Sentinel rules, hunting queries, parsers and workbook; the SecOps YARA-L rules) and the data
 * each reads — the tables from Microsoft's Kusto library's analysis of the queries (through the functions
 * they call), the UDM events from the rules' own `reads` — generated from the content files, so the
 * table cannot drift from them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contentWorkspace } from './sentinel/content-workspace.ts';
import { sentinelWorkbooks, workbookQueries } from './sentinel/workbook.ts';
import { lintYaral } from './yaral-lint.ts';

/** The questions, in the table's order, as the content's `question` ids name them. */
export const QUESTIONS: Readonly<Record<string, string>> = {
  'impossible-travel': 'Does a user log on from a new country, or from two places too far apart too quickly?',
  'concurrent-sessions': 'Does a user hold sessions from two addresses at once?',
  'failure-burst': 'Do connections fail in a burst, for one user or one delivery group?',
  'new-admin': 'Was a Citrix Cloud administrator added, or given full access?',
  'api-client-created': 'Was a Citrix Cloud API client created?',
  'new-admin-machine': 'Was the DaaS site changed from an admin machine never seen before?',
  'off-hours-change': 'Was Citrix administered out of hours?',
  'risk-jump': 'Did a user’s Analytics for Security risk score jump?',
  'rare-client': 'Which client platforms and versions are rare?',
  'vda-deregistration': 'Are VDAs deregistering or faulted?',
};

const SECOPS_RULES = fileURLToPath(new URL('../secops/rules/', import.meta.url));

export interface CatalogRow {
  question: string;
  sentinel: string[];
  sentinelReads: string[];
  secops: string[];
  secopsReads: string[];
}

/** The table's rows: one per question, then the parsers and the workbook. */
export async function contentCatalog(): Promise<CatalogRow[]> {
  const { content, workspace, functions } = await contentWorkspace();
  const tablesOf = (query: string) => [...workspace.analyze(query).reads.keys()];
  const rows = new Map<string, CatalogRow>();
  const row = (question: string) => {
    const text = QUESTIONS[question];
    if (!text) throw new Error(`question ${question} has no text in QUESTIONS`);
    const found = rows.get(question) ?? {
      question: text,
      sentinel: [],
      sentinelReads: [],
      secops: [],
      secopsReads: [],
    };
    rows.set(question, found);
    return found;
  };
  for (const question of Object.keys(QUESTIONS)) row(question);
  for (const { file, content: rule } of content.rules) {
    const target = row(rule.question);
    target.sentinel.push(`rule \`${basename(file, '.yaml')}\``);
    target.sentinelReads.push(...tablesOf(rule.query));
  }
  for (const { file, content: hunting } of content.hunting) {
    const target = row(hunting.question);
    target.sentinel.push(`hunting \`${basename(file, '.yaml')}\``);
    target.sentinelReads.push(...tablesOf(hunting.query));
  }
  for (const name of readdirSync(SECOPS_RULES)
    .filter((file) => file.endsWith('.yaral'))
    .sort()) {
    const { rule } = lintYaral(readFileSync(join(SECOPS_RULES, name), 'utf8'));
    if (!rule) continue;
    const target = row(rule.meta.ctxsiem_question ?? '');
    target.secops.push(`\`${rule.name}\``);
    if (rule.meta.reads) target.secopsReads.push(rule.meta.reads);
  }
  const parserRow = (question: string, names: string[]) => ({
    question,
    sentinel: names.map((name) => `function \`${name}\``),
    sentinelReads: names.flatMap((name) => {
      const fn = functions.find((candidate) => candidate.name === name);
      return fn ? [...workspace.analyzeFunction(fn).reads.keys()] : [];
    }),
    secops: ['UDM mapping (`format: udm` of the SecOps sink)'],
    secopsReads: [],
  });
  const workbooks = sentinelWorkbooks().map(({ file, workbook }) => ({
    question:
      'How is the DaaS experience: logon duration by phase, failures, VDA health, clients, admin changes?',
    sentinel: [`workbook \`${basename(file, '.json')}\``],
    sentinelReads: workbookQueries(workbook).flatMap((query) => tablesOf(query.query)),
    secops: [],
    secopsReads: [],
  }));
  return [
    ...rows.values(),
    parserRow(
      'Do Microsoft’s ASIM Authentication rules (brute force, password spray, …) see Citrix logons?',
      [
        'vimAuthenticationCitrixDaaS',
        'ASimAuthenticationCitrixDaaS',
        'Im_AuthenticationCustom',
        'ASim_AuthenticationCustom',
      ],
    ),
    parserRow('Do Microsoft’s ASIM Audit Event rules see Citrix administration?', [
      'vimAuditEventCitrixCloud',
      'ASimAuditEventCitrixCloud',
      'Im_AuditEventCustom',
      'ASim_AuditEventCustom',
    ]),
    ...workbooks,
  ].map((found) => ({
    ...found,
    sentinelReads: [...new Set(found.sentinelReads)].sort(),
    secopsReads: [...new Set(found.secopsReads)],
  }));
}

/** The rows as the README's markdown table (biome's padding). */
export function renderCatalog(rows: readonly CatalogRow[]): string {
  const header = ['Question', 'Microsoft Sentinel', 'It reads', 'Google SecOps', 'It reads'];
  const body = rows.map((row) => [
    row.question,
    row.sentinel.join(', ') || '—',
    row.sentinelReads.map((table) => `\`${table}\``).join(', ') || '—',
    row.secops.join(', ') || '—',
    row.secopsReads.join('; ') || '—',
  ]);
  const cell = (text: string) => text.replaceAll('|', '\\|');
  const widths = header.map((name, i) =>
    Math.max(name.length, ...body.map((cells) => cell(cells[i]!).length)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((text, i) => cell(text).padEnd(widths[i]!)).join(' | ')} |`;
  return [
    line(header),
    `| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`,
    ...body.map(line),
  ].join('\n');
}

const BEGIN = '<!-- content -->';
const END = '<!-- /content -->';

/** The README with its table replaced. */
export function withCatalog(readme: string, table: string): string {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`content/README.md has no ${BEGIN} … ${END} markers`);
  return `${readme.slice(0, start + BEGIN.length)}\n\n${table}\n\n${readme.slice(end)}`;
}
