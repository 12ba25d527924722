/**
 * Reads the deployment config: from a file (`--config FILE`, JSON or YAML), else from `CTXSIEM_CONFIG`
 * (the document inline, or an `s3://` / `gs://` URI of it: multi-tenant and multi-source deployments
 * of the Lambda and the function), else from the seeds' environment variables.
 */
import { readFile } from 'node:fs/promises';
import { ConfigError, parseConfig, type SecretRegistry } from '@ctxsiem/core';
import {
  configFromEnv,
  type DeploymentConfig,
  DeploymentConfigSchema,
  withEnvNames,
} from '@ctxsiem/registry';
import { parse as parseYaml, YAMLError } from 'yaml';
import { isConfigUri, readConfigUri } from './config-uri.ts';
import { registerConfigSecrets } from './secrets.ts';

/** `line L, column C` of a parse error, never the text around it (it may hold a secret). */
function position(text: string, offset: number): string {
  const before = text.slice(0, Math.max(0, offset));
  const line = before.split('\n').length;
  return `line ${line}, column ${offset - before.lastIndexOf('\n')}`;
}

/** Why a config file does not parse, by position only: parsers quote the offending line, secrets included. */
function parseFailure(file: string, text: string, error: unknown): string {
  if (error instanceof YAMLError) {
    const at = error.linePos?.[0];
    return `${file} is not valid YAML (${error.code}${at ? ` at line ${at.line}, column ${at.col}` : ''})`;
  }
  const offset = /position (\d+)/.exec((error as Error).message)?.[1];
  return `${file} is not valid JSON${offset === undefined ? '' : ` (at ${position(text, Number(offset))})`}`;
}

/** Parses and validates a config document's text; `name` is where it came from, for messages. */
function parseConfigText(
  name: string,
  text: string,
  json: boolean,
  secrets: SecretRegistry,
  env: Record<string, string | undefined>,
): DeploymentConfig {
  let input: unknown;
  try {
    input = json ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    const path = name === 'CTXSIEM_CONFIG' ? name : '(file)';
    throw new ConfigError('config', [{ path, reason: parseFailure(name, text, error) }]);
  }
  registerConfigSecrets(input, secrets, env);
  return parseConfig(name, DeploymentConfigSchema, input);
}

/**
 * The deployment config from `file`, `CTXSIEM_CONFIG` or the environment. Every secret it carries is
 * registered with `secrets` before anything can be printed, including the messages of a config that
 * does not validate.
 */
export async function loadConfig(
  file: string | undefined,
  secrets: SecretRegistry,
  env: Record<string, string | undefined> = process.env,
): Promise<DeploymentConfig> {
  if (file) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new ConfigError('config', [
        { path: '(file)', reason: `cannot read ${file}: ${(error as NodeJS.ErrnoException).code}` },
      ]);
    }
    return parseConfigText(file, text, file.endsWith('.json'), secrets, env);
  }
  const document = env.CTXSIEM_CONFIG?.trim();
  if (document) {
    if (!isConfigUri(document))
      return parseConfigText('CTXSIEM_CONFIG', document, document.startsWith('{'), secrets, env);
    let text: string;
    try {
      text = await readConfigUri(document);
    } catch (error) {
      throw new ConfigError('config', [
        { path: 'CTXSIEM_CONFIG', reason: `cannot read ${document}: ${(error as Error).message}` },
      ]);
    }
    return parseConfigText(document, text, document.endsWith('.json'), secrets, env);
  }
  const { config, variables } = configFromEnv(env);
  registerConfigSecrets(config, secrets, env);
  try {
    return parseConfig('environment', DeploymentConfigSchema, config);
  } catch (error) {
    throw error instanceof ConfigError ? withEnvNames(error, variables) : error;
  }
}
