/**
 * The Cloud Run function's `package-lock.json`: the dependencies its zip's package.json declares (the
 * functions framework, the one thing Cloud Build installs) with every package they pull in, at the
 * versions and integrity hashes the workspace's `pnpm-lock.yaml` resolved and the tests ran. With a
 * lockfile in the source, Google's Node.js buildpack runs `npm ci` — exactly these versions, each
 * checked against its hash — instead of `npm install` resolving ranges at deploy time.
 *
 * The tree is laid out as npm lays it out (a package as high as it can go, nested under the package
 * that needs another version of it), and checked: every dependency of every package resolves, by
 * Node's lookup from the folder it is in, to the version pnpm resolved for it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface PnpmPackage {
  integrity?: string;
  os?: string[];
  cpu?: string[];
  hasBin?: boolean;
  engines?: Record<string, string>;
}

interface PnpmSnapshot {
  /** name → version (peer suffixes removed) and the snapshot key it names. */
  dependencies: Map<string, string>;
  optional: Set<string>;
}

interface LockEntry {
  version: string;
  resolved: string;
  integrity: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  optional?: true;
  os?: string[];
  cpu?: string[];
  engines?: Record<string, string>;
  bin?: Record<string, string>;
}

/** `'@scope/name@1.2.3(peer@4)'` or `name@1.2.3` → name and the rest. */
function splitKey(key: string): { name: string; version: string } {
  const unquoted = key.replace(/^'|'$/g, '');
  const at = unquoted.indexOf('@', 1);
  return { name: unquoted.slice(0, at), version: unquoted.slice(at + 1) };
}

const withoutPeers = (version: string) => version.replace(/\(.*$/, '');
const unquote = (text: string) => text.trim().replace(/^'|'$/g, '');
const inlineList = (text: string) =>
  text
    .replace(/^\[|\]$/g, '')
    .split(',')
    .map(unquote)
    .filter(Boolean);

/**
 * Reads the `packages:` and `snapshots:` sections of a pnpm lockfile (v9). Their lines are regular —
 * two spaces and a key, four and a field, six and a map entry — so a line reader does; a line it does
 * not expect throws rather than being misread.
 */
export function readPnpmLock(text: string): {
  packages: Map<string, PnpmPackage>;
  snapshots: Map<string, PnpmSnapshot>;
} {
  const packages = new Map<string, PnpmPackage>();
  const snapshots = new Map<string, PnpmSnapshot>();
  let section = '';
  let key = '';
  let field = '';
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (!line.startsWith(' ')) {
      section = line.replace(/:.*$/, '');
      continue;
    }
    if (section !== 'packages' && section !== 'snapshots') continue;
    const depth = line.length - line.trimStart().length;
    const content = line.trim();
    if (depth === 2) {
      key = unquote(content.replace(/:( \{\})?$/, ''));
      if (section === 'packages') packages.set(key, {});
      else snapshots.set(key, { dependencies: new Map(), optional: new Set() });
      continue;
    }
    const colon = content.indexOf(': ');
    const name = unquote(colon < 0 ? content.replace(/:$/, '') : content.slice(0, colon));
    const value = colon < 0 ? '' : content.slice(colon + 2);
    if (depth === 4) {
      field = name;
      if (section === 'packages') {
        const entry = packages.get(key)!;
        if (name === 'resolution') entry.integrity = /integrity: ([^,}]+)/.exec(value)?.[1];
        else if (name === 'os') entry.os = inlineList(value);
        else if (name === 'cpu') entry.cpu = inlineList(value);
        else if (name === 'hasBin') entry.hasBin = value === 'true';
        else if (name === 'engines')
          entry.engines = Object.fromEntries(
            [...value.matchAll(/(\w+): ('[^']*'|[^,}]+)/g)].map((m) => [m[1]!, unquote(m[2]!)]),
          );
      }
      continue;
    }
    if (depth === 6 && section === 'snapshots') {
      const snapshot = snapshots.get(key)!;
      if (field === 'dependencies' || field === 'optionalDependencies') {
        snapshot.dependencies.set(name, unquote(value));
        if (field === 'optionalDependencies') snapshot.optional.add(name);
      }
      continue;
    }
    if (depth > 6 || (depth === 6 && section === 'packages')) continue;
    throw new Error(`pnpm-lock.yaml: unexpected line in ${section} (${key}): ${line}`);
  }
  return { packages, snapshots };
}

function tarballUrl(name: string, version: string): string {
  return `https://registry.npmjs.org/${name}/-/${name.replace(/^@[^/]+\//, '')}-${version}.tgz`;
}

/** The `bin` map of an installed package, read from pnpm's store (a bundle's package keeps its bins). */
function installedBin(root: string, name: string, version: string): Record<string, string> | undefined {
  const folder = `${name.replace('/', '+')}@${version}`;
  try {
    const manifest = JSON.parse(
      readFileSync(join(root, 'node_modules', '.pnpm', folder, 'node_modules', name, 'package.json'), 'utf8'),
    ) as { bin?: string | Record<string, string> };
    if (typeof manifest.bin === 'string') return { [name.replace(/^@[^/]+\//, '')]: manifest.bin };
    return manifest.bin;
  } catch {
    return undefined;
  }
}

/**
 * The package-lock.json (v3) for a package.json `manifest` whose dependencies are pinned to versions
 * the workspace lock holds.
 */
export function functionLockfile(
  root: string,
  manifest: { name: string; version: string; dependencies: Record<string, string>; engines?: object },
): string {
  const { packages, snapshots } = readPnpmLock(readFileSync(join(root, 'pnpm-lock.yaml'), 'utf8'));
  /** Folder in the tree → the snapshot key placed there. */
  const tree = new Map<string, string>();
  const optional = new Set<string>();
  const versionAt = (path: string) => {
    const key = tree.get(path);
    return key === undefined ? undefined : withoutPeers(splitKey(key).version);
  };
  /** Where Node finds `name` from the package in `from` ('' is the root): the nearest node_modules. */
  const lookup = (from: string, name: string): string | undefined => {
    for (let dir = from; ; ) {
      const candidate = `${dir ? `${dir}/` : ''}node_modules/${name}`;
      if (tree.has(candidate)) return candidate;
      if (dir === '') return undefined;
      const up = dir.lastIndexOf('/node_modules/');
      dir = up < 0 ? '' : dir.slice(0, up);
    }
  };
  const queue: { path: string; key: string }[] = [];
  const need = (from: string, name: string, version: string, isOptional: boolean) => {
    const key = `${name}@${version}`;
    if (!snapshots.has(key))
      throw new Error(`pnpm-lock.yaml has no snapshot ${key} (needed by ${from || 'root'})`);
    const found = lookup(from, name);
    if (found && tree.get(found) === key) return;
    // The highest free place: the root when nothing is there; else under the package that needs it.
    const path =
      found === undefined ? `node_modules/${name}` : `${from ? `${from}/` : ''}node_modules/${name}`;
    tree.set(path, key);
    if (isOptional) optional.add(path);
    queue.push({ path, key });
  };
  for (const [name, version] of Object.entries(manifest.dependencies)) need('', name, version, false);
  while (queue.length > 0) {
    const { path, key } = queue.shift()!;
    const snapshot = snapshots.get(key)!;
    for (const [name, version] of [...snapshot.dependencies].sort(([a], [b]) => a.localeCompare(b)))
      need(path, name, version, snapshot.optional.has(name) || optional.has(path));
  }

  const entries: Record<string, LockEntry | object> = {
    '': {
      name: manifest.name,
      version: manifest.version,
      dependencies: manifest.dependencies,
      ...(manifest.engines ? { engines: manifest.engines } : {}),
    },
  };
  for (const path of [...tree.keys()].sort()) {
    const key = tree.get(path)!;
    const { name, version: full } = splitKey(key);
    const version = withoutPeers(full);
    const pkg = packages.get(`${name}@${version}`);
    if (!pkg?.integrity) throw new Error(`pnpm-lock.yaml has no integrity for ${name}@${version}`);
    const snapshot = snapshots.get(key)!;
    const deps: Record<string, string> = {};
    const optionalDeps: Record<string, string> = {};
    for (const [dep, depVersion] of snapshot.dependencies) {
      // The check: Node's lookup from this folder finds the version pnpm resolved.
      const found = lookup(path, dep);
      if (!found || versionAt(found) !== withoutPeers(depVersion))
        throw new Error(`${path} would load ${dep} from ${found ?? 'nowhere'}, not ${depVersion}`);
      (snapshot.optional.has(dep) ? optionalDeps : deps)[dep] = withoutPeers(depVersion);
    }
    const bin = pkg.hasBin ? installedBin(root, name, version) : undefined;
    entries[path] = {
      version,
      resolved: tarballUrl(name, version),
      integrity: pkg.integrity,
      ...(Object.keys(deps).length > 0 ? { dependencies: deps } : {}),
      ...(Object.keys(optionalDeps).length > 0 ? { optionalDependencies: optionalDeps } : {}),
      ...(optional.has(path) ? { optional: true } : {}),
      ...(pkg.os ? { os: pkg.os } : {}),
      ...(pkg.cpu ? { cpu: pkg.cpu } : {}),
      ...(pkg.engines ? { engines: pkg.engines } : {}),
      ...(bin ? { bin } : {}),
    } satisfies LockEntry;
  }
  const lock = {
    name: manifest.name,
    version: manifest.version,
    lockfileVersion: 3,
    requires: true,
    packages: entries,
  };
  return `${JSON.stringify(lock, null, 2)}\n`;
}
