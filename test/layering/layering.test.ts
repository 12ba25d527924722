/**
 * The workspace keeps its layers (issue 31): sources and sinks apart, deployment and Terraform reaching
 * sinks only through the registry, no test-kit in production and the local servers only lazily (the
 * container's demo), core importing no connector, every
 * connector package with its index, config and manifest — checked on the real workspace against the
 * known exceptions (`exceptions.ts`), and the checker itself shown to fail on a small tree that breaks
 * each rule.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXCEPTIONS } from './exceptions.ts';
import {
  importsOf,
  judge,
  layeringViolations,
  loadWorkspace,
  type Violation,
  type WorkspacePackage,
} from './layering.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const show = (items: readonly { rule: string; where: string; what: string }[]) =>
  items.map(({ rule, where, what }) => `${rule}: ${where} → ${what}`).join('\n');

describe('the workspace', () => {
  const workspace = loadWorkspace(ROOT);

  it('is mapped in docs/architecture.md as its packages describe themselves (scripts/package-map.ts)', () => {
    const check = spawnSync(process.execPath, ['scripts/package-map.ts'], { cwd: ROOT, encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  const violations = layeringViolations(workspace);

  it('reads every package, app and the Terraform app', () => {
    const dirs = workspace.map((pkg) => pkg.dir);
    for (const dir of [
      'packages/core',
      'packages/registry',
      'packages/deployment',
      'apps/container',
      'terraform',
    ])
      expect(dirs).toContain(dir);
    expect(workspace.find((pkg) => pkg.dir === 'terraform')?.files['src/main.ts']).toBeDefined();
  });

  it('breaks no layering rule beyond the known exceptions', () => {
    const { unexpected } = judge(violations, EXCEPTIONS);
    expect(show(unexpected), 'layering rules broken (see test/layering/layering.ts)').toBe('');
  });

  it('needs every known exception still (delete the entries of work that has landed)', () => {
    const { stale } = judge(violations, EXCEPTIONS);
    expect(show(stale), 'exceptions in test/layering/exceptions.ts that no longer happen').toBe('');
  });

  it('has deployment and Terraform import no sink: their SIEM declarations come through the registry', () => {
    expect(show(violations.filter((v) => v.rule === 'deployment-sink' || v.rule === 'sink-internals'))).toBe(
      '',
    );
    expect(EXCEPTIONS.filter((e) => e.rule === 'deployment-sink' || e.rule === 'sink-internals')).toEqual([]);
  });

  it('names, for every exception, why and the issue whose work removes it', () => {
    for (const exception of EXCEPTIONS) {
      expect(exception.why.length).toBeGreaterThan(10);
      expect(exception.removedBy).toMatch(/^issue \d+: /);
    }
  });
});

/** A package of the fixture tree. */
function pkg(
  dir: string,
  name: string,
  files: Record<string, string> = {},
  more: Partial<WorkspacePackage> = {},
) {
  return { dir, name, dependencies: {}, exports: ['.'], files, ...more } satisfies WorkspacePackage;
}

const connector = (dir: string, name: string, files: Record<string, string> = {}) =>
  pkg(
    dir,
    name,
    { 'src/index.ts': '', 'src/config.ts': '', 'src/connector.ts': '', ...files },
    { exports: ['.', './config', './connector'] },
  );

/** A tree that keeps every rule: the checker must find nothing in it. */
const clean = (): WorkspacePackage[] => [
  pkg('packages/core', '@ctxsiem/core', { 'src/index.ts': "export * from './runner/index.ts';" }),
  pkg('packages/test-kit', '@ctxsiem/test-kit', { 'src/index.ts': "import { run } from '@ctxsiem/core';" }),
  connector('packages/sink-x', '@ctxsiem/sink-x', {
    'src/connector.ts': "import { defineSink } from '@ctxsiem/core';\nimport { schema } from './config.ts';",
  }),
  connector('packages/source-y', '@ctxsiem/source-y', { 'src/config.ts': "import { z } from 'zod';" }),
  pkg(
    'packages/registry',
    '@ctxsiem/registry',
    { 'src/generated.ts': "import { connectors } from '@ctxsiem/sink-x/connector';" },
    { dependencies: { '@ctxsiem/sink-x': 'workspace:*', '@ctxsiem/source-y': 'workspace:*' } },
  ),
  pkg('packages/deployment', '@ctxsiem/deployment', {
    'src/azure-dcr.ts': "import { siemDeclarations } from '@ctxsiem/registry';",
  }),
  pkg('packages/local-services', '@ctxsiem/local-services', {
    'src/index.ts': "export { startMinio } from './minio.ts';",
  }),
  pkg(
    'apps/container',
    '@ctxsiem/container',
    {
      'src/demo.ts': "const { schema } = await import('@ctxsiem/sink-x/config');",
      'src/demo-sinks.ts': "const { startMinio } = await import('@ctxsiem/local-services');",
    },
    { dependencies: { '@ctxsiem/local-services': 'workspace:*' } },
  ),
  pkg('terraform', '@ctxsiem/terraform', { 'src/main.ts': "import type { X } from '@ctxsiem/registry';" }),
];

/** The clean tree with `file` of the package in `dir` set to `text` (and `more` merged in). */
function breaking(dir: string, file: string, text: string, more: Partial<WorkspacePackage> = {}) {
  return clean().map((p) => (p.dir === dir ? { ...p, ...more, files: { ...p.files, [file]: text } } : p));
}

/** What the checker finds in `tree`, as rule, where and what. */
const found = (tree: WorkspacePackage[]) =>
  layeringViolations(tree).map(({ rule, where, what }: Violation) => ({ rule, where, what }));

/** Trees that break one rule each: the clean tree with one file (and package.json) changed. */
const BROKEN: {
  name: string;
  dir: string;
  file: string;
  text: string;
  more?: Partial<WorkspacePackage>;
  expected: Violation[];
}[] = [
  {
    name: 'a source importing a sink',
    dir: 'packages/source-y',
    file: 'src/config.ts',
    text: "import { S } from '@ctxsiem/sink-x/config';",
    expected: [
      { rule: 'source-sink', where: 'packages/source-y/src/config.ts', what: '@ctxsiem/sink-x/config' },
    ],
  },
  {
    name: 'a sink importing a source by a relative path',
    dir: 'packages/sink-x',
    file: 'src/sink.ts',
    text: "export { columns } from '../../source-y/src/stream.ts';",
    expected: [
      { rule: 'source-sink', where: 'packages/sink-x/src/sink.ts', what: '../../source-y/src/stream.ts' },
    ],
  },
  {
    name: 'a source depending on a sink in its package.json',
    dir: 'packages/source-y',
    file: 'src/index.ts',
    text: '',
    more: { dependencies: { '@ctxsiem/sink-x': 'workspace:*' } },
    expected: [{ rule: 'source-sink', where: 'packages/source-y/package.json', what: '@ctxsiem/sink-x' }],
  },
  {
    name: 'an app reaching past what a sink exports',
    dir: 'apps/container',
    file: 'src/demo.ts',
    text: "import { s } from '@ctxsiem/sink-x/src/sink.ts';",
    expected: [
      { rule: 'sink-internals', where: 'apps/container/src/demo.ts', what: '@ctxsiem/sink-x/src/sink.ts' },
    ],
  },
  {
    name: 'an app reaching into a sink by a relative path',
    dir: 'apps/container',
    file: 'src/demo.ts',
    text: "const m = await import('../../../packages/sink-x/src/sink.ts');",
    expected: [
      {
        rule: 'sink-internals',
        where: 'apps/container/src/demo.ts',
        what: '../../../packages/sink-x/src/sink.ts',
      },
    ],
  },
  {
    name: 'deployment importing a sink, even by what it exports',
    dir: 'packages/deployment',
    file: 'src/azure-dcr.ts',
    text: "import { dcrDeclaration } from '@ctxsiem/sink-x';",
    expected: [
      { rule: 'deployment-sink', where: 'packages/deployment/src/azure-dcr.ts', what: '@ctxsiem/sink-x' },
    ],
  },
  {
    name: 'Terraform depending on a sink and importing a type of it',
    dir: 'terraform',
    file: 'src/azure/stack.ts',
    text: "import type {\n  Dcr,\n} from '@ctxsiem/sink-x';",
    more: { dependencies: { '@ctxsiem/sink-x': 'workspace:*' } },
    expected: [
      { rule: 'deployment-sink', where: 'terraform/package.json', what: '@ctxsiem/sink-x' },
      { rule: 'deployment-sink', where: 'terraform/src/azure/stack.ts', what: '@ctxsiem/sink-x' },
    ],
  },
  {
    name: 'production code and dependencies using test-kit',
    dir: 'packages/registry',
    file: 'src/generated.ts',
    text: "import { connectors } from '@ctxsiem/test-kit/connector';",
    more: { dependencies: { '@ctxsiem/test-kit': 'workspace:*' } },
    expected: [
      { rule: 'production-test-kit', where: 'packages/registry/package.json', what: '@ctxsiem/test-kit' },
      {
        rule: 'production-test-kit',
        where: 'packages/registry/src/generated.ts',
        what: '@ctxsiem/test-kit/connector',
      },
    ],
  },
  {
    name: 'an app importing the local servers statically (the image could not leave them out)',
    dir: 'apps/container',
    file: 'src/demo-sinks.ts',
    text: "import { startMinio } from '@ctxsiem/local-services';",
    expected: [
      {
        rule: 'production-local-services',
        where: 'apps/container/src/demo-sinks.ts',
        what: '@ctxsiem/local-services',
      },
    ],
  },
  {
    name: 'a package depending on the local servers, even to import them lazily',
    dir: 'packages/deployment',
    file: 'src/config-uri.ts',
    text: "const { startMinio } = await import('@ctxsiem/local-services');",
    more: { dependencies: { '@ctxsiem/local-services': 'workspace:*' } },
    expected: [
      {
        rule: 'production-local-services',
        where: 'packages/deployment/package.json',
        what: '@ctxsiem/local-services',
      },
    ],
  },
  {
    name: 'core importing a connector package',
    dir: 'packages/core',
    file: 'src/runner/run.ts',
    text: "import { s } from '@ctxsiem/source-y';",
    expected: [
      { rule: 'core-connector', where: 'packages/core/src/runner/run.ts', what: '@ctxsiem/source-y' },
    ],
  },
];

describe('the layering checker', () => {
  it('finds nothing in a tree that keeps the rules (an app importing a path a sink exports included)', () => {
    expect(layeringViolations(clean())).toEqual([]);
  });

  it.each(BROKEN)('fails $name', ({ dir, file, text, more, expected }) => {
    expect(found(breaking(dir, file, text, more))).toEqual(expected);
  });

  it('fails a connector package without its index, config or manifest module', () => {
    const tree = clean().map((p) =>
      p.dir === 'packages/sink-x' ? { ...p, files: { 'src/connector.ts': '', 'src/sink.ts': '' } } : p,
    );
    expect(found(tree)).toEqual([
      { rule: 'connector-files', where: 'packages/sink-x', what: 'src/index.ts' },
      { rule: 'connector-files', where: 'packages/sink-x', what: 'src/config.ts' },
    ]);
  });

  it('takes out known exceptions by package reached, and reports those that cover nothing', () => {
    const violations = layeringViolations(
      breaking(
        'apps/container',
        'src/demo.ts',
        "const { startMinio } = await import('@ctxsiem/test-kit/servers');",
      ),
    );
    const exception = {
      rule: 'production-test-kit' as const,
      where: 'apps/container/src/demo.ts',
      what: '@ctxsiem/test-kit',
      why: 'the demo starts MinIO',
      removedBy: 'issue 31: the test-kit split',
    };
    const gone = { ...exception, where: 'apps/container/src/old.ts' };
    expect(judge(violations, [exception, gone])).toEqual({ unexpected: [], stale: [gone] });
    expect(judge(violations, []).unexpected).toHaveLength(1);
  });
});

describe('reading imports', () => {
  it('finds static, type-only, multi-line, re-exported, side-effect and dynamic imports', () => {
    const text = [
      "import { a } from '@ctxsiem/a';",
      "import type { B } from '@ctxsiem/b';",
      'import {',
      '  c,',
      '  type C,',
      "} from '@ctxsiem/c';",
      "export { d } from './d.ts';",
      "export * from '@ctxsiem/e';",
      "import '@ctxsiem/f';",
      "  const g = await import('@ctxsiem/g');",
      "const [h, i] = await Promise.all([import('@ctxsiem/h'), import('@ctxsiem/i')]);",
    ].join('\n');
    expect(importsOf(text)).toEqual([
      '@ctxsiem/a',
      '@ctxsiem/b',
      '@ctxsiem/c',
      './d.ts',
      '@ctxsiem/e',
      '@ctxsiem/f',
      '@ctxsiem/g',
      '@ctxsiem/h',
      '@ctxsiem/i',
    ]);
  });

  it('ignores imports named in comments and code that only looks like one', () => {
    const text = [
      '/**',
      " * Loaded lazily: `await import('@ctxsiem/sink-x')` in create.",
      ' */',
      "// const s = await import('@ctxsiem/sink-y');",
      "export const from = 'x';",
      "const note = { from: '@ctxsiem/sink-z' };",
    ].join('\n');
    expect(importsOf(text)).toEqual([]);
  });
});
