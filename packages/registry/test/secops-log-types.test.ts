/**
 * A deployment sending a source SecOps has no log type for (the DaaS configuration log, licensing) to
 * the SecOps sink is refused when its config is loaded, naming `sink.logTypes` — never at delivery.
 */
import { ConfigError, parseConfig } from '@ctxsiem/core';
import { describe, expect, it } from 'vitest';
import { DeploymentConfigSchema } from '../src/index.ts';

const config = (sources: object[], logTypes: Record<string, string> = {}) => ({
  tenants: [{ customerId: 'acme', clientId: 'id', clientSecret: 'env:SECRET' }],
  sources,
  sink: { type: 'secops', project: 'p', instance: 'i', region: 'europe', logTypes },
  deadLetters: { type: 'file', directory: 'dead' },
  checkpoint: { type: 'file', directory: 'state' },
});

function issues(input: object): string[] {
  try {
    parseConfig('config', DeploymentConfigSchema, input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues.map((issue) => `${issue.path}: ${issue.reason}`);
  }
  return [];
}

describe('a SecOps deployment’s log types', () => {
  it('refuses a source without one, naming sink.logTypes; accepts it with a custom log type', () => {
    expect(issues(config([{ type: 'monitor' }, { type: 'daasconfiglog' }, { type: 'licensing' }]))).toEqual([
      expect.stringMatching(/^sink\.logTypes: the daasconfiglog source has no SecOps log type/),
      expect.stringMatching(/^sink\.logTypes: the licensing source has no SecOps log type/),
    ]);
    expect(
      issues(
        config([{ type: 'monitor' }, { type: 'daasconfiglog' }], { daasconfiglog: 'CTXSIEM_DAASCONFIGLOG' }),
      ),
    ).toEqual([]);
    // The object sinks take any source: SecOps feeds read them with their own log types.
    expect(
      issues({
        ...config([{ type: 'daasconfiglog' }]),
        sink: { type: 'file', directory: 'out' },
        deadLetters: undefined,
      }),
    ).toEqual([]);
  });
});
