/** Environment files: the examples validate; a mistake is refused naming the field. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@ctxsiem/core';
import { describe, expect, it } from 'vitest';
import { loadEnvironments, stackName } from '../src/app.ts';
import { parseEnvironment } from '../src/environment.ts';
import { cronEvery } from '../src/schedule.ts';
import { TERRAFORM } from './synth.ts';

/** The fields of dev-aws.json the tests change. */
interface Example {
  tenants: Record<string, unknown>[];
  sources: unknown[];
  schedule: { everyMinutes: number };
  secops: { instance: string; rules?: unknown };
  aws?: { region: string; bucket: { name: string } };
}

const EXAMPLE: Example = JSON.parse(readFileSync(join(TERRAFORM, 'environments', 'dev-aws.json'), 'utf8'));

/** The issues of an environment that must not validate, as `path: reason` lines. */
function refusal(edit: (environment: Example) => void): string[] {
  const environment = structuredClone(EXAMPLE);
  edit(environment);
  try {
    parseEnvironment('environments/test.json', JSON.stringify(environment));
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues.map((issue) => `${issue.path}: ${issue.reason}`);
  }
  throw new Error('the environment validated');
}

describe('environment files', () => {
  it('every example validates', () => {
    const files = readdirSync(join(TERRAFORM, 'environments')).filter((file) => file.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(4);
    const loaded = loadEnvironments(join(TERRAFORM, 'environments'));
    expect(loaded.map((environment) => environment.name).toSorted()).toEqual(
      files.map((f) => f.slice(0, -5)).toSorted(),
    );
  });

  it('holds no secret: a tenant with a client secret is refused', () => {
    expect(refusal((e) => (e.tenants[0]!.clientSecret = 'hunter2'))).toEqual([
      expect.stringMatching(
        /^tenants\[0\]\.clientSecret: does not belong in an environment file \(it would be in git and in Terraform state\): the stack creates a secret per tenant/,
      ),
    ]);
  });

  it('names each field that is wrong', () => {
    expect(refusal((e) => (e.aws!.bucket.name = 'Not_A_Bucket'))).toEqual([
      expect.stringMatching(/^aws\.bucket\.name: must be a bucket name/),
    ]);
    expect(refusal((e) => (e.aws!.region = 'europe'))).toEqual([
      expect.stringMatching(/^aws\.region: must be an AWS region/),
    ]);
    expect(refusal((e) => (e.schedule.everyMinutes = 45))).toEqual([
      expect.stringMatching(/^schedule\.everyMinutes: must divide an hour/),
    ]);
    expect(refusal((e) => (e.secops.instance = 'acme'))).toEqual([
      expect.stringMatching(/^secops\.instance: must be the SecOps customer id/),
    ]);
    expect(refusal((e) => e.tenants.push({ ...e.tenants[0] }))).toEqual([
      'tenants[1].customerId: appears twice',
    ]);
    expect(refusal((e) => (e.sources = [{ type: 'monitor', entities: [] }]))).toEqual([
      expect.stringMatching(/^sources\[0\]\.entities/),
    ]);
  });

  it('refuses SecOps rules where no stack creates them (AWS only: feeds, no rules)', () => {
    expect(refusal((e) => (e.secops.rules = { deploy: true }))).toEqual([
      expect.stringMatching(
        /^secops\.rules\.deploy: only the Google Cloud stack creates the rules, with gcp\.delivery "udm"/,
      ),
    ]);
    expect(refusal((e) => (e.secops.rules = { deploy: ['citrix_cloud_api_client_created'] }))).toHaveLength(
      1,
    );
    // None, or the default, is what the AWS stack does anyway.
    const none = structuredClone(EXAMPLE);
    none.secops.rules = { deploy: false };
    expect(() => parseEnvironment('environments/test.json', JSON.stringify(none))).not.toThrow();
  });

  it('needs a cloud', () => {
    expect(refusal((e) => delete e.aws)).toEqual(['aws: name at least one cloud: aws, gcp or azure']);
  });

  it('is not JSON: says so', () => {
    expect(() => parseEnvironment('environments/broken.json', '{ "tenants": [')).toThrow(ConfigError);
  });

  it('names the environments there are when asked for one that is not', () => {
    expect(() => loadEnvironments(join(TERRAFORM, 'environments'), ['staging'])).toThrow(
      /no environment staging in .*; there are: dev-aws, /,
    );
  });

  it('names stacks after environment and cloud, once', () => {
    expect(stackName('dev-aws', 'aws')).toBe('dev-aws');
    expect(stackName('msp', 'aws')).toBe('msp-aws');
    expect(stackName('prod-azure', 'gcp')).toBe('prod-azure-gcp');
  });

  it('schedules every N minutes as cron where cron can say it', () => {
    expect([5, 30, 60, 120, 1440].map(cronEvery)).toEqual([
      '*/5 * * * *',
      '*/30 * * * *',
      '0 * * * *',
      '0 */2 * * *',
      '0 0 * * *',
    ]);
    expect(() => cronEvery(90)).toThrow(/not a cron schedule/);
  });
});

describe('make synth', () => {
  const MAIN = join(TERRAFORM, 'src', 'main.ts');
  const synthCli = (args: string[]) =>
    spawnSync(process.execPath, ['--no-deprecation', '--conditions=@ctxsiem/source', MAIN, ...args], {
      encoding: 'utf8',
    });

  it('refuses an invalid environment with exit 2, naming the file and the field', () => {
    const folder = mkdtempSync(join(tmpdir(), 'ctxsiem-environments-'));
    writeFileSync(
      join(folder, 'broken.json'),
      JSON.stringify({ ...EXAMPLE, aws: { ...EXAMPLE.aws, region: 'moon-base-1' } }),
    );
    const result = synthCli(['--environments', folder, '--outdir', join(folder, 'out')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/environments\/broken\.json.*\n.*aws\.region: must be an AWS region/);
  });

  it('writes one stack per environment and cloud', () => {
    const out = mkdtempSync(join(tmpdir(), 'ctxsiem-synth-cli-'));
    const result = synthCli(['--env', 'dev-aws,prod-gcp', '--outdir', out]);
    expect(result.stderr).toBe('');
    // Where each stack went, and the next command.
    expect(result.stdout).toBe(
      ['dev-aws', 'prod-gcp']
        .map((stack) => {
          const folder = join(out, 'stacks', stack);
          return `synthesized ${stack} → ${join(folder, 'cdk.tf.json')}\n  next: terraform -chdir=${folder} init && terraform -chdir=${folder} apply\n`;
        })
        .join(''),
    );
    expect(readdirSync(join(out, 'stacks')).toSorted()).toEqual(['dev-aws', 'prod-gcp']);
  });
});
