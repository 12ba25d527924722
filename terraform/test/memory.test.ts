/**
 * The functions' memory: an environment that gives a function less than its artifact was measured to
 * need (`MINIMUM_MEMORY_MB`, from test/bench/function-memory.ts) is refused, naming the minimum.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@ctxsiem/core';
import { MINIMUM_MEMORY_MB } from '@ctxsiem/deployment';
import { describe, expect, it } from 'vitest';
import { parseEnvironment } from '../src/environment.ts';
import { TERRAFORM } from './synth.ts';

/** An example environment with one edit; the issues it is refused with (none when it validates). */
function issues(
  file: string,
  edit: (environment: Record<string, Record<string, Record<string, unknown>>>) => void,
) {
  const environment = JSON.parse(readFileSync(join(TERRAFORM, 'environments', file), 'utf8'));
  edit(environment);
  try {
    parseEnvironment(`environments/${file}`, JSON.stringify(environment));
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues.map((issue) => `${issue.path}: ${issue.reason}`);
  }
}

describe('function memory', () => {
  it('refuses a Lambda below its measured minimum (the seeds’ 128 MB) and takes the minimum', () => {
    expect(
      issues('dev-aws.json', (e) => {
        e.aws!.lambda = { memoryMb: 128 };
      }).join('\n'),
    ).toMatch(new RegExp(`aws\\.lambda\\.memoryMb: .*${MINIMUM_MEMORY_MB.lambda}`));
    expect(
      issues('dev-aws.json', (e) => {
        e.aws!.lambda = { memoryMb: MINIMUM_MEMORY_MB.lambda };
      }),
    ).toEqual([]);
  });

  it('refuses a Cloud Run function below its measured minimum, in Mi or Gi', () => {
    const gcp = 'prod-gcp.json';
    expect(
      issues(gcp, (e) => {
        e.gcp!.function = { memory: '256Mi' };
      }).join('\n'),
    ).toMatch(`gcp.function.memory: must be at least ${MINIMUM_MEMORY_MB['cloud-function']}Mi`);
    expect(
      issues(gcp, (e) => {
        e.gcp!.function = { memory: '1Gi' };
      }),
    ).toEqual([]);
  });
});
