/**
 * Where a module that runs apart (a worker thread's entry, a module a worker loads) lies beside the
 * module that starts it, as the code is run: TypeScript from source (`.ts`), built JavaScript (`.js`), or
 * an application bundle (`.mjs`), whose shared code sits in a `chunks/` folder below its entries.
 */
import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The file URL of module `name` beside the module at `from` (its `import.meta.url`), or in the folder
 * above it (a bundle's entries, seen from a chunk) — with `from`'s extension; undefined when neither
 * exists (a bundle built without it).
 */
export function siblingModule(name: string, from: string): string | undefined {
  const extension = extname(fileURLToPath(from));
  for (const folder of ['./', '../']) {
    const url = new URL(`${folder}${name}${extension}`, from);
    if (existsSync(fileURLToPath(url))) return url.href;
  }
  return undefined;
}
