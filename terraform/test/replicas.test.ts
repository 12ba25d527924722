/**
 * Replicas of the collector (issue 32): the Azure container stack runs `azure.replicas` of
 * `ctxsiem serve`, a fixed count sharing the state share and each Kafka group; static group membership,
 * one member per id, is refused beside more than one. The function stacks shard tenants across
 * schedules already: one schedule per tenant, each invocation selecting its tenant.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@ctxsiem/core';
import { describe, expect, it } from 'vitest';
import { parseEnvironment } from '../src/environment.ts';
import { type Json, synth, TERRAFORM } from './synth.ts';

const example = (name: string) =>
  JSON.parse(readFileSync(join(TERRAFORM, 'environments', `${name}.json`), 'utf8')) as Json & {
    azure: Json;
    sources: Json[];
  };

/** The container app's template of the `prod-azure` example with `azure` changed by `edit`. */
async function templateWith(azure: Json): Promise<Json> {
  const folder = mkdtempSync(join(tmpdir(), 'ctxsiem-replicas-'));
  const environment = example('prod-azure');
  writeFileSync(
    join(folder, 'replicated.json'),
    JSON.stringify({ ...environment, azure: { ...environment.azure, ...azure } }),
  );
  const stack = (await synth(['replicated'], folder)).get('replicated-azure')!;
  return (stack.resource('azurerm_container_app', 'collector').template as Json[])[0]!;
}

describe('replicas of the collector', () => {
  it('runs one replica by default, and the count azure.replicas names', async () => {
    expect(await templateWith({})).toMatchObject({ min_replicas: 1, max_replicas: 1 });
    expect(await templateWith({ replicas: 3 })).toMatchObject({ min_replicas: 3, max_replicas: 3 });
  }, 120_000);

  it('refuses more than one replica with static group membership, and a count out of range', () => {
    const environment = example('prod-azure');
    const refused = (edit: Json) => {
      try {
        parseEnvironment('environments/test.json', JSON.stringify(edit));
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as ConfigError).issues.map((issue) => `${issue.path}: ${issue.reason}`);
      }
      throw new Error('the environment validated');
    };
    const staticMember = environment.sources.map((source) =>
      source.type === 'sentinel' ? { ...source, groupInstanceId: 'ctxsiem-{tenant}-1' } : source,
    );
    expect(
      refused({ ...environment, sources: staticMember, azure: { ...environment.azure, replicas: 2 } }),
    ).toEqual([
      'azure.replicas: must be 1 with sources[3].groupInstanceId: every replica would join its group under that one id and fence the others',
    ]);
    // One replica keeps static membership; more without it are fine.
    parseEnvironment('environments/test.json', JSON.stringify({ ...environment, sources: staticMember }));
    parseEnvironment(
      'environments/test.json',
      JSON.stringify({ ...environment, azure: { ...environment.azure, replicas: 4 } }),
    );
    expect(refused({ ...environment, azure: { ...environment.azure, replicas: 0 } })[0]).toMatch(
      /^azure\.replicas: /,
    );
  });

  it('gives the function stacks one schedule per tenant: tenants sharded across schedules', async () => {
    const stacks = await synth(['msp-aws', 'prod-gcp']);
    const tenants = (name: string) => (example(name).tenants as Json[]).map((t) => String(t.customerId));
    const aws = stacks.get('msp-aws')!.resources('aws_scheduler_schedule');
    expect(
      Object.values(aws)
        .map((s) => JSON.parse(String((s.target as Json).input)).tenants)
        .toSorted(),
    ).toEqual(
      tenants('msp-aws')
        .map((tenant) => [tenant])
        .toSorted(),
    );
    const gcp = stacks.get('prod-gcp')!.resources('google_cloud_scheduler_job');
    expect(Object.keys(gcp)).toHaveLength(tenants('prod-gcp').length);
  }, 120_000);
});
