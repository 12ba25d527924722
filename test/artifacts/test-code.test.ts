/**
 * The deployable artifacts carry production code only: the Lambda zip, the Cloud Run function zip and
 * the container image's bundle are built as `make` builds them, and none of the modules esbuild put in
 * them is test code (the test kit, the local servers, the generated source, vitest). The container's
 * demo imports the local servers lazily; the image replaces them with a module that says where to run.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageFolder, packageFunction, testModulesIn } from '../../scripts/package-app.ts';

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'ctxsiem-artifacts-'));
});
afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('testModulesIn', () => {
  it('finds the test kit, the local servers, the generated source and vitest among bundled modules', () => {
    const production = [
      'packages/core/src/runner/run.ts',
      'packages/sink-s3/src/connector.ts',
      'node_modules/.pnpm/zod@4.1.12/node_modules/zod/v4/core/core.js',
      'left-out:@ctxsiem/local-services',
    ];
    const test = [
      'packages/test-kit/src/test-sink.ts',
      'packages/local-services/src/minio.ts',
      'packages/source-generated/src/generated-source.ts',
      'node_modules/.pnpm/vitest@5.1.1/node_modules/vitest/dist/index.js',
      'node_modules/.pnpm/@vitest+runner@5.1.1/node_modules/@vitest/runner/dist/index.js',
    ];
    expect(testModulesIn([...production, ...test])).toEqual(test);
    expect(testModulesIn(production)).toEqual([]);
  });
});

describe('the deployable artifacts', () => {
  for (const app of ['lambda', 'cloud-function'] as const) {
    it(`the ${app} zip carries no test code`, async () => {
      const packaged = await packageFunction(app, join(scratch, app));
      expect(packaged.inputs.length).toBeGreaterThan(100);
      expect(packaged.inputs.some((input) => input.startsWith('packages/core/src/'))).toBe(true);
      expect(testModulesIn(packaged.inputs)).toEqual([]);
    });
  }

  it('the container image carries no test code, and its demo names where the local servers run', async () => {
    const packaged = await packageFolder('container', join(scratch, 'image'));
    expect(packaged.inputs.some((input) => input.startsWith('packages/emulator/src/'))).toBe(true);
    expect(packaged.inputs).toContain('left-out:@ctxsiem/local-services');
    expect(testModulesIn(packaged.inputs)).toEqual([]);

    const run = (args: string[]) =>
      spawnSync(process.execPath, [join(packaged.dir, 'cli.mjs'), ...args], {
        cwd: scratch,
        encoding: 'utf8',
        env: { PATH: process.env.PATH, HOME: scratch },
        timeout: 120_000,
      });
    const s3 = run(['demo', '--sink', 's3', '--out', join(scratch, 'demo-s3')]);
    expect(s3.status, s3.stderr).not.toBe(0);
    expect(s3.stderr).toContain('@ctxsiem/local-services is not part of the container artifact');
    expect(s3.stderr).toContain('from a clone of the repository');
  });
});
