/**
 * Every whole configuration document the READMEs show (a ```yaml block with `tenants:` and `sources:`)
 * is one the collector accepts as copied: parsed and validated by the deployment's own schema, secret
 * references checked for their form (their values cannot be read here). A README change that breaks an
 * example fails here, naming the file and the field.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeploymentConfigSchema } from '@ctxsiem/registry';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The READMEs a reader meets: the root's, and every app's and package's. */
function readmes(): string[] {
  const nested = ['apps', 'packages'].flatMap((parent) =>
    readdirSync(join(ROOT, parent), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => join(parent, entry.name, 'README.md')),
  );
  return ['README.md', 'content/README.md', ...nested].filter((file) => {
    try {
      readFileSync(join(ROOT, file));
      return true;
    } catch {
      return false;
    }
  });
}

/** The ```yaml blocks of a Markdown text that are whole deployment configurations. */
function configBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```yaml\n([\s\S]*?)^```/gm)]
    .map((match) => match[1]!)
    .filter((block) => /^tenants:/m.test(block) && /^sources:/m.test(block));
}

describe('configuration examples in the READMEs', () => {
  const examples = readmes().flatMap((file) =>
    configBlocks(readFileSync(join(ROOT, file), 'utf8')).map((block, index) => ({ file, index, block })),
  );

  it('there are some (the check reads the READMEs)', () => {
    expect(examples.map(({ file }) => file)).toContain('apps/container/README.md');
  });

  it.each(examples)('$file, example $index, validates as copied', ({ block }) => {
    const parsed = DeploymentConfigSchema.safeParse(parse(block));
    expect(
      parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    ).toEqual([]);
  });
});
