/**
 * Builds the deployable artifacts of the apps:
 *
 *   node scripts/package-app.ts lambda           → apps/lambda/dist/lambda.zip
 *   node scripts/package-app.ts cloud-function   → apps/cloud-function/dist/function.zip
 *   node scripts/package-app.ts container        → apps/container/dist/image/ (what the Dockerfile copies)
 *   … [--out DIR]                                (another folder: the Dockerfile, tests, benchmarks)
 *
 * esbuild bundles each app's entries, with the workspace packages from source, into minified ESM: the
 * entry modules (`index.mjs` of a function; `cli.mjs` and `healthcheck.mjs` of the container), and
 * `chunks/` for code imported only when used (cloud SDKs, connector implementations), loaded on first
 * use — a cold start parses what the handler needs, not every SDK (a third of the time to a ready
 * handler). The bundle is the production code and nothing else: no `node_modules`, no dev dependencies.
 *
 * A function leaves the other cloud's SDKs out: a module that imports one throws, when it is first
 * loaded, an error saying which artifact to use instead (the registry loads connectors lazily, so this
 * happens only if a deployment configures them). Its files — and for Cloud Run functions a package.json
 * and the package-lock.json of the functions framework (`function-lockfile.ts`) — are zipped deterministically with fflate: sorted entries, a fixed timestamp, fixed permissions, so two
 * clean builds give the same bytes. The zip's SHA-256, base64 (Terraform's `source_code_hash`), is
 * written beside it as `<zip>.base64sha256`. The container's bundle is written as a folder.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { build, type Plugin } from 'esbuild';
import { unzipSync, type Zippable, zipSync } from 'fflate';
import { functionLockfile } from './function-lockfile.ts';

const ROOT = resolve(import.meta.dirname, '..');
/** Where esbuild would write (it writes nothing: `write: false`); output paths are relative to it. */
const OUT_DIR = 'function-bundle';

interface Target {
  /** The app folder, relative to the repository. */
  app: string;
  /** Entry modules, relative to the app; each becomes `<its name>.mjs`. */
  entries: string[];
  /** What the artifact is, for the message of a left-out SDK. */
  label: string;
  /** Packages (and their subpaths) not in the artifact, and what to use for them instead. */
  leaveOut: LeftOut[];
  /** Further files in the artifact. */
  files?: () => Record<string, string>;
  /** A zip of that name (a function), or the files in a folder (the container image's). */
  output: { zip: string } | { folder: string };
}

interface LeftOut {
  packages: string[];
  instead: string;
}

/**
 * The servers of the tests and of `ctxsiem demo` (MinIO, fake-gcs-server, Kafka, the contract servers)
 * are no production code: no artifact carries them. The container's demo imports them only for a sink or
 * source that needs one, so `ctxsiem demo` on files works in the image and `--sink s3` says where to run.
 */
const LOCAL_SERVICES: LeftOut = {
  packages: ['@ctxsiem/local-services'],
  instead:
    'the demo’s local servers (MinIO, fake-gcs-server, Kafka, the SecOps and Azure contract servers) run from a clone of the repository: `bin/ctxsiem demo …` there',
};

const TARGETS: Record<string, Target> = {
  lambda: {
    app: 'apps/lambda',
    entries: ['src/index.ts'],
    output: { zip: 'lambda.zip' },
    label: 'AWS Lambda',
    leaveOut: [
      {
        packages: ['@google-cloud/storage'],
        instead: 'Google Cloud Storage is in the Cloud Run function and the container',
      },
      LOCAL_SERVICES,
    ],
  },
  'cloud-function': {
    app: 'apps/cloud-function',
    entries: ['src/index.ts'],
    output: { zip: 'function.zip' },
    label: 'Cloud Run function',
    leaveOut: [
      {
        packages: ['@aws-sdk/client-s3', '@aws-sdk/lib-storage', '@aws-sdk/client-secrets-manager'],
        instead: 'S3 and Secrets Manager are in the AWS Lambda and the container',
      },
      LOCAL_SERVICES,
    ],
    // The lockfile makes Cloud Build run `npm ci`: the framework and what it pulls in at the versions
    // (and hashes) the workspace resolved and the tests ran, not ranges resolved at deploy time.
    files: () => ({
      'package.json': `${JSON.stringify(functionPackageJson(), null, 2)}\n`,
      'package-lock.json': functionLockfile(ROOT, functionPackageJson()),
    }),
  },
  container: {
    app: 'apps/container',
    // The routing worker's entry and the sentinel source's routing module, as files of their own beside
    // the CLI: Kafka batches are parsed, checked and encoded in worker threads (core's routing-workers).
    entries: [
      'src/cli.ts',
      'src/healthcheck.ts',
      '../../packages/core/src/consumption/routing-worker.ts',
      '../../packages/source-sentinel/src/message-routing.ts',
    ],
    output: { folder: 'image' },
    label: 'container',
    leaveOut: [LOCAL_SERVICES],
  },
};

/** The functions framework version Cloud Build installs for the function (the bundle holds the rest). */
export const FUNCTIONS_FRAMEWORK_VERSION = '5.0.5';

function functionPackageJson() {
  return {
    name: 'ctxsiem-cloud-function',
    version: '0.1.0',
    private: true,
    type: 'module',
    main: 'index.mjs',
    engines: { node: '>=24' },
    dependencies: { '@google-cloud/functions-framework': FUNCTIONS_FRAMEWORK_VERSION },
  };
}

/** Zip timestamps: a fixed local date (DOS times are local), so the bytes do not depend on the clock. */
const FIXED_MTIME = new Date(1980, 0, 2, 0, 0, 0);
/** -rw-r--r-- regular files, as Lambda and Cloud Build expect to read them. */
const FILE_ATTRIBUTES = (0o100644 << 16) >>> 0;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** A package name or one of its subpaths (`@aws-sdk/client-s3`, `@ctxsiem/local-services/x`). */
const packagePattern = (packages: readonly string[]) =>
  new RegExp(`^(${packages.map(escapeRegExp).join('|')})(/.*)?$`);

/** Each group's packages resolve to a module that throws, when first loaded, the group's message. */
function leaveOut(groups: readonly LeftOut[], label: string): Plugin {
  const insteadOf = (path: string) =>
    groups.find((group) => packagePattern(group.packages).test(path))?.instead;
  return {
    name: 'leave-out',
    setup(plugin) {
      if (!groups.length) return;
      const filter = packagePattern(groups.flatMap((group) => group.packages));
      plugin.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'left-out' }));
      plugin.onLoad({ filter: /.*/, namespace: 'left-out' }, (args) => ({
        // CommonJS (it assigns module.exports), so any named import of it bundles.
        contents: `module.exports = {}; throw new Error(${JSON.stringify(
          `${args.path} is not part of the ${label} artifact: ${insteadOf(args.path)}`,
        )});`,
        loader: 'js',
      }));
    },
  };
}

/**
 * Test connectors (`@ctxsiem/source-generated`'s `generated` source) are not production code: the artifacts register
 * none, so a deployment naming one is refused like any unknown type, listing the real ones. The
 * registry imports them through their manifest module, which the bundle replaces with an empty list.
 */
const TEST_CONNECTOR_MODULES = ['@ctxsiem/source-generated/connector'];
const withoutTestConnectors: Plugin = {
  name: 'without-test-connectors',
  setup(plugin) {
    const filter = new RegExp(`^(${TEST_CONNECTOR_MODULES.map(escapeRegExp).join('|')})$`);
    plugin.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'test-connectors' }));
    plugin.onLoad({ filter: /.*/, namespace: 'test-connectors' }, () => ({
      contents: 'export const connectors = [];',
      loader: 'js',
    }));
  },
};

/**
 * `@platformatic/wasm-utils` (the Kafka client's CRC-32C and compression) reads its WebAssembly from a
 * file beside its module, which a bundle does not have; its `bundled` build carries it inline.
 */
const inlineWasm: Plugin = {
  name: 'inline-wasm',
  setup(plugin) {
    plugin.onResolve({ filter: /^@platformatic\/wasm-utils$/ }, (args) =>
      plugin.resolve('@platformatic/wasm-utils/bundled', { kind: args.kind, resolveDir: args.resolveDir }),
    );
  },
};

interface Bundle {
  /** Path in the artifact → bytes: the bundled entries and chunks, and the target's further files. */
  files: Record<string, Uint8Array>;
  /** Every module bundled, as esbuild names its inputs (repository-relative; `left-out:` for a stub). */
  inputs: string[];
}

/** The app's entries bundled, with its further files. */
async function bundleApp(target: Target): Promise<Bundle> {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: target.entries.map((entry) => join(target.app, entry)),
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    conditions: ['@ctxsiem/source'],
    // ES module builds where a package has them (the AWS SDK): named exports survive a lazy import.
    mainFields: ['module', 'main'],
    minify: true,
    keepNames: true,
    legalComments: 'eof',
    // Code imported only when used (cloud SDKs, connector implementations) goes to chunks of its own,
    // loaded on first use: a cold start parses only what the handler's first path needs.
    splitting: true,
    outdir: OUT_DIR,
    entryNames: '[name]',
    chunkNames: 'chunks/[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    // CommonJS dependencies (pino, the AWS SDK's parts) call require() for Node's built-ins.
    banner: {
      js: "import{createRequire as __ctxsiemRequire}from'node:module';const require=__ctxsiemRequire(import.meta.url);",
    },
    plugins: [inlineWasm, withoutTestConnectors, leaveOut(target.leaveOut, target.label)],
    logLevel: 'warning',
  });
  const outputs: Record<string, Uint8Array> = Object.fromEntries(
    result.outputFiles.map((file) => [
      relative(join(ROOT, OUT_DIR), file.path).split(sep).join('/'),
      file.contents,
    ]),
  );
  for (const entry of target.entries) {
    const name = `${entry.replace(/^.*\//, '').replace(/\.ts$/, '')}.mjs`;
    if (!outputs[name])
      throw new Error(`esbuild wrote no ${name} (wrote ${Object.keys(outputs).join(', ')})`);
  }
  for (const [path, text] of Object.entries(target.files?.() ?? {}))
    outputs[path] = new TextEncoder().encode(text);
  return { files: outputs, inputs: Object.keys(result.metafile.inputs).sort() };
}

/**
 * The bundled modules that are test code: the test kit, the local servers, the generated source,
 * vitest and its parts. An artifact has none (`test/artifacts` checks every one).
 */
export function testModulesIn(inputs: readonly string[]): string[] {
  const test =
    /(^|\/)(packages\/(test-kit|local-services|source-generated)\/|node_modules\/(\.pnpm\/)?(@vitest|vitest)[@+/])/;
  return inputs.filter((input) => test.test(input));
}

function targetNamed(name: string): Target {
  const target = TARGETS[name];
  if (!target) throw new Error(`unknown app "${name}"; expected ${Object.keys(TARGETS).join(', ')}`);
  return target;
}

export interface PackagedFunction {
  zip: string;
  bytes: number;
  /** Base64 SHA-256 of the zip. */
  sha256: string;
  /** Size of the bundled `index.mjs`. */
  bundleBytes: number;
  /** Every module bundled (see `testModulesIn`). */
  inputs: string[];
}

export async function packageFunction(name: string, outDir?: string): Promise<PackagedFunction> {
  const target = targetNamed(name);
  if (!('zip' in target.output)) throw new Error(`"${name}" is not a function: it is built into a folder`);
  const { files: entries, inputs } = await bundleApp(target);
  const files: Zippable = {};
  for (const path of Object.keys(entries).sort())
    files[path] = [entries[path]!, { mtime: FIXED_MTIME, os: 3, attrs: FILE_ATTRIBUTES, level: 9 }];
  const zip = zipSync(files);
  const dir = outDir ? resolve(outDir) : join(ROOT, target.app, 'dist');
  await mkdir(dir, { recursive: true });
  const zipPath = join(dir, target.output.zip);
  const sha256 = createHash('sha256').update(zip).digest('base64');
  await writeFile(zipPath, zip);
  await writeFile(`${zipPath}.base64sha256`, `${sha256}\n`);
  return { zip: zipPath, bytes: zip.length, sha256, bundleBytes: entries['index.mjs']!.length, inputs };
}

export interface PackagedFolder {
  dir: string;
  /** Every file written, relative to `dir`. */
  files: string[];
  bytes: number;
  /** Every module bundled (see `testModulesIn`). */
  inputs: string[];
}

/**
 * Writes the container's bundle into `outDir` (default `apps/container/dist/image`). A previous
 * bundle's `chunks/` is removed first: chunk names carry their content hash, so old ones would pile up.
 */
export async function packageFolder(name: string, outDir?: string): Promise<PackagedFolder> {
  const target = targetNamed(name);
  if (!('folder' in target.output)) throw new Error(`"${name}" is built into a zip: use packageFunction`);
  const { files: entries, inputs } = await bundleApp(target);
  const dir = outDir ? resolve(outDir) : join(ROOT, target.app, 'dist', target.output.folder);
  await rm(join(dir, 'chunks'), { recursive: true, force: true });
  let bytes = 0;
  for (const [path, contents] of Object.entries(entries)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), contents);
    bytes += contents.length;
  }
  return { dir, files: Object.keys(entries).sort(), bytes, inputs };
}

/** Unpacks a function zip into `dir`, as the platform does before loading it (tests, benchmarks). */
export async function unpackFunction(zip: string, dir: string): Promise<void> {
  for (const [path, bytes] of Object.entries(unzipSync(await readFile(zip)))) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), bytes);
  }
}

if (import.meta.main) {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { out: { type: 'string' } } });
  const [name] = positionals;
  const target = name ? TARGETS[name] : undefined;
  if (!name || !target) {
    console.error(`usage: node scripts/package-app.ts <${Object.keys(TARGETS).join('|')}> [--out DIR]`);
    process.exit(2);
  }
  if ('zip' in target.output) {
    const packaged = await packageFunction(name, values.out);
    console.log(
      `${relative(process.cwd(), packaged.zip)}: ${(packaged.bytes / 1024).toFixed(0)} KiB (index.mjs ${(packaged.bundleBytes / 1024).toFixed(0)} KiB), sha256 ${packaged.sha256}`,
    );
  } else {
    const packaged = await packageFolder(name, values.out);
    console.log(
      `${relative(process.cwd(), packaged.dir) || '.'}: ${packaged.files.length} files, ${(packaged.bytes / 1024).toFixed(0)} KiB`,
    );
  }
}
