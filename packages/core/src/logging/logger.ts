/**
 * Structured JSON logging (pino) with redaction at the logger: secrets are removed by key (any field
 * named like a credential, at any depth we configure) and by value (every registered secret string is
 * replaced wherever it appears in a line, including inside error messages and URLs).
 */

import type { DestinationStream, Logger as PinoLogger } from 'pino';
import { pino } from 'pino';

export type Logger = PinoLogger;

/** Keys whose values are always secret, wherever they appear. */
export const SECRET_KEYS = [
  'secret',
  'password',
  'token',
  'accessToken',
  'access_token',
  'clientSecret',
  'client_secret',
  'secretAccessKey',
  'authorization',
  'Authorization',
  'apiKey',
  'privateKey',
  'private_key',
  'serviceAccountKey',
  'sessionToken',
];

const REDACTED = '[REDACTED]';

/** Values shorter than this are not scrubbed by value (they are by key). */
export const MIN_SECRET_LENGTH = 8;

/**
 * Holds the secret values known to this process. Sources register tokens as they obtain them; the CLI
 * registers resolved config secrets. The logger scrubs every one of them from each line it writes.
 */
export class SecretRegistry {
  readonly #values = new Set<string>();

  add(value: string | undefined): void {
    // Very short values would scrub ordinary words and names (the emulator's customer "demo" has the
    // secret "demo"); real secrets (API client secrets, AWS keys) are far longer. Short ones are still
    // redacted by key.
    if (value && value.length >= MIN_SECRET_LENGTH) this.#values.add(value);
  }

  scrub(text: string): string {
    let out = text;
    for (const value of this.#values) {
      if (out.includes(value)) out = out.split(value).join(REDACTED);
      const encoded = JSON.stringify(value).slice(1, -1);
      if (encoded !== value && out.includes(encoded)) out = out.split(encoded).join(REDACTED);
    }
    return out;
  }
}

export interface LoggerOptions {
  level?: string;
  secrets?: SecretRegistry;
  /** Where lines go; default stderr so stdout stays free for machine-readable output. */
  destination?: DestinationStream;
  name?: string;
}

/** `"clientSecret":"…"` at any depth of a serialized line, for every secret key (case-insensitive). */
const SECRET_KEY_VALUE = new RegExp(`"(${SECRET_KEYS.join('|')})":"(?:[^"\\\\]|\\\\.)*"`, 'gi');

/** Removes secrets from one serialized log line: by key at any depth, then every registered value. */
export function redactLine(line: string, secrets: SecretRegistry): string {
  return secrets.scrub(line.replace(SECRET_KEY_VALUE, `"$1":"${REDACTED}"`));
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const secrets = options.secrets ?? new SecretRegistry();
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      name: options.name ?? 'ctxsiem',
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      hooks: { streamWrite: (line) => redactLine(line, secrets) },
    },
    options.destination ?? pino.destination({ dest: 2, sync: true }),
  );
}

/** A logger that writes nothing, for tests and library defaults. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
