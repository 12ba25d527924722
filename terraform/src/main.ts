/**
 * `make synth [ENV=a,b]` → `node src/main.ts [--env a,b] [--environments DIR] [--outdir DIR]`:
 * synthesizes the environments' stacks into terraform/cdktf.out/stacks/<stack>/. Exits 2 naming the
 * field for an invalid environment, 1 for anything else that stops the synth (a missing artifact).
 */
import { join, relative, resolve } from 'node:path';
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
  const outdir = values.outdir ? resolve(values.outdir) : join(HERE, 'cdktf.out');
  for (const stack of app.node.children) {
    // From the repository's root, where `make synth` is run (absolute when outside it).
    const absolute = join(outdir, 'stacks', stack.node.id);
    const nearby = relative(resolve(HERE, '..'), absolute);
    const folder = nearby.startsWith('..') ? absolute : nearby;
    process.stdout.write(
      `synthesized ${stack.node.id} → ${join(folder, 'cdk.tf.json')}\n` +
        `  next: terraform -chdir=${folder} init && terraform -chdir=${folder} apply\n`,
    );
  }
} catch (error) {
  process.stderr.write(`synth: ${(error as Error).message}\n`);
  process.exit(error instanceof ConfigError ? 2 : 1);
}
