/**
 * What a failed connection or join to Kafka means, said so an operator can act on it: wrong SCRAM
 * credentials, an untrusted certificate, a certificate for another host, a missing grant, or brokers
 * out of reach. Only the last is worth retrying.
 */

export type KafkaFailure =
  | 'credentials'
  | 'certificate'
  | 'hostname'
  | 'authorization'
  | 'unreachable'
  | 'other';

/** The text of an error, its code, its causes and aggregated errors, on one line. */
function errorText(error: unknown, depth = 0): string {
  if (depth > 6 || error === undefined || error === null) return '';
  if (!(error instanceof Error)) return String(error);
  const nested = error instanceof AggregateError ? error.errors.map((e) => errorText(e, depth + 1)) : [];
  return [error.message, (error as NodeJS.ErrnoException).code, ...nested, errorText(error.cause, depth + 1)]
    .filter(Boolean)
    .join(' | ');
}

const PATTERNS: [KafkaFailure, RegExp][] = [
  ['hostname', /Hostname\/IP does not match|altnames|ERR_TLS_CERT_ALTNAME/i],
  ['certificate', /certificate|self[- ]signed|unable to verify|UNABLE_TO_GET_ISSUER|CERT_/i],
  ['authorization', /authoriz|\bACL\b/i],
  ['credentials', /SASL|authenticat|SCRAM|credential/i],
  ['unreachable', /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EHOSTUNREACH|ECONNRESET|timed? ?out/i],
];

export function kafkaFailureOf(error: unknown): KafkaFailure {
  const text = errorText(error);
  return PATTERNS.find(([, pattern]) => pattern.test(text))?.[0] ?? 'other';
}

const firstLine = (error: unknown) => errorText(error).split('\n')[0]!.slice(0, 300);

export function describeKafkaFailure(
  error: unknown,
  where: { brokers: string[]; topic: string; user: string },
): string {
  const target = `topic ${where.topic} at ${where.brokers.join(', ')} as ${where.user}`;
  switch (kafkaFailureOf(error)) {
    case 'credentials':
      return `cannot sign in to Kafka for ${target}: the broker refused the SCRAM user or password (check username, password and mechanism)`;
    case 'certificate':
      return `cannot connect to Kafka for ${target}: the broker’s certificate is not trusted (set \`ca\` to the CA file Citrix provides for the region): ${firstLine(error)}`;
    case 'hostname':
      return `cannot connect to Kafka for ${target}: the broker’s certificate does not name the host (see \`verifyHostname\`): ${firstLine(error)}`;
    case 'authorization':
      return `Kafka refused ${target}: the user may not read this topic or use this group (the export grants one topic and one group; check topic and groupId): ${firstLine(error)}`;
    case 'unreachable':
      return `cannot reach the Kafka brokers for ${target}: ${firstLine(error)}`;
    default:
      return `Kafka failed for ${target}: ${firstLine(error)}`;
  }
}
