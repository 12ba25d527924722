/** Structured JSON logging (pino) with redaction of secrets by key and by value. */

// The logger, its secret registry and the redaction it applies.
export {
  createLogger,
  type Logger,
  type LoggerOptions,
  MIN_SECRET_LENGTH,
  redactLine,
  SECRET_KEYS,
  SecretRegistry,
  silentLogger,
} from './logger.ts';
