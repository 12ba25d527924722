/**
 * Builds a deployable function artifact:
 *
 *   node scripts/package-function.ts lambda           → apps/lambda/dist/lambda.zip
 *   node scripts/package-function.ts cloud-function   → apps/cloud-function/dist/function.zip
 *   … [--out DIR]                                      (another folder, for tests and benchmarks)
 *
 * esbuild bundles the app's entry, with the workspace packages from source, into minified ESM: the
 * handler's module `index.mjs`, and `chunks/` for code imported only when used (cloud SDKs, connector
 * implementations), loaded on first use — a cold start parses what the handler needs, not every SDK
 * (a third of the time to a ready handler). The other cloud's SDKs are left out: a module that imports one throws, when it is
 * first loaded, an error saying which artifact to use instead (the registry loads connectors lazily, so
 * this happens only if a deployment configures them). The files — and for Cloud Run functions a
 * package.json — are zipped deterministically with fflate: sorted entries, a fixed timestamp, fixed
 * permissions, so two clean builds give the same bytes. The zip's SHA-256, base64 (Terraform's
 * `source_code_hash`), is written beside it as `<zip>.base64sha256`.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { build, type Plugin } from 'esbuild';
import { unzipSync, type Zippable, zipSync } from 'fflate';

const ROOT = resolve(import.meta.dirname, '..');
/** Where esbuild would write (it writes nothing: `write: false`); output paths are relative to it. */
const OUT_DIR = 'function-bundle';

interface Target {
  /** The app folder, relative to the repository. */
  app: string;
  entry: string;
  zip: string;
  /** What the artifact is, for the message of a left-out SDK. */
  label: string;
  /** Packages (and their subpaths) not in the artifact, and what to use for them instead. */
  leaveOut: { packages: string[]; instead: string };
  /** Further files in the zip. */
  files?: () => Record<string, string>;
}

const TARGETS: Record<string, Target> = {
  lambda: {
    app: 'apps/lambda',
    entry: 'src/index.ts',
    zip: 'lambda.zip',
    label: 'AWS Lambda',
    leaveOut: {
      packages: ['@google-cloud/storage'],
      instead: 'Google Cloud Storage is in the Cloud Run function and the container',
    },
  },
  'cloud-function': {
    app: 'apps/cloud-function',
    entry: 'src/index.ts',
    zip: 'function.zip',
    label: 'Cloud Run function',
    leaveOut: {
      packages: ['@aws-sdk/client-s3', '@aws-sdk/lib-storage', '@aws-sdk/client-secrets-manager'],
      instead: 'S3 and Secrets Manager are in the AWS Lambda and the container',
    },
    files: () => ({ 'package.json': `${JSON.stringify(functionPackageJson(), null, 2)}\n` }),
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

function leaveOut(target: Target): Plugin {
  const { packages, instead } = target.leaveOut;
  const filter = new RegExp(
    `^(${packages.map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})(/.*)?$`,
  );
  return {
    name: 'leave-out',
    setup(plugin) {
      plugin.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'left-out' }));
      plugin.onLoad({ filter: /.*/, namespace: 'left-out' }, (args) => ({
        // CommonJS (it assigns module.exports), so any named import of it bundles.
        contents: `module.exports = {}; throw new Error(${JSON.stringify(
          `${args.path} is not part of the ${target.label} artifact: ${instead}`,
        )});`,
        loader: 'js',
      }));
    },
  };
}

export interface PackagedFunction {
  zip: string;
  bytes: number;
  /** Base64 SHA-256 of the zip. */
  sha256: string;
  /** Size of the bundled `index.mjs`. */
  bundleBytes: number;
}

export async function packageFunction(name: string, outDir?: string): Promise<PackagedFunction> {
  const target = TARGETS[name];
  if (!target) throw new Error(`unknown function "${name}"; expected ${Object.keys(TARGETS).join(' or ')}`);
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [join(target.app, target.entry)],
    bundle: true,
    write: false,
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
    entryNames: 'index',
    chunkNames: 'chunks/[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    // CommonJS dependencies (pino, the AWS SDK's parts) call require() for Node's built-ins.
    banner: {
      js: "import{createRequire as __ctxsiemRequire}from'node:module';const require=__ctxsiemRequire(import.meta.url);",
    },
    plugins: [leaveOut(target)],
    logLevel: 'warning',
  });
  const outputs = Object.fromEntries(
    result.outputFiles.map((file) => [
      relative(join(ROOT, OUT_DIR), file.path).split(sep).join('/'),
      file.contents,
    ]),
  );
  const bundle = outputs['index.mjs'];
  if (!bundle) throw new Error(`esbuild wrote no index.mjs (wrote ${Object.keys(outputs).join(', ')})`);
  const files: Zippable = {};
  const entries: Record<string, Uint8Array> = {
    ...outputs,
    ...Object.fromEntries(
      Object.entries(target.files?.() ?? {}).map(([path, text]) => [path, new TextEncoder().encode(text)]),
    ),
  };
  for (const path of Object.keys(entries).sort())
    files[path] = [entries[path]!, { mtime: FIXED_MTIME, os: 3, attrs: FILE_ATTRIBUTES, level: 9 }];
  const zip = zipSync(files);
  const dir = outDir ? resolve(outDir) : join(ROOT, target.app, 'dist');
  await mkdir(dir, { recursive: true });
  const zipPath = join(dir, target.zip);
  const sha256 = createHash('sha256').update(zip).digest('base64');
  await writeFile(zipPath, zip);
  await writeFile(`${zipPath}.base64sha256`, `${sha256}\n`);
  return { zip: zipPath, bytes: zip.length, sha256, bundleBytes: bundle.length };
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
  if (!name || !TARGETS[name]) {
    console.error(`usage: node scripts/package-function.ts <${Object.keys(TARGETS).join('|')}> [--out DIR]`);
    process.exit(2);
  }
  const packaged = await packageFunction(name, values.out);
  console.log(
    `${relative(process.cwd(), packaged.zip)}: ${(packaged.bytes / 1024).toFixed(0)} KiB (index.mjs ${(packaged.bundleBytes / 1024).toFixed(0)} KiB), sha256 ${packaged.sha256}`,
  );
}
