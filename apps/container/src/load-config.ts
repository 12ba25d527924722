/** Reads the deployment config from `--config FILE` (JSON or YAML) or from the environment. */
import { readFile } from 'node:fs/promises';
import { ConfigError, parseConfig } from '@ctxsiem/core';
import {
  configFromEnv,
  type DeploymentConfig,
  DeploymentConfigSchema,
  withEnvNames,
} from '@ctxsiem/registry';
import { parse as parseYaml } from 'yaml';

export async function loadConfig(
  file: string | undefined,
  env: Record<string, string | undefined> = process.env,
): Promise<DeploymentConfig> {
  if (!file) {
    const { config, variables } = configFromEnv(env);
    try {
      return parseConfig('environment', DeploymentConfigSchema, config);
    } catch (error) {
      throw error instanceof ConfigError ? withEnvNames(error, variables) : error;
    }
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError('config', [
      { path: '(file)', reason: `cannot read ${file}: ${(error as NodeJS.ErrnoException).code}` },
    ]);
  }
  let input: unknown;
  try {
    input = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError('config', [
      {
        path: '(file)',
        reason: `${file} is not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message}`,
      },
    ]);
  }
  return parseConfig(file, DeploymentConfigSchema, input);
}
