/**
 * The workspace's layering rules, checked on what every package declares (its package.json
 * `dependencies`) and imports (every `src/**\/*.ts`): a pure checker over an in-memory workspace, so
 * that its own test can show it fails on a forbidden import, and a loader that reads the real one.
 *
 * - `source-sink`: a source never imports (or depends on) a sink, nor a sink a source.
 * - `sink-internals`: apps, `packages/deployment` and the Terraform app reach a sink only by a path its
 *   package.json exports (never `src/…`, never a relative path into it).
 * - `deployment-sink`: `packages/deployment` and the Terraform app import no sink at all: what they
 *   need of one (its SIEM declarations) comes through the registry (`siemDeclarations`).
 * - `production-test-kit`: production code — `src/` of packages, apps and the Terraform app, and their
 *   `dependencies` — never uses `@ctxsiem/test-kit` (tests and `devDependencies` may).
 * - `production-local-services`: production code imports `@ctxsiem/local-services` (the servers of the
 *   tests and the demo) only lazily (`await import(…)`, which the artifacts' bundles replace), and only an
 *   app (the container's demo) lists it in `dependencies`.
 * - `core-connector`: core imports no connector package.
 * - `connector-files`: a connector package has `src/index.ts`, `src/config.ts` and `src/connector.ts`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';

export interface WorkspacePackage {
  /** Repository-relative folder: `packages/sink-s3`, `apps/container`, `terraform`. */
  dir: string;
  name: string;
  dependencies: Record<string, string>;
  /** The subpaths its package.json exports (`.`, `./config`, `./connector`). */
  exports: string[];
  /** Its `src/**\/*.ts`, by path relative to `dir` (`src/index.ts`). */
  files: Record<string, string>;
}

export type Rule =
  | 'source-sink'
  | 'sink-internals'
  | 'deployment-sink'
  | 'production-test-kit'
  | 'production-local-services'
  | 'core-connector'
  | 'connector-files';

export interface Violation {
  rule: Rule;
  /** Where: a repository-relative file, or `<dir>/package.json`. */
  where: string;
  /** What it reaches: an import specifier, a dependency, or the missing file. */
  what: string;
}

/** A known violation kept on purpose until the work named in `removedBy` lands. */
export interface Exception {
  rule: Rule;
  where: string;
  /** The package reached (`@ctxsiem/test-kit`), or the missing file (`src/config.ts`). */
  what: string;
  why: string;
  removedBy: string;
}

const TEST_KIT = '@ctxsiem/test-kit';
const LOCAL_SERVICES = '@ctxsiem/local-services';

const isSource = (pkg: WorkspacePackage) => pkg.name.startsWith('@ctxsiem/source-');
const isSink = (pkg: WorkspacePackage) => pkg.name.startsWith('@ctxsiem/sink-');
const isConnectorPackage = (pkg: WorkspacePackage) => pkg.exports.includes('./connector');
/** Where a sink is used to deploy: apps, the deployment package, the Terraform app. */
const isDeploying = (pkg: WorkspacePackage) =>
  pkg.dir.startsWith('apps/') || pkg.dir === 'packages/deployment' || pkg.dir === 'terraform';
const forbidsAnySink = (pkg: WorkspacePackage) =>
  pkg.dir === 'packages/deployment' || pkg.dir === 'terraform';
const isCore = (pkg: WorkspacePackage) => pkg.name === '@ctxsiem/core';

/** The module specifiers a TypeScript file imports: static, re-exported, side-effect and dynamic. */
export function importsOf(text: string): string[] {
  const { staticImports, dynamicImports } = importsByKind(text);
  return [...staticImports, ...dynamicImports];
}

/** A file's imports, static (with re-exports and side-effect imports) apart from dynamic ones. */
export function importsByKind(text: string): { staticImports: string[]; dynamicImports: string[] } {
  const found: string[] = [];
  const lazy: string[] = [];
  const statement = /^\s*(?:import|export)\b[^;'"]*?\bfrom\s*['"]([^'"]+)['"]/gm;
  const sideEffect = /^\s*import\s*['"]([^'"]+)['"]/gm;
  const dynamic = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const pattern of [statement, sideEffect])
    for (const match of text.matchAll(pattern)) if (match[1]) found.push(match[1]);
  // Dynamic imports anywhere in a line of code, none in a comment line (`//`, a JSDoc `*`).
  for (const line of text.split('\n'))
    if (!/^\s*(?:\/\/|\/?\*)/.test(line))
      for (const match of line.matchAll(dynamic)) if (match[1]) lazy.push(match[1]);
  return { staticImports: found, dynamicImports: lazy };
}

interface Target {
  pkg: WorkspacePackage;
  /** `.`, or the subpath (`./config`) or folder path (`./src/sink.ts`) reached. */
  subpath: string;
  /** Reached by a relative path (always past what the package exports). */
  relative: boolean;
}

/** The workspace package a specifier in `file` (repository-relative) reaches, if any other. */
function resolve(
  packages: readonly WorkspacePackage[],
  from: WorkspacePackage,
  file: string,
  specifier: string,
): Target | undefined {
  if (specifier.startsWith('.')) {
    const path = posix.normalize(posix.join(posix.dirname(file), specifier));
    const pkg = packages.find((p) => p !== from && (path === p.dir || path.startsWith(`${p.dir}/`)));
    return pkg ? { pkg, subpath: `.${path.slice(pkg.dir.length)}`, relative: true } : undefined;
  }
  const pkg = packages.find((p) => specifier === p.name || specifier.startsWith(`${p.name}/`));
  if (!pkg || pkg === from) return undefined;
  return { pkg, subpath: `.${specifier.slice(pkg.name.length)}`, relative: false };
}

/** How a package reaches another: its package.json, or a file's import. */
type Reach = 'dependency' | 'static import' | 'dynamic import';

/** Every layering rule broken in `packages`, exceptions not yet taken out. */
export function layeringViolations(packages: readonly WorkspacePackage[]): Violation[] {
  const violations: Violation[] = [];
  const byName = new Map(packages.map((pkg) => [pkg.name, pkg]));
  const check = (pkg: WorkspacePackage, where: string, what: string, target: Target, how: Reach) => {
    const add = (rule: Rule) => violations.push({ rule, where, what });
    if ((isSource(pkg) && isSink(target.pkg)) || (isSink(pkg) && isSource(target.pkg))) add('source-sink');
    if (
      isDeploying(pkg) &&
      isSink(target.pkg) &&
      (target.relative || !target.pkg.exports.includes(target.subpath))
    )
      add('sink-internals');
    if (forbidsAnySink(pkg) && isSink(target.pkg)) add('deployment-sink');
    if (target.pkg.name === TEST_KIT) add('production-test-kit');
    if (
      target.pkg.name === LOCAL_SERVICES &&
      (how === 'static import' || (how === 'dependency' && !pkg.dir.startsWith('apps/')))
    )
      add('production-local-services');
    if (isCore(pkg) && isConnectorPackage(target.pkg)) add('core-connector');
  };
  for (const pkg of packages) {
    // test-kit is test support itself: its own `src/` is not production code.
    if (pkg.name === TEST_KIT) continue;
    const manifest = `${pkg.dir}/package.json`;
    for (const dependency of Object.keys(pkg.dependencies)) {
      const target = byName.get(dependency);
      if (target && target !== pkg)
        check(pkg, manifest, dependency, { pkg: target, subpath: '.', relative: false }, 'dependency');
    }
    for (const [path, text] of Object.entries(pkg.files)) {
      const file = `${pkg.dir}/${path}`;
      const { staticImports, dynamicImports } = importsByKind(text);
      for (const [specifiers, how] of [
        [staticImports, 'static import'],
        [dynamicImports, 'dynamic import'],
      ] as const)
        for (const specifier of specifiers) {
          const target = resolve(packages, pkg, file, specifier);
          if (target) check(pkg, file, specifier, target, how);
        }
    }
  }
  for (const pkg of packages.filter(isConnectorPackage))
    for (const file of ['src/index.ts', 'src/config.ts', 'src/connector.ts'])
      if (!(file in pkg.files)) violations.push({ rule: 'connector-files', where: pkg.dir, what: file });
  return violations;
}

/** The package (or file) a violation reaches, as an exception names it. */
export function reached(violation: Violation): string {
  if (violation.rule === 'connector-files') return violation.what;
  const scoped = violation.what.match(/^@[^/]+\/[^/]+/);
  return scoped ? scoped[0] : violation.what;
}

const matches = (exception: Exception, violation: Violation) =>
  exception.rule === violation.rule &&
  exception.where === violation.where &&
  exception.what === reached(violation);

/** The violations no exception covers, and the exceptions that cover none (no longer needed). */
export function judge(
  violations: readonly Violation[],
  exceptions: readonly Exception[],
): { unexpected: Violation[]; stale: Exception[] } {
  return {
    unexpected: violations.filter((violation) => !exceptions.some((e) => matches(e, violation))),
    stale: exceptions.filter((exception) => !violations.some((v) => matches(exception, v))),
  };
}

function tsFiles(dir: string, base = dir): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return tsFiles(path, base);
    return entry.endsWith('.ts') ? [path.slice(base.length + 1)] : [];
  });
}

/** The workspace at `root`: every package under `packages/` and `apps/`, and the Terraform app. */
export function loadWorkspace(root: string): WorkspacePackage[] {
  const dirs = [
    ...['packages', 'apps'].flatMap((group) =>
      readdirSync(join(root, group))
        .sort()
        .map((name) => `${group}/${name}`),
    ),
    'terraform',
  ];
  return dirs.flatMap((dir) => {
    const manifestPath = join(root, dir, 'package.json');
    if (!existsSync(manifestPath)) return [];
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
      name: string;
      dependencies?: Record<string, string>;
      exports?: Record<string, unknown> | string;
    };
    const exports =
      typeof manifest.exports === 'object' && manifest.exports !== null
        ? Object.keys(manifest.exports)
        : ['.'];
    const files = Object.fromEntries(
      tsFiles(join(root, dir, 'src')).map((path) => [
        `src/${path.split('\\').join('/')}`,
        readFileSync(join(root, dir, 'src', path), 'utf8'),
      ]),
    );
    return [{ dir, name: manifest.name, dependencies: manifest.dependencies ?? {}, exports, files }];
  });
}
