/**
 * The table of `content/README.md`, generated from the content files (`src/content-catalog.ts`):
 *
 *   node --conditions=@ctxsiem/source content/scripts/content-table.ts           exits 1 when it is stale
 *   node --conditions=@ctxsiem/source content/scripts/content-table.ts --write   rewrites it
 *
 * A test runs the check.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { contentCatalog, renderCatalog, withCatalog } from '../src/content-catalog.ts';

const README = fileURLToPath(new URL('../README.md', import.meta.url));
const current = readFileSync(README, 'utf8');
const next = withCatalog(current, renderCatalog(await contentCatalog()));
if (process.argv.includes('--write')) {
  writeFileSync(README, next);
  console.log(next === current ? 'content/README.md: table up to date' : 'content/README.md: table updated');
} else if (next !== current) {
  console.error(
    'content/README.md: the table is stale; run node --conditions=@ctxsiem/source content/scripts/content-table.ts --write',
  );
  process.exit(1);
} else console.log('content/README.md: table up to date');
