/**
 * Issue 27 in the stacks: a SecOps feed is made only for a log type that exists — an environment with a
 * source SecOps has no log type for (daasconfiglog, licensing) and none named is refused, naming
 * `secops.logTypes` — and its location is the region's Chronicle API location (`europe` → `eu`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@ctxsiem/core';
import { App, TerraformStack } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { parseEnvironment } from '../src/environment.ts';
import { secopsFeeds } from '../src/secops/chronicle-feed.ts';
import { TERRAFORM } from './synth.ts';

const EXAMPLE = JSON.parse(readFileSync(join(TERRAFORM, 'environments', 'dev-aws.json'), 'utf8')) as {
  sources: Record<string, unknown>[];
  secops: Record<string, unknown>;
};

function parse(edit: (environment: typeof EXAMPLE) => void) {
  const environment = structuredClone(EXAMPLE);
  edit(environment);
  return parseEnvironment('environments/test.json', JSON.stringify(environment));
}

describe('SecOps feeds and log types', () => {
  it('refuses a source with no SecOps log type unless a custom one is named, naming secops.logTypes', () => {
    const refused = (() => {
      try {
        parse((environment) => environment.sources.push({ type: 'daasconfiglog' }));
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as ConfigError).issues.map((issue) => `${issue.path}: ${issue.reason}`)).toContainEqual(
      expect.stringMatching(/^secops\.logTypes: the daasconfiglog source has no SecOps log type/),
    );
    const named = parse((environment) => {
      environment.sources.push({ type: 'daasconfiglog' });
      environment.secops.logTypes = { daasconfiglog: 'CTXSIEM_DAAS_CONFIG' };
    });
    expect(named.secops?.logTypes).toEqual({ daasconfiglog: 'CTXSIEM_DAAS_CONFIG' });
  });

  it('puts the feeds of a europe instance at the Chronicle API location eu', () => {
    const environment = parse((e) => {
      e.secops.location = 'europe';
    });
    const stack = new TerraformStack(new App(), 'test');
    const [feed] = secopsFeeds(
      stack,
      'test',
      environment.secops!,
      [{ source: 'monitor', stream: 'Sessions' }],
      () => ({ type: 'GOOGLE_CLOUD_STORAGE_V2', bucketUri: 'gs://b/citrix/Sessions/' }),
    );
    const synthesized = feed!.feed.toTerraform() as {
      resource: Record<string, Record<string, { location: string; details: { log_type: string }[] }>>;
    };
    const [resource] = Object.values(synthesized.resource.google_chronicle_feed!);
    expect(resource!.location).toBe('eu');
    expect(resource!.details[0]!.log_type).toMatch(
      /\/locations\/eu\/instances\/.*\/logTypes\/CITRIX_MONITOR$/,
    );
    expect(() =>
      parse((e) => {
        e.secops.location = 'mars';
      }),
    ).toThrow(/must be a SecOps region/);
  });
});
