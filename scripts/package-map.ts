/**
 * The package map of `docs/architecture.md`, generated from the workspace like the connectors table:
 * every folder under `packages/` and `apps/`, then `terraform/` and `test/`, with its package name and
 * its `package.json` description — the one place a package says what it is. From the repo root:
 *
 *   node scripts/package-map.ts           exits 1 when the map is stale
 *   node scripts/package-map.ts --write   rewrites it in place
 *
 * The map sits between `<!-- packages -->` and `<!-- /packages -->`; a test runs the check.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DOC = 'docs/architecture.md';
const BEGIN = '<!-- packages -->';
const END = '<!-- /packages -->';

interface Row {
  folder: string;
  name: string;
  description: string;
}

/** The workspace's folders with a package.json, in map order. */
function rows(): Row[] {
  const folders = [
    ...['packages', 'apps'].flatMap((parent) =>
      readdirSync(join(ROOT, parent), { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && existsSync(join(ROOT, parent, entry.name, 'package.json')))
        .map((entry) => `${parent}/${entry.name}`)
        .sort(),
    ),
    'terraform',
    'content',
    'test',
  ];
  return folders.map((folder) => {
    const manifest = JSON.parse(readFileSync(join(ROOT, folder, 'package.json'), 'utf8')) as {
      name?: string;
      description?: string;
    };
    if (!manifest.description) throw new Error(`${folder}/package.json has no description`);
    return { folder: `${folder}/`, name: manifest.name ?? '', description: manifest.description };
  });
}

/** A markdown table padded as biome formats one. */
export function renderTable(header: string[], body: string[][]): string {
  const widths = header.map((cell, i) => Math.max(cell.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...body.map(line)].join('\n');
}

/** The document with its map replaced by `map`; throws when the markers are missing. */
export function replaceMap(document: string, map: string): string {
  const start = document.indexOf(BEGIN);
  const end = document.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${DOC} has no ${BEGIN} … ${END} markers`);
  return `${document.slice(0, start + BEGIN.length)}\n\n${map}\n\n${document.slice(end)}`;
}

function main(write: boolean): number {
  const path = join(ROOT, DOC);
  const current = readFileSync(path, 'utf8');
  const map = renderTable(
    ['Folder', 'Package', 'What it is'],
    rows().map((row) => [`\`${row.folder}\``, `\`${row.name}\``, row.description]),
  );
  const next = replaceMap(current, map);
  if (next === current) return 0;
  if (write) {
    writeFileSync(path, next);
    console.log(`${DOC}: package map updated`);
    return 0;
  }
  console.error(`The package map of ${DOC} is stale; run \`node scripts/package-map.ts --write\``);
  return 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1])
  process.exitCode = main(process.argv.includes('--write'));
