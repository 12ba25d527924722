/**
 * Registering every secret a deployment carries with the secret registry before anything can print:
 * the secret environment variables, and the values under credential keys in a config.
 */
import { SECRET_KEYS, type SecretRegistry } from '@ctxsiem/core';
import { isSecretReference } from './secret-references.ts';

/** Environment variables whose values are secrets wherever they are read (by us or by an SDK). */
export const SECRET_ENVIRONMENT_VARIABLES = [
  'CITRIX_CLIENT_SECRET',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AZURE_CLIENT_SECRET',
  'SECOPS_SERVICE_ACCOUNT',
  'CHRONICLE_SERVICE_ACCOUNT',
];

/** Registers the secret environment variables' values so no log line can carry them. */
export function registerEnvironmentSecrets(
  registry: SecretRegistry,
  env: Record<string, string | undefined> = process.env,
): void {
  for (const name of SECRET_ENVIRONMENT_VARIABLES) {
    const value = env[name];
    // A reference is not the secret: the value it leads to is registered when it is resolved.
    if (value !== undefined && !isSecretReference(value)) registry.add(value);
  }
}

const SECRET_KEY = new Set(SECRET_KEYS.map((key) => key.toLowerCase()));

/**
 * Registers every secret a config carries before anything can print it: values under a credential key
 * (`clientSecret`, `secretAccessKey`, `sessionToken`…) at any depth, and for an `env:NAME` reference
 * the variable's value. `file:` and cloud references are registered when they are read
 * (`resolveSecret`).
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
      else if (!isSecretReference(value)) registry.add(value);
    } else if (Array.isArray(value)) for (const item of value) visit(item, key);
    else if (value && typeof value === 'object')
      for (const [field, inner] of Object.entries(value)) visit(inner, field);
  };
  visit(config, undefined);
}
