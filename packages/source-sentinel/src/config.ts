import { stringList } from '@ctxsiem/core';
import { z } from 'zod';

/** Citrix's export brokers by region (docs.citrix.com, "Kafka or Logstash SIEM integration"). */
export const REGIONAL_BROKERS = {
  us: [
    'casnb-0.citrix.com:9094',
    'casnb-1.citrix.com:9094',
    'casnb-2.citrix.com:9094',
    'casnb-3.citrix.com:9094',
  ],
  eu: ['casnb-eu-0.citrix.com:9094', 'casnb-eu-1.citrix.com:9094', 'casnb-eu-2.citrix.com:9094'],
  'ap-s': ['casnb-aps-0.citrix.com:9094', 'casnb-aps-1.citrix.com:9094', 'casnb-aps-2.citrix.com:9094'],
} as const;

/**
 * The default session timeout. Citrix's own consumer sets 60 s and Kafka's clients default to 45 s: that
 * long would a restarted run wait for a member killed without leaving the group. A member that stops
 * cleanly (SIGTERM, the end of a run) leaves the group and holds nobody up. Static membership is not the
 * default: an id stable across restarts is shared by two runs that overlap (a scheduled run still going
 * when the next starts, Cloud Run instances that all call themselves `localhost`), and those fence each
 * other. The broker's lower bound (`group.min.session.timeout.ms`) is 6 s by default
 * (https://kafka.apache.org/documentation/#brokerconfigs_group.min.session.timeout.ms).
 */
export const SESSION_TIMEOUT_MS = 10_000;

const TENANT_NOTE =
  '`{tenant}` is replaced by the tenant’s customer id, so one section serves several tenants.';

/**
 * Options of the sentinel source: what Citrix Analytics for Security's "Data Exports" page hands out
 * (brokers, topic, group, a SCRAM user and password, the CA certificate), and how batches are cut.
 */
export const SentinelOptionsSchema = z
  .object({
    type: z.literal('sentinel').describe('Source type (SOURCE=sentinel).'),
    brokers: stringList
      .pipe(z.array(z.string().regex(/^[^\s:/]+:\d{1,5}$/, 'must be host:port')))
      .optional()
      .describe(
        'Bootstrap brokers, host:port (CAS_BROKERS, comma-separated); default: the region’s (`region`).',
      ),
    region: z
      .enum(['us', 'eu', 'ap-s'])
      .default('us')
      .describe(
        'Region of the export when `brokers` is not given: us casnb-{0..3}.citrix.com:9094, eu casnb-eu-{0..2}, ap-s casnb-aps-{0..2} (CAS_REGION).',
      ),
    topic: z
      .string()
      .min(1)
      .describe(`The tenant’s topic from the configuration file (CAS_TOPIC). ${TENANT_NOTE}`),
    groupId: z
      .string()
      .min(1)
      .describe(`Consumer group from the configuration file (CAS_GROUP_ID). ${TENANT_NOTE}`),
    username: z
      .string()
      .min(1)
      .describe(`The SCRAM user created in Data Exports (CAS_USERNAME). ${TENANT_NOTE}`),
    password: z
      .string()
      .min(1)
      .describe(
        `Its password, or a reference: \`env:NAME\`, \`file:/path\`, \`secretsmanager:…\`, \`gcpsecret:…\` (CAS_PASSWORD). ${TENANT_NOTE}`,
      ),
    mechanism: z
      .enum(['SCRAM-SHA-256', 'SCRAM-SHA-512'])
      .default('SCRAM-SHA-256')
      .describe('SASL mechanism (CAS_SASL_MECHANISM); Citrix’s export uses SCRAM-SHA-256.'),
    ca: z
      .string()
      .min(1)
      .optional()
      .describe(
        'The CA certificate the brokers’ certificates are checked against: a PEM file’s path (Citrix ships CARoot.pem per region), or `env:`/`file:` reference (CAS_CA_FILE). Default: the system’s trusted CAs.',
      ),
    verifyHostname: z
      .boolean()
      .default(true)
      .describe(
        'Check that a broker’s certificate names the host connected to (CAS_VERIFY_HOSTNAME). Citrix’s own consumer turns this off on newer Python; leave it on unless a connection fails with a host name mismatch — the certificate is still checked against `ca`.',
      ),
    clientId: z.string().min(1).default('ctxsiem').describe('Kafka client id.'),
    batch: z
      .object({
        records: z.number().int().min(1).max(100_000).default(5_000).describe('Messages per batch, at most.'),
        bytes: z
          .number()
          .int()
          .min(1_024)
          .default(4 * 1024 * 1024)
          .describe('Bytes of message values per batch, at most.'),
        waitMs: z
          .number()
          .int()
          .min(10)
          .default(5_000)
          .describe('How long a message waits for its batch to fill before the batch is delivered.'),
      })
      .strict()
      .default({ records: 5_000, bytes: 4 * 1024 * 1024, waitMs: 5_000 })
      .describe('When a partition’s messages are cut into a batch (one part per stream per batch).'),
    maxInFlight: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(4)
      .describe('Batches delivered at once (across partitions; each partition’s one after another).'),
    routingWorkers: z
      .union([z.literal('auto'), z.number().int().min(0).max(16)])
      .default('auto')
      .describe(
        'Worker threads that parse, check and encode messages, off the thread that consumes, when the sink stores NDJSON (file, S3, GCS): `auto` is one per core beyond the first (at least one, at most four); 0 keeps it all on one thread. A SIEM API sink routes on the consuming thread.',
      ),
    maxBytes: z
      .number()
      .int()
      .min(1_024)
      .default(1024 * 1024)
      .describe('Largest fetch response, in bytes.'),
    highWaterMark: z
      .number()
      .int()
      .min(1)
      .default(64)
      .describe(
        'Messages the client buffers ahead of delivery: small, so that few are read again after a rebalance.',
      ),
    sessionTimeoutMs: z
      .number()
      .int()
      .min(6_000)
      .default(SESSION_TIMEOUT_MS)
      .describe(
        'Group session timeout, and how long the group waits for its members to rejoin in a rebalance: a member killed without leaving (kill -9, a crash) holds a restarted run up at most this long. 10 s: the broker’s usual minimum is 6 s, heartbeats go every 3 s. Raise it (Citrix’s own consumer uses 60000) only if the brokers refuse it or members drop out under load.',
      ),
    groupInstanceId: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Static group membership (`group.instance.id`): a restarted member with the same id takes its partitions back at once instead of after `sessionTimeoutMs`. Give each replica its own (`{tenant}` allowed); two running members with one id fence each other.',
      ),
    idleSeconds: z
      .number()
      .min(0.1)
      .default(5)
      .describe(
        'A one-shot run (`collect`) stops once every partition is delivered and committed to its end, checked after this long without a message.',
      ),
  })
  .strict();

export type SentinelOptions = z.output<typeof SentinelOptionsSchema>;
