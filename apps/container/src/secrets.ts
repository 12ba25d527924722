/**
 * Secret references in config: `env:NAME` reads an environment variable, `file:/path` reads a file
 * (trimmed), anything else is the literal secret. Every resolved value is registered with the logger's
 * secret registry so it can never appear in a log line.
 */
import { readFile } from 'node:fs/promises';
import { ConfigError, SECRET_KEYS, type SecretRegistry } from '@ctxsiem/core';

export async function resolveSecret(
  reference: string,
  field: string,
  registry: SecretRegistry,
): Promise<string> {
  let value: string | undefined;
  if (reference.startsWith('env:')) {
    const name = reference.slice(4);
    value = process.env[name];
    if (!value)
      throw new ConfigError('config', [{ path: field, reason: `environment variable ${name} is not set` }]);
  } else if (reference.startsWith('file:')) {
    const path = reference.slice(5);
    value = await readFile(path, 'utf8').then(
      (text) => text.trim(),
      (error: NodeJS.ErrnoException) => {
        throw new ConfigError('config', [
          { path: field, reason: `cannot read secret file ${path} (${error.code})` },
        ]);
      },
    );
  } else {
    value = reference;
  }
  registry.add(value);
  return value;
}

/** Environment variables whose values are secrets wherever they are read (by us or by an SDK). */
export const SECRET_ENVIRONMENT_VARIABLES = [
  'CITRIX_CLIENT_SECRET',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
];

/** Registers the secret environment variables' values so no log line can carry them. */
export function registerEnvironmentSecrets(
  registry: SecretRegistry,
  env: Record<string, string | undefined> = process.env,
): void {
  for (const name of SECRET_ENVIRONMENT_VARIABLES) registry.add(env[name]);
}

const SECRET_KEY = new Set(SECRET_KEYS.map((key) => key.toLowerCase()));

/**
 * Registers every secret a config carries before anything can print it: values under a credential key
 * (`clientSecret`, `secretAccessKey`, `sessionToken`…) at any depth, and for an `env:NAME` reference
 * the variable's value. `file:` references are registered when they are read (`resolveSecret`).
 */
export function registerConfigSecrets(
  config: unknown,
  registry: SecretRegistry,
  env: Record<string, string | undefined> = process.env,
): void {
  const visit = (value: unknown, key: string | undefined): void => {
    if (typeof value === 'string') {
      if (key === undefined || !SECRET_KEY.has(key.toLowerCase())) return;
      if (value.startsWith('env:')) registry.add(env[value.slice(4)]);
      else if (!value.startsWith('file:')) registry.add(value);
    } else if (Array.isArray(value)) for (const item of value) visit(item, key);
    else if (value && typeof value === 'object')
      for (const [field, inner] of Object.entries(value)) visit(inner, field);
  };
  visit(config, undefined);
}
