import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { contentCatalog, QUESTIONS, renderCatalog, withCatalog } from '../src/content-catalog.ts';

it('content/README.md’s table is the content files’ (node --conditions=@ctxsiem/source content/scripts/content-table.ts --write)', async () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const rows = await contentCatalog();
  expect(withCatalog(readme, renderCatalog(rows))).toBe(readme);
  // Every question is answered in both SIEMs, except what only a hunting query or the workbook shows.
  const huntingOnly = new Set([QUESTIONS['rare-client'], QUESTIONS['vda-deregistration']]);
  for (const row of rows.filter((found) => Object.values(QUESTIONS).includes(found.question))) {
    expect(row.sentinelReads.length, row.question).toBeGreaterThan(0);
    if (!huntingOnly.has(row.question)) expect(row.secops.length, row.question).toBeGreaterThan(0);
  }
});
