import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { consume } from '@ctxsiem/core/consumption';
import { describe, expect, it } from 'vitest';
import * as core from '../src/index.ts';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  exports: Record<string, unknown>;
};
/** Every folder of `src/` with an index: each is a subpath of the package. */
const folders = readdirSync(new URL('../src/', import.meta.url), { withFileTypes: true })
  .filter(
    (entry) => entry.isDirectory() && existsSync(new URL(`../src/${entry.name}/index.ts`, import.meta.url)),
  )
  .map((entry) => entry.name)
  .sort();

describe('the package by concern', () => {
  it('exports every folder as a subpath with the conditions of the root', () => {
    expect(pkg.exports['.']).toEqual({
      '@ctxsiem/source': './src/index.ts',
      types: './dist/index.d.ts',
      default: './dist/index.js',
    });
    for (const folder of folders)
      expect(pkg.exports[`./${folder}`], folder).toEqual({
        '@ctxsiem/source': `./src/${folder}/index.ts`,
        types: `./dist/${folder}/index.d.ts`,
        default: `./dist/${folder}/index.js`,
      });
    expect(Object.keys(pkg.exports).sort()).toEqual(['.', ...folders.map((folder) => `./${folder}`)].sort());
  });

  it('exports from the root what the folders export, each name from one folder', async () => {
    const owner = new Map<string, string>();
    for (const folder of folders) {
      const subpath: Record<string, unknown> = await import(/* @vite-ignore */ `@ctxsiem/core/${folder}`);
      for (const [name, value] of Object.entries(subpath)) {
        expect(owner.get(name), `${name} in ${folder}`).toBeUndefined();
        owner.set(name, folder);
        expect((core as Record<string, unknown>)[name], name).toBe(value);
      }
    }
    expect([...owner.keys()].sort()).toEqual(Object.keys(core).sort());
    // Type-checked and bundled like any import of a subpath.
    expect(consume).toBe(core.consume);
  });
});
