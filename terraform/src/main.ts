/**
 * `make synth [ENV=a,b]` → `node src/main.ts [--env a,b] [--environments DIR] [--outdir DIR]`:
 * synthesizes the environments' stacks into terraform/cdktf.out/stacks/<stack>/. Exits 2 naming the
 * field for an invalid environment, 1 for anything else that stops the synth (a missing artifact).
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '@ctxsiem/core';
import { buildApp } from './app.ts';

const HERE = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: { env: { type: 'string' }, outdir: { type: 'string' }, environments: { type: 'string' } },
});
try {
  const app = await buildApp({
    root: resolve(HERE, '..'),
    environments: values.environments ? resolve(values.environments) : join(HERE, 'environments'),
    only: values.env
      ? values.env
          .split(',')
          .map((name) => name.trim())
          .filter(Boolean)
      : undefined,
    outdir: values.outdir ? resolve(values.outdir) : join(HERE, 'cdktf.out'),
  });
  app.synth();
  for (const stack of app.node.children) process.stdout.write(`synthesized ${stack.node.id}\n`);
} catch (error) {
  process.stderr.write(`synth: ${(error as Error).message}\n`);
  process.exit(error instanceof ConfigError ? 2 : 1);
}
