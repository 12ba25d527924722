/**
 * The apps' READMEs state their artifact's size and the memory it needs; those figures are generated,
 * never typed: the size from a clean build (`package-app.ts`), the memory from `MINIMUM_MEMORY_MB`
 * (measured by test/bench/function-memory.ts). Each README holds them between
 * `<!-- artifact-figures -->` and `<!-- /artifact-figures -->`.
 *
 *   node scripts/artifact-figures.ts           exits 1 naming the READMEs whose figures are stale
 *   node scripts/artifact-figures.ts --write   builds the artifacts and rewrites the figures
 *
 * Sizes are rounded to a tenth of a MiB, and a stated size holds while the build stays within
 * `SIZE_TOLERANCE` of it: a change elsewhere in the code that moves the bundle by a few KiB across a
 * rounding boundary does not make a README stale; a change of the bundle's size that matters does.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Artifact, MINIMUM_MEMORY_MB } from '../packages/deployment/src/memory.ts';
import { packageFolder, packageFunction } from './package-app.ts';

const ROOT = resolve(import.meta.dirname, '..');
export const FIGURES_COMMAND = 'node scripts/artifact-figures.ts --write';
const START = '<!-- artifact-figures -->';
const END = '<!-- /artifact-figures -->';

export const README_OF: Record<Artifact, string> = {
  lambda: 'apps/lambda/README.md',
  'cloud-function': 'apps/cloud-function/README.md',
  container: 'apps/container/README.md',
};

const mib = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;

/** The figures' block for an artifact of `bytes` (the zip, or the container's bundle folder). */
export function renderFigures(artifact: Artifact, bytes: number): string {
  const memory = MINIMUM_MEMORY_MB[artifact];
  const lines = {
    lambda: [
      `- **\`dist/lambda.zip\`**: ${mib(bytes)} (a clean build; \`make build\`).`,
      `- **Memory**: at least **${memory} MB** (\`memory_size\`). Measured: the peak RSS of a catch-up of about`,
      '  27,000 records plus a quarter (`make bench`). The seeds keep 128 MB, which a catch-up outgrows:',
      '  raise it when swapping in. Below the minimum the function logs a warning at start',
      '  (`AWS_LAMBDA_FUNCTION_MEMORY_SIZE`).',
    ],
    'cloud-function': [
      `- **\`dist/function.zip\`**: ${mib(bytes)} (a clean build; \`make build\`).`,
      `- **Memory**: at least **${memory}Mi** (\`service_config.available_memory\`). Measured: the peak RSS of a`,
      '  catch-up of about 27,000 records, with the functions framework, plus a quarter (`make bench`).',
      "  Below the minimum the function logs a warning at start (read from the instance's cgroup limit).",
    ],
    container: [
      `- **The bundle** (\`cli.mjs\`, \`healthcheck.mjs\`, \`chunks/\`): ${mib(bytes)} (a clean build).`,
      `- **Memory**: at least **${memory} MB** for \`collect\` and \`serve\`. Measured: the peak RSS of a catch-up`,
      '  of about 27,000 records plus a quarter (`make bench`); more tenants or Kafka consumers need more.',
      "  Below the minimum `collect` and `serve` log a warning at start (read from the container's cgroup",
      '  limit).',
    ],
  }[artifact];
  return [START, ...lines, END].join('\n');
}

/** The block an artifact's README holds now, or undefined when it has none. */
export function figuresIn(readme: string): string | undefined {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  return start < 0 || end < start ? undefined : readme.slice(start, end + END.length);
}

/** How far (a share of the build's size) the size a README states may be from the build's. */
export const SIZE_TOLERANCE = 0.05;

/**
 * Why an artifact's README figures are stale for a build of `bytes` — no block, a memory figure or
 * wording other than the generated one, or a size off by more than `SIZE_TOLERANCE` — or undefined.
 */
export function staleFigures(readme: string, artifact: Artifact, bytes: number): string | undefined {
  const current = figuresIn(readme);
  if (current === undefined) return `no ${START} … ${END} block`;
  const stated = /(\d+\.\d) MiB/.exec(current)?.[1];
  if (stated === undefined) return 'no size in MiB';
  const statedBytes = Number(stated) * 1024 * 1024;
  if (current !== renderFigures(artifact, statedBytes)) return 'the block is not the generated one';
  const off = Math.abs(statedBytes - bytes) / bytes;
  if (off > SIZE_TOLERANCE)
    return `the README states ${stated} MiB, the build is ${mib(bytes)} (${(off * 100).toFixed(1)} % off)`;
  return undefined;
}

/** Builds each artifact in a temporary folder and returns its size in bytes. */
export async function artifactBytes(): Promise<Record<Artifact, number>> {
  const dir = await mkdtemp(join(tmpdir(), 'ctxsiem-figures-'));
  try {
    const lambda = await packageFunction('lambda', join(dir, 'lambda'));
    const fn = await packageFunction('cloud-function', join(dir, 'cloud-function'));
    const container = await packageFolder('container', join(dir, 'container'));
    return { lambda: lambda.bytes, 'cloud-function': fn.bytes, container: container.bytes };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const write = process.argv.includes('--write');
  const bytes = await artifactBytes();
  const stale: string[] = [];
  for (const artifact of Object.keys(README_OF) as Artifact[]) {
    const path = join(ROOT, README_OF[artifact]);
    const readme = readFileSync(path, 'utf8');
    const current = figuresIn(readme);
    if (current === undefined) throw new Error(`${README_OF[artifact]} has no ${START} … ${END} block`);
    const wanted = renderFigures(artifact, bytes[artifact]);
    if (current === wanted || (!write && staleFigures(readme, artifact, bytes[artifact]) === undefined))
      continue;
    if (write) {
      writeFileSync(path, readme.replace(current, wanted));
      console.log(`${README_OF[artifact]}: updated`);
    } else stale.push(README_OF[artifact]);
  }
  if (stale.length > 0) {
    console.error(`Stale artifact figures; run \`${FIGURES_COMMAND}\`:\n  ${stale.join('\n  ')}`);
    process.exit(1);
  }
}
