/**
 * Secret references in config, resolved when a deployment is built:
 *
 * - `env:NAME` — an environment variable;
 * - `file:/path` — a file's content, trimmed (a mounted Kubernetes or Cloud Run secret);
 * - `secretsmanager:ARN-or-name` — an AWS Secrets Manager secret's string, or one key of it when it is
 *   JSON (`secretsmanager:ctxsiem/acme#clientSecret`);
 * - `gcpsecret:projects/P/secrets/S/versions/V` — a Google Secret Manager secret version; the bare
 *   `projects/P/secrets/S/versions/V` too, as Google's own SecOps ingestion scripts set their variables;
 * - anything else is the literal secret.
 *
 * Cloud secrets are fetched once per process and cached (one fetch per Lambda container or function
 * instance); a failed fetch is not cached. Every resolved value is registered with the secret registry
 * so it can never appear in a log line. The cloud SDKs are imported only when a reference needs them.
 */
import { readFile } from 'node:fs/promises';
import { ConfigError, CtxsiemError, type SecretRegistry } from '@ctxsiem/core';
import { readAwsSecret } from './aws-secrets.ts';
import { readGcpSecret } from './gcp-secrets.ts';

export type Env = Record<string, string | undefined>;

/** Fetches one cloud secret reference (without its scheme); throws `SecretUnavailableError`. */
export type CloudSecretReader = (reference: string) => Promise<string>;

const CLOUD_READERS: Record<string, CloudSecretReader> = {
  'secretsmanager:': readAwsSecret,
  'gcpsecret:': (name) => readGcpSecret(name),
};

/** A secret reference that could not be resolved: names the reference and the field, never a value. */
export class SecretUnavailableError extends CtxsiemError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SECRET_UNAVAILABLE', message, options);
  }
}

const cache = new Map<string, Promise<string>>();

/** Forgets cached cloud secrets (tests; a rotated secret is picked up by a new container anyway). */
export function clearSecretCache(): void {
  cache.clear();
}

function cloudSecret(scheme: string, reference: string, field: string): Promise<string> {
  const key = `${scheme}${reference}`;
  let pending = cache.get(key);
  if (!pending) {
    const reader = CLOUD_READERS[scheme]!;
    pending = reader(reference).catch((error: unknown) => {
      cache.delete(key);
      const reason = error instanceof Error ? error.message : String(error);
      throw new SecretUnavailableError(`${field}: could not read ${key}: ${reason}`, { cause: error });
    });
    cache.set(key, pending);
  }
  return pending;
}

/** A Secret Manager version name given without a scheme (Google's ingestion scripts). */
const SECRET_MANAGER_NAME = /^projects\/[^/\s]+\/secrets\/[^/\s]+\/versions\/[^/\s]+$/;

export async function resolveSecret(
  given: string,
  field: string,
  registry: Pick<SecretRegistry, 'add'>,
  env: Env = process.env,
): Promise<string> {
  const reference = SECRET_MANAGER_NAME.test(given) ? `gcpsecret:${given}` : given;
  let value: string;
  const scheme = Object.keys(CLOUD_READERS).find((prefix) => reference.startsWith(prefix));
  if (scheme) {
    value = await cloudSecret(scheme, reference.slice(scheme.length), field);
  } else if (reference.startsWith('env:')) {
    const name = reference.slice(4);
    const found = env[name];
    if (!found)
      throw new ConfigError('config', [{ path: field, reason: `environment variable ${name} is not set` }]);
    value = found;
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

/** True when `value` is a reference to a secret kept elsewhere, not the secret itself. */
export function isSecretReference(value: string): boolean {
  return (
    SECRET_MANAGER_NAME.test(value) ||
    ['env:', 'file:', ...Object.keys(CLOUD_READERS)].some((prefix) => value.startsWith(prefix))
  );
}
