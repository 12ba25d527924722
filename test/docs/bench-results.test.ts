/**
 * Benchmark figures are rendered, never typed: `docs/benchmarks.md`'s table and the README's headline
 * figures are what `test/bench/render-results.ts` renders from `test/bench/results.json` (the last
 * `make bench`). A figure edited by hand, or a results file changed without rendering, fails here.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { RESULTS_FILE, readResults, staleDocuments } from '../bench/render-results.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FILES = [RESULTS_FILE, 'docs/benchmarks.md', 'README.md'];

let copy: string | undefined;
afterEach(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
  copy = undefined;
});

/** The three files in a folder of their own, laid out as in the repository. */
function copyOfDocuments(): string {
  copy = mkdtempSync(join(tmpdir(), 'ctxsiem-bench-docs-'));
  for (const file of FILES) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    cpSync(join(ROOT, file), join(copy, file));
  }
  return copy;
}

describe('benchmark figures in the documentation', () => {
  it('are what results.json renders (node test/bench/render-results.ts --check)', () => {
    const check = spawnSync(process.execPath, ['test/bench/render-results.ts', '--check'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it("show the last run's figures: the overlap ratio of results.json is in the table and the headline", () => {
    const ratio = String(readResults().benchmarks['monitor overlap'].result.ratio);
    const table = readFileSync(join(ROOT, 'docs/benchmarks.md'), 'utf8');
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(table).toContain(`→ ${ratio};`);
    expect(readme).toContain(`Monitor overlap ${ratio}`);
  });

  it('a figure typed into docs/benchmarks.md by hand is found', () => {
    const root = copyOfDocuments();
    expect(staleDocuments(root)).toEqual([]);
    const path = join(root, 'docs/benchmarks.md');
    const document = readFileSync(path, 'utf8');
    const ratio = readResults(root).benchmarks['monitor throughput'].result.ratio;
    const edited = document.replace(`= ${ratio} `, `= ${(ratio + 0.1).toFixed(3)} `);
    expect(edited).not.toBe(document);
    writeFileSync(path, edited);
    expect(staleDocuments(root).map(({ file }) => file)).toEqual(['docs/benchmarks.md']);
  });

  it("a new results.json leaves the README's headline stale until it is rendered", () => {
    const root = copyOfDocuments();
    const results = JSON.parse(readFileSync(join(root, RESULTS_FILE), 'utf8'));
    results.benchmarks['sentinel-consume file auto'].result.eventsPerSecond += 1;
    writeFileSync(join(root, RESULTS_FILE), JSON.stringify(results));
    expect(staleDocuments(root).map(({ file }) => file)).toEqual(['docs/benchmarks.md', 'README.md']);
  });
});
