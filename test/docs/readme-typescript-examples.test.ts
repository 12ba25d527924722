/**
 * Every ```ts example of the READMEs compiles as copied, against the packages as they are: a README
 * that shows a function, an option or a signature the code no longer has fails here, naming the README,
 * the block and the line. The examples are fragments: the values a reader brings (a logger, a clock, a
 * sink…) are declared below, README by README, with their real types — what an example imports from a
 * package it must import itself. Every ```json block parses as JSON.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { readmeBlocks } from './readme-blocks.ts';
import { type Assumptions, type Checked, typeCheck } from './readme-code-blocks.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const LOGGER = "import('@ctxsiem/core').Logger";
const CLOCK = "import('@ctxsiem/core').Clock";
const SECRETS = "import('@ctxsiem/core').SecretRegistry";
const SINK = "import('@ctxsiem/core').Sink";
const CHECKPOINTS = "import('@ctxsiem/core').CheckpointStore";

/**
 * What each README's ```ts examples take from the reader (name → type), and, where the example imports
 * more than the README's package depends on, the package it compiles in.
 */
const ASSUMED: Record<string, Assumptions> = {
  'packages/citrix-cloud/README.md': {
    declare: {
      secret: 'string',
      logger: LOGGER,
      clock: CLOCK,
      secrets: SECRETS,
      from: 'Date',
      to: 'Date',
      signal: 'AbortSignal',
      resume: 'string | undefined',
      deliver: "(records: readonly import('@ctxsiem/core').JsonRecord[]) => Promise<void>",
    },
  },
  'packages/object-store-gcs/README.md': { declare: { body: 'Buffer', sha256: 'string' } },
  'packages/object-store-s3/README.md': { declare: { body: 'Buffer', sha256: 'string' } },
  'packages/sink-file/README.md': { declare: { logger: LOGGER, clock: CLOCK } },
  'packages/sink-gcs/README.md': {
    declare: { logger: LOGGER, clock: CLOCK, source: "import('@ctxsiem/core').Source" },
  },
  'packages/sink-s3/README.md': {
    declare: { logger: LOGGER, clock: CLOCK, secrets: SECRETS, source: "import('@ctxsiem/core').Source" },
  },
  'packages/source-analytics/README.md': {
    declare: {
      customerId: 'string',
      clientId: 'string',
      clientSecret: 'string',
      logger: LOGGER,
      clock: CLOCK,
      sink: SINK,
      checkpoints: CHECKPOINTS,
    },
  },
  'packages/source-monitor/README.md': {
    declare: {
      connection: "import('@ctxsiem/citrix-cloud').CitrixCloudConfigInput",
      logger: LOGGER,
      clock: CLOCK,
      secrets: SECRETS,
    },
  },
  'packages/source-sentinel/README.md': {
    declare: {
      customerId: 'string',
      logger: LOGGER,
      clock: CLOCK,
      resolveSecret: "NonNullable<import('@ctxsiem/core').ConnectorDeps['resolveSecret']>",
      sink: SINK,
      checkpoints: CHECKPOINTS,
    },
  },
  // A package's tests with the local servers: one with the S3 client, one with the GCS client.
  'test/servers/README.md': { compiledIn: ['packages/object-store-s3', 'packages/object-store-gcs'] },
};

/**
 * ```json blocks that are not JSON on purpose (with comments, or `…` for what is left out), and why.
 * Keyed `<README>#<index among its json blocks>`.
 */
const NOT_JSON: Record<string, string> = {};

const examples = readmeBlocks(ROOT, ['ts', 'typescript']);
const jsonBlocks = readmeBlocks(ROOT, ['json']);

describe('TypeScript examples in the READMEs', () => {
  let checked: Checked[] = [];
  beforeAll(() => {
    checked = typeCheck(ROOT, examples, ASSUMED);
  });

  it('there are some (the check reads the READMEs, indented blocks too)', () => {
    expect(examples.map(({ file }) => file)).toEqual(
      expect.arrayContaining([
        'packages/core/README.md',
        'packages/sink-s3/README.md',
        'test/servers/README.md',
      ]),
    );
  });

  it.each(examples.map((block, at) => ({ ...block, at })))(
    '$file, ts block $index (README line $line), compiles as copied',
    ({ at }) => {
      expect(checked[at]!.diagnostics).toEqual([]);
    },
  );

  it('declares only what a reader brings, for READMEs that have examples, each name used', () => {
    const problems: string[] = [];
    for (const [file, { declare = {}, compiledIn }] of Object.entries(ASSUMED)) {
      const blocks = examples.filter((block) => block.file === file);
      const code = blocks.map((block) => block.code).join('\n');
      if (!code) problems.push(`${file}: no ts block`);
      if (Array.isArray(compiledIn) && compiledIn.length !== blocks.length)
        problems.push(`${file}: ${compiledIn.length} folders to compile in for ${blocks.length} blocks`);
      for (const folder of typeof compiledIn === 'string' ? [compiledIn] : (compiledIn ?? []))
        if (!existsSync(join(ROOT, folder, 'package.json')))
          problems.push(`${file}: ${folder} is not a package`);
      for (const [name, type] of Object.entries(declare)) {
        if (!new RegExp(`\\b${name}\\b`).test(code))
          problems.push(`${file}: ${name} is declared, never used`);
        // A function or value a package exports is imported by the example, as a reader must.
        if (/typeof\s+import\(/.test(type))
          problems.push(`${file}: ${name} is a package's export: the example should import it`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('JSON examples in the READMEs', () => {
  it('there are some', () => {
    expect(jsonBlocks.map(({ file }) => file)).toContain('apps/lambda/README.md');
  });

  it.each(jsonBlocks)('$file, json block $index (README line $line), parses', ({ file, index, code }) => {
    const key = `${file}#${index}`;
    let error = '';
    try {
      JSON.parse(code);
    } catch (thrown) {
      error = `${key}: ${String(thrown)}`;
    }
    // A block meant as a sketch is named with its reason, and then must indeed not be JSON.
    if (NOT_JSON[key]) expect(error, `${key} parses: drop it from NOT_JSON`).not.toBe('');
    else expect(error).toBe('');
  });

  it('NOT_JSON names blocks that exist', () => {
    const keys = new Set(jsonBlocks.map(({ file, index }) => `${file}#${index}`));
    expect(Object.keys(NOT_JSON).filter((key) => !keys.has(key))).toEqual([]);
  });
});
