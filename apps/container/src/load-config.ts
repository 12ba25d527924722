/** Reads the deployment config from `--config FILE` (JSON or YAML) or from the environment. */
import { readFile } from 'node:fs/promises';
import { ConfigError, parseConfig } from '@ctxsiem/core';
import { parse as parseYaml } from 'yaml';
import { type DeploymentConfig, DeploymentConfigSchema } from './config.ts';
import { configFromEnv, withEnvNames } from './env.ts';

export async function loadConfig(
  file: string | undefined,
  env: Record<string, string | undefined> = process.env,
): Promise<DeploymentConfig> {
  if (!file) {
    try {
      return parseConfig('environment', DeploymentConfigSchema, configFromEnv(env));
    } catch (error) {
      throw error instanceof ConfigError ? withEnvNames(error) : error;
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
