/**
 * Sentinel's rules and hunting queries against the data ctxsiem delivers: the emulator's planted
 * scenarios (`PLANTED_SCENARIOS`) collected into the Azure Monitor contract server through the real sink
 * with the generated DCR (`collectPlantedRows`), and every column each query reads — found by Microsoft's
 * Kusto library, through the functions it calls — delivered with a value in the rows of that table. A
 * rule is never written against a column ctxsiem leaves empty, or a table the scenario does not reach.
 */
import { type ContentWorkspace, contentWorkspace, STANDARD_COLUMNS } from '@ctxsiem/content';
import { PLANTED_SCENARIOS } from '@ctxsiem/emulator';
import { beforeAll, describe, expect, it } from 'vitest';
import { collectPlantedRows, type PlantedRows } from './planted-scenarios-rows.ts';

let planted: PlantedRows;
let content: ContentWorkspace;

beforeAll(async () => {
  [planted, content] = await Promise.all([collectPlantedRows(), contentWorkspace()]);
}, 600_000);

const empty = (value: unknown) => value === undefined || value === null || value === '';

/** Every (table, column) the text reads that the planted rows do not carry with a value. */
function undelivered(query: string): string[] {
  const analysis = content.workspace.analyze(query);
  const standard = new Set(STANDARD_COLUMNS.map((column) => column.name));
  return [...analysis.reads].flatMap(([table, columns]) => {
    const rows = planted.tables.get(table);
    if (!rows || rows.length === 0) return [`${table}: no planted rows`];
    return [...columns]
      .filter((column) => !standard.has(column))
      .filter((column) => rows.every((row) => empty(row[column])))
      .map((column) => `${table}.${column}: empty in every row`);
  });
}

describe('Sentinel content reads what ctxsiem delivers for the planted scenarios', () => {
  it('every rule answers a planted scenario, and every column it reads arrives with a value', () => {
    const planted = new Set(Object.keys(PLANTED_SCENARIOS));
    const problems = content.content.rules.flatMap(({ file, content: rule }) => [
      ...(planted.has(rule.question) ? [] : [`${file}: question ${rule.question} is not a planted scenario`]),
      ...undelivered(rule.query).map((problem) => `${file}: ${problem}`),
    ]);
    expect(problems).toEqual([]);
  });

  it('so does every hunting query', () => {
    const problems = content.content.hunting.flatMap(({ file, content: hunting }) =>
      undelivered(hunting.query).map((problem) => `${file}: ${problem}`),
    );
    expect(problems).toEqual([]);
  });

  it('fails on a column the collector leaves empty (the check can fail)', () => {
    const [table, rows] = [...planted.tables].find(([, found]) => found.length > 0)!;
    const emptyColumn = planted.columns
      .get(table)!
      .map((column) => column.name)
      .find((name) => rows.every((row) => empty(row[name])));
    expect(emptyColumn, `${table} has a column empty in every row`).toBeDefined();
    expect(undelivered(`${table} | where isnotempty(${emptyColumn})`)).toEqual([
      `${table}.${emptyColumn}: empty in every row`,
    ]);
  });
});
