/**
 * `make new-source NAME=…` (as the README gives it) and `pnpm new:sink` on a copy of this repository: the scaffolded packages are
 * wired into the workspace and the registry, and pass their own tests (conformance included), the
 * typecheck and the linter, as generated.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let copy: string;

/** Runs a command in the copy; fails the test with its output when it fails. */
function inCopy(command: string, args: string[]): string {
  const result = spawnSync(command, args, { cwd: copy, encoding: 'utf8', env: process.env });
  if (result.status !== 0)
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.status}:\n${result.stdout}\n${result.stderr}`,
    );
  return result.stdout;
}

beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), 'ctxsiem-scaffold-'));
  // What git would check out (tracked and new files), without node_modules or build output.
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean);
  for (const file of files) {
    try {
      cpSync(join(ROOT, file), join(copy, file), { recursive: false });
    } catch (error) {
      // A file deleted in the work tree but still tracked: nothing to copy.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  inCopy('pnpm', ['install', '--offline', '--reporter=silent']);
}, 300_000);
afterAll(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
});

describe('make new-source / pnpm new:sink', () => {
  it('make new-source without NAME says how to call it', () => {
    const result = spawnSync('make', ['new-source'], { cwd: copy, encoding: 'utf8', env: process.env });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('usage: make new-source NAME=<name>');
  });

  it('scaffold packages that are wired in and pass their tests, the typecheck and the linter as generated', () => {
    inCopy('make', ['new-source', 'NAME=acmelogs']);
    inCopy('pnpm', ['new:sink', 'acmelake']);
    const generated = readFileSync(join(copy, 'packages/registry/src/connectors.generated.ts'), 'utf8');
    expect(generated).toContain("from '@ctxsiem/source-acmelogs/connector'");
    expect(generated).toContain("from '@ctxsiem/sink-acmelake/connector'");
    expect(readFileSync(join(copy, 'README.md'), 'utf8')).toMatch(
      /`acmelogs`[\s\S]*`acmelake`|`acmelake`[\s\S]*`acmelogs`/,
    );
    // The options tables were rendered into the new READMEs.
    expect(readFileSync(join(copy, 'packages/source-acmelogs/README.md'), 'utf8')).toMatch(
      /\| `endpoint` +\|/,
    );

    const reportFile = join(copy, 'scaffold-report.json');
    inCopy('pnpm', [
      'exec',
      'vitest',
      'run',
      'packages/source-acmelogs',
      'packages/sink-acmelake',
      'packages/registry',
      '--reporter=json',
      `--outputFile=${reportFile}`,
    ]);
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as {
      numPassedTests: number;
      numFailedTests: number;
    };
    expect(report.numFailedTests).toBe(0);
    expect(report.numPassedTests).toBeGreaterThan(15);
    inCopy('pnpm', ['exec', 'tsc', '-p', 'tsconfig.json', '--noEmit']);
    inCopy('pnpm', [
      'exec',
      'biome',
      'check',
      'packages/source-acmelogs',
      'packages/sink-acmelake',
      'packages/registry',
    ]);
    // The new connectors are selectable: the CLI lists them.
    const listed = inCopy(process.execPath, [
      '--conditions=@ctxsiem/source',
      'apps/container/src/cli.ts',
      'connectors',
    ]);
    expect(listed).toMatch(/^acmelogs +source /m);
    expect(listed).toMatch(/^acmelake +sink /m);
  }, 600_000);

  it('refuses a name that is taken or cannot name a package, and writes nothing', () => {
    for (const [kind, name, message] of [
      ['sink', 'file', /already provides a sink of type "file"|packages\/sink-file exists already/],
      ['source', 'monitor', /exists already|already provides/],
      ['source', 'Bad-Name', /cannot name a connector/],
    ] as const) {
      const result = spawnSync(process.execPath, ['scripts/new-connector.ts', kind, name, '--no-install'], {
        cwd: copy,
        encoding: 'utf8',
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(message);
    }
    expect(existsSync(join(copy, 'packages/source-Bad-Name'))).toBe(false);
    expect(readFileSync(join(copy, 'packages/sink-file/src/connector.ts'), 'utf8')).toBe(
      readFileSync(join(ROOT, 'packages/sink-file/src/connector.ts'), 'utf8'),
    );
  });
});
