/**
 * Every whole configuration document the READMEs show (a ```yaml block with `tenants:` and `sources:`)
 * is one the collector accepts as copied: parsed and validated by the deployment's own schema, secret
 * references checked for their form (their values cannot be read here). A README change that breaks an
 * example fails here, naming the file and the field.
 */
import { fileURLToPath } from 'node:url';
import { DeploymentConfigSchema } from '@ctxsiem/registry';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readmeBlocks } from './readme-blocks.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The ```yaml blocks of the READMEs that are whole deployment configurations. */
const configBlocks = () =>
  readmeBlocks(ROOT, ['yaml']).filter(({ code }) => /^tenants:/m.test(code) && /^sources:/m.test(code));

describe('configuration examples in the READMEs', () => {
  const examples = configBlocks().map(({ file, index, code }) => ({ file, index, block: code }));

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
