/**
 * Scaffolds a connector package: `pnpm new:source <name>` or `pnpm new:sink <name>`.
 *
 *   node scripts/new-connector.ts source <name> [--no-install]
 *
 * Writes `packages/{source|sink}-<name>/` from `scripts/templates/{source|sink}/` (the standard file set:
 * `src/config.ts`, `src/connector.ts`, `src/index.ts`, the implementation, `test/unit`,
 * `test/integration`, a stub endpoint the tests run against, a README), links it into the workspace
 * (`pnpm install --offline`), regenerates the connector registry and renders the README's options
 * table. The package passes its conformance suite and CI as generated; the stub is the place to start.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const KINDS = ['source', 'sink'] as const;
type Kind = (typeof KINDS)[number];
/** A connector type becomes a config value, a package name, identifiers and environment variables. */
const NAME = /^[a-z][a-z0-9]{1,30}$/;

export interface Scaffold {
  kind: Kind;
  name: string;
  folder: string;
  files: string[];
}

/** The placeholders of the templates, filled for `name`. */
function fill(text: string, name: string): string {
  return text
    .replaceAll('__Name__', `${name[0]!.toUpperCase()}${name.slice(1)}`)
    .replaceAll('__NAME__', name.toUpperCase())
    .replaceAll('__name__', name);
}

function templateFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? templateFiles(path) : [path];
  });
}

/** A connector of this kind and type that exists already, by its manifest's `type:` line. */
function existingType(root: string, kind: Kind, name: string): string | undefined {
  const define = kind === 'source' ? 'definePullSource' : 'defineSink';
  for (const folder of readdirSync(join(root, 'packages'))) {
    const manifest = join(root, 'packages', folder, 'src', 'connector.ts');
    if (!existsSync(manifest)) continue;
    const text = readFileSync(manifest, 'utf8');
    for (const block of text.split(define).slice(1))
      if (new RegExp(`^\\(\\{\\s*type: '${name}'`).test(block)) return folder;
  }
  return undefined;
}

/** Writes the package's files; throws with a clear message instead of overwriting anything. */
export function scaffold(kind: Kind, name: string, root = ROOT): Scaffold {
  if (!KINDS.includes(kind)) throw new Error(`the kind must be one of ${KINDS.join(', ')}, not "${kind}"`);
  if (!NAME.test(name))
    throw new Error(
      `"${name}" cannot name a connector: use 2-31 lowercase letters and digits, starting with a letter`,
    );
  const folder = join(root, 'packages', `${kind}-${name}`);
  if (existsSync(folder)) throw new Error(`${relative(root, folder)} exists already`);
  const taken = existingType(root, kind, name);
  if (taken) throw new Error(`packages/${taken} already provides a ${kind} of type "${name}"`);
  const templates = join(root, 'scripts', 'templates', kind);
  const files: string[] = [];
  for (const template of templateFiles(templates)) {
    const target = join(folder, relative(templates, template).replace(/\.tmpl$/, ''));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, fill(readFileSync(template, 'utf8'), name));
    files.push(relative(root, target));
  }
  return { kind, name, folder: relative(root, folder), files: files.sort() };
}

function step(root: string, command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status})`);
}

/** Links the new package and brings the generated files (registry, README tables) up to date. */
export function wire(folder: string, root = ROOT): void {
  // The registry's module and dependencies first, so that the install links the new package into it.
  step(root, process.execPath, ['scripts/generate-registry.ts', '--write', '--skip-readme']);
  // Adding a package changes the lockfile on purpose; pnpm freezes it by default when CI is set.
  step(root, 'pnpm', ['install', '--offline', '--no-frozen-lockfile', '--reporter=silent']);
  step(root, process.execPath, ['scripts/generate-registry.ts', '--write']);
  step(root, process.execPath, ['scripts/options-tables.ts', '--write']);
  step(root, 'pnpm', ['exec', 'biome', 'check', '--write', folder, 'packages/registry']);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [kind, name] = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
  try {
    const made = scaffold(kind as Kind, name ?? '');
    console.log(`created ${made.folder}/:\n${made.files.map((file) => `  ${file}`).join('\n')}`);
    if (!process.argv.includes('--no-install')) wire(made.folder);
    console.log(
      `\nNext: pnpm exec vitest run ${made.folder}   (green as generated)\n` +
        `Then start at ${made.folder}/${made.kind === 'source' ? 'src/stream.ts' : 'src/sink.ts'} and ${made.folder}/test/support/stub-endpoint.ts.`,
    );
  } catch (error) {
    console.error(`new:${kind ?? '?'}: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
