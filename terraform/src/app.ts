/**
 * The cdktf app: for each environment file, one stack per cloud it names (`<environment>-aws`,
 * `<environment>-gcp`, `<environment>-azure`), synthesized into `cdktf.out/stacks/<stack>/cdk.tf.json`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ConfigError } from '@ctxsiem/core';
import { App } from 'cdktf';
import { AwsStack } from './aws/aws-stack.ts';
import { AzureStack } from './azure/azure-stack.ts';
import { azureDeclaration, sentinelContentPlan, streamsOf } from './collector.ts';
import { type Cloud, type Environment, environmentNameIssues, parseEnvironment } from './environment.ts';
import { GcpStack } from './gcp/gcp-stack.ts';

export interface SynthOptions {
  /** The repository's root (artifacts are found from it). */
  root: string;
  /** Where environment files are. */
  environments: string;
  /** Only these environments (file names without `.json`); default every one. */
  only?: readonly string[];
  outdir: string;
}

export interface LoadedEnvironment {
  name: string;
  environment: Environment;
}

/** The environment files, validated; an unknown name in `only` is an error naming the ones there are. */
export function loadEnvironments(folder: string, only?: readonly string[]): LoadedEnvironment[] {
  const names = readdirSync(folder)
    .filter((file) => file.endsWith('.json'))
    .map((file) => basename(file, '.json'))
    .sort();
  const unknown = (only ?? []).filter((name) => !names.includes(name));
  if (unknown.length > 0)
    throw new Error(`no environment ${unknown.join(', ')} in ${folder}; there are: ${names.join(', ')}`);
  return names
    .filter((name) => !only || only.includes(name))
    .map((name) => {
      const file = `environments/${name}.json`;
      const environment = parseEnvironment(file, readFileSync(join(folder, `${name}.json`), 'utf8'));
      const issues = environmentNameIssues(name, environment);
      if (issues.length > 0) throw new ConfigError(file, issues);
      return { name, environment };
    });
}

/** `<environment>-<cloud>`; an environment already named after its cloud (`dev-aws`) keeps its name. */
export function stackName(environment: string, cloud: Cloud): string {
  return environment.endsWith(`-${cloud}`) ? environment : `${environment}-${cloud}`;
}

/** Builds the app's stacks; `app.synth()` writes them. */
export async function buildApp(options: SynthOptions): Promise<App> {
  const app = new App({ outdir: options.outdir, skipValidation: false });
  for (const { name, environment } of loadEnvironments(options.environments, options.only)) {
    const streams = await streamsOf(environment);
    const props = { name, environment, streams, root: options.root };
    if (environment.aws) new AwsStack(app, stackName(name, 'aws'), props);
    if (environment.gcp) new GcpStack(app, stackName(name, 'gcp'), props);
    if (environment.azure) {
      const declaration = await azureDeclaration(environment);
      const sentinelContent = sentinelContentPlan(name, environment, declaration);
      new AzureStack(app, stackName(name, 'azure'), { name, environment, declaration, sentinelContent });
    }
  }
  return app;
}
