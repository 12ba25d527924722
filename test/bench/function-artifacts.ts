/**
 * The deployable function artifacts: their zip sizes, whether two clean builds are byte-identical, and
 * the cold import of the unzipped handler — a fresh Node process importing `index.mjs` until its
 * handler is ready (median of several processes; the runtime's own start is not counted).
 *
 *   node test/bench/function-artifacts.ts lambda|cloud-function
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageFunction, unpackFunction } from '../../scripts/package-app.ts';

const RUNS = 7;
const name = process.argv[2] ?? 'lambda';
const dir = await mkdtemp(join(tmpdir(), `ctxsiem-bench-${name}-`));
try {
  const first = await packageFunction(name, join(dir, 'a'));
  const second = await packageFunction(name, join(dir, 'b'));
  const identical = (await readFile(first.zip)).equals(await readFile(second.zip));
  await unpackFunction(first.zip, join(dir, 'unzipped'));
  const index = pathToFileURL(join(dir, 'unzipped', 'index.mjs')).href;
  const script = `
    const started = performance.now();
    const module = await import(${JSON.stringify(index)});
    if (Object.keys(module).length === 0) throw new Error('no exports');
    console.log(performance.now() - started);
  `;
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(result.stderr);
    times.push(Number(result.stdout.trim()));
  }
  const median = times.sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
  console.log(
    JSON.stringify({
      zipKiB: Math.round(first.bytes / 1024),
      bundleKiB: Math.round(first.bundleBytes / 1024),
      sha256: first.sha256,
      identical,
      coldImportMs: Math.round(median),
    }),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
