/**
 * Before anything is applied: the environment file's name must be able to name every resource of its
 * clouds (checked before synthesis, exit 2 naming it), a SecOps instance needs its reader, and the stack
 * keeps state where the environment says — a locking remote backend, or a local file that `make clean`
 * does not delete — as its one backend block.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError } from '@ctxsiem/core';
import { describe, expect, it } from 'vitest';
import { loadEnvironments } from '../src/app.ts';
import { localStatePath } from '../src/backend.ts';
import { NAME_LIMITS, parseEnvironment } from '../src/environment.ts';
import { ROOT, synth, TERRAFORM } from './synth.ts';

const example = (name: string) =>
  JSON.parse(readFileSync(join(TERRAFORM, 'environments', `${name}.json`), 'utf8')) as Record<
    string,
    unknown
  >;

/** A folder holding `environment` as `<name>.json`. */
function folderWith(name: string, environment: object): string {
  const folder = mkdtempSync(join(tmpdir(), 'ctxsiem-environments-'));
  writeFileSync(join(folder, `${name}.json`), JSON.stringify(environment));
  return folder;
}

/** The `path: reason` lines loading `<name>.json` fails with. */
function refusal(name: string, environment: object): string[] {
  try {
    loadEnvironments(folderWith(name, environment));
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues.map((issue) => `${issue.path}: ${issue.reason}`);
  }
  throw new Error(`${name} was accepted`);
}

describe('the environment file’s name', () => {
  it('is refused before synthesis when a provider would refuse it, naming the file name', () => {
    expect(refusal('Prod_EU', example('prod-azure'))).toEqual([
      expect.stringMatching(
        /^\(file name\): "Prod_EU" must be lowercase letters, digits and single inner hyphens/,
      ),
    ]);
    expect(refusal('9lives', example('dev-aws'))).toHaveLength(1);
    expect(refusal('ends-', example('dev-aws'))).toHaveLength(1);
  });

  it('fits the tightest of its clouds', () => {
    expect(NAME_LIMITS).toEqual({ aws: 42, gcp: 41, azure: 21 });
    for (const [cloud, file] of [
      ['aws', 'msp-aws'],
      ['gcp', 'prod-gcp'],
      ['azure', 'prod-azure'],
    ] as const) {
      const limit = NAME_LIMITS[cloud];
      expect(loadEnvironments(folderWith('a'.repeat(limit), example(file)))).toHaveLength(1);
      expect(refusal('a'.repeat(limit + 1), example(file))).toEqual([
        `(file name): "${'a'.repeat(limit + 1)}" is ${limit + 1} characters; ${cloud} resource names leave room for ${limit}`,
      ]);
    }
    // ca-ctxsiem-<name> is a Container App's name: 32 characters at most, exactly at the limit.
    expect(`ca-ctxsiem-${'a'.repeat(NAME_LIMITS.azure)}`).toHaveLength(32);
    // ctxsiem-<name>-secops-reader is an IAM role's: 64.
    expect(`ctxsiem-${'a'.repeat(NAME_LIMITS.aws)}-secops-reader`).toHaveLength(64);
  });

  it('with a tenant, still makes AWS schedule names AWS accepts', () => {
    const environment = example('msp-aws');
    (environment.tenants as { customerId: string }[])[1]!.customerId = 'c'.repeat(50);
    expect(refusal('msp-aws', environment)).toEqual([
      expect.stringMatching(/^tenants\[1\]\.customerId: with the environment's name makes the schedule name/),
    ]);
  });

  it('make synth refuses it with exit 2, naming the file and the field', () => {
    const folder = folderWith('Prod_EU', example('prod-azure'));
    const result = spawnSync(
      process.execPath,
      [
        '--no-deprecation',
        '--conditions=@ctxsiem/source',
        join(TERRAFORM, 'src', 'main.ts'),
        '--environments',
        folder,
        '--outdir',
        join(folder, 'out'),
      ],
      { encoding: 'utf8' },
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(
      /environments\/Prod_EU\.json.*\n.*\(file name\): "Prod_EU" must be lowercase/,
    );
  });
});

describe('a SecOps instance', () => {
  const refused = (edit: (environment: Record<string, Record<string, unknown>>) => void) => {
    const environment = structuredClone(example('dev-aws')) as Record<string, Record<string, unknown>>;
    edit(environment);
    try {
      parseEnvironment('environments/test.json', JSON.stringify(environment));
    } catch (error) {
      return (error as ConfigError).issues.map((issue) => `${issue.path}: ${issue.reason}`);
    }
    return [];
  };

  it('needs its reader on AWS and on Google Cloud: no silent stack without feeds', () => {
    expect(refused((e) => delete e.aws!.secopsReader)).toEqual([
      expect.stringMatching(/^aws\.secopsReader: required with secops/),
    ]);
    const gcp = example('prod-gcp') as Record<string, Record<string, unknown>>;
    delete gcp.gcp!.secopsReader;
    expect(() => parseEnvironment('environments/test.json', JSON.stringify(gcp))).toThrow(
      /gcp\.secopsReader: required with secops/,
    );
  });

  it('alarms on checkpoint age only past the schedule’s interval', () => {
    expect(
      refused((e) => {
        e.aws!.alarms = { checkpointAgeMinutes: 60 };
      }),
    ).toEqual([
      expect.stringMatching(
        /^aws\.alarms\.checkpointAgeMinutes: must be longer than schedule\.everyMinutes \(60\)/,
      ),
    ]);
  });
});

describe('Terraform state', () => {
  it('is kept where the environment names it, in the stack’s one backend block, locked', async () => {
    const stacks = await synth(['dev-aws', 'msp-aws', 'prod-gcp', 'prod-azure']);
    const backend = (name: string) =>
      (stacks.get(name)!.json.terraform as { backend: Record<string, unknown> }).backend;
    expect(backend('dev-aws')).toEqual({
      s3: {
        bucket: 'acme-terraform-state',
        key: 'ctxsiem/dev-aws/terraform.tfstate',
        region: 'eu-west-1',
        encrypt: true,
        use_lockfile: true,
      },
    });
    expect(backend('prod-gcp')).toEqual({
      gcs: { bucket: 'acme-terraform-state-prod', prefix: 'ctxsiem/prod-gcp' },
    });
    expect(backend('prod-azure')).toEqual({
      azurerm: {
        resource_group_name: 'rg-terraform-state',
        storage_account_name: 'stacmetfstate',
        container_name: 'tfstate',
        key: 'ctxsiem/prod-azure.tfstate',
        use_azuread_auth: true,
      },
    });
    expect(backend('msp-aws')).toEqual({ local: { path: localStatePath('msp-aws') } });
  });

  it('kept locally, lives outside cdktf.out, git-ignored, and make clean does not delete it', () => {
    const stackDir = join(TERRAFORM, 'cdktf.out', 'stacks', 'msp-aws');
    const state = resolve(stackDir, localStatePath('msp-aws'));
    expect(state).toBe(join(TERRAFORM, 'state', 'msp-aws', 'terraform.tfstate'));
    const clean = readFileSync(join(ROOT, 'Makefile'), 'utf8').match(/^clean:\n((?:\t.*\n)+)/m)![1]!;
    for (const removed of clean.matchAll(/\S+/g))
      if (removed[0].startsWith('terraform/'))
        expect(state.startsWith(join(ROOT, removed[0])), `make clean removes ${removed[0]}`).toBe(false);
    const ignored = spawnSync('git', ['check-ignore', '-q', state], { cwd: ROOT });
    expect(ignored.status, `${state} is not git-ignored`).toBe(0);
  });
});
