// A real Apache Kafka broker (KRaft, one node) for the sentinel source's tests: a SASL_SSL listener with
// SCRAM-SHA-256/512 users and a certificate from a CA made for it (trusted by this process), as the
// Citrix Analytics for Security export is reached; a plaintext controller listener on loopback. ACLs
// (StandardAuthorizer) let a consumer read only its topic, in its group, as Citrix grants it.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { obtainServer } from './obtain.ts';
import { freePort, launchOnFreePort, type RunningServer } from './process.ts';
import { makeTestTls } from './test-tls.ts';

export interface KafkaUser {
  name: string;
  password: string;
}

export interface RunningKafka extends RunningServer {
  /** `127.0.0.1:<port>` of the SASL_SSL listener. */
  bootstrap: string;
  /** The CA the broker's certificate is signed by (PEM; already trusted by this process). */
  ca: string;
  /** The admin user (a super user) and the users asked for. */
  admin: KafkaUser;
  /** How a client connects as the admin (SCRAM-SHA-512 over TLS): what producers in tests use. */
  adminConnection: {
    bootstrapBrokers: string[];
    tls: { ca: string };
    sasl: { mechanism: 'SCRAM-SHA-512'; username: string; password: string };
  };
  users: KafkaUser[];
}

/** What a consumer may do, as the Citrix export grants it: read one topic, in one group. */
export interface KafkaConsumerGrant {
  user: string;
  topic: string;
  group: string;
}

export interface StartKafkaOptions {
  /** SCRAM users created before the broker starts. */
  users?: KafkaUser[];
  /** Topics created once the broker is ready (one partition each unless said). */
  topics?: { name: string; partitions?: number }[];
  /** READ (and DESCRIBE) on a topic and READ on a group; a user may do nothing else. */
  grants?: KafkaConsumerGrant[];
  readyTimeoutMs?: number;
  /**
   * Run the broker with the JVM's full JIT instead of the quick-starting client compiler: it starts a
   * few seconds later and serves SASL_SSL fetches 4–5× faster (measured: the client alone consumed
   * ~20 k msg/s from a quick-start broker, ~95 k msg/s from this one). For benchmarks.
   */
  throughput?: boolean;
}

/** JVM options: a quick start for tests (client compiler only), or the full JIT for throughput. */
const QUICK_START_JVM = '-Xms256m -Xmx512m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC';
const THROUGHPUT_JVM = '-Xms512m -Xmx1g -XX:+UseParallelGC';

const LOG4J = `status = error
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.stdout.ref = STDOUT
logger.server.name = kafka.server.KafkaRaftServer
logger.server.level = INFO
`;

/** Starts the broker on free loopback ports; resolves once it logs that it started. */
export async function startKafka(options: StartKafkaOptions = {}): Promise<RunningKafka> {
  const java = await obtainServer('kafka');
  const tls = makeTestTls();
  const admin = { name: 'admin', password: `admin-${randomBytes(9).toString('base64url')}` };
  const users = options.users ?? [];
  const { port, launched } = await launchOnFreePort(async (port) => {
    const controller = await freePort();
    const scratch = await mkdtemp(path.join(os.tmpdir(), 'ctxsiem-kafka-'));
    const file = (name: string) => path.join(scratch, name);
    await writeFile(file('keystore.pem'), `${tls.key}\n${tls.cert}`);
    await writeFile(file('truststore.pem'), tls.ca);
    await writeFile(file('log4j2.properties'), LOG4J);
    const jaas = `org.apache.kafka.common.security.scram.ScramLoginModule required username="${admin.name}" password="${admin.password}";`;
    await writeFile(
      file('server.properties'),
      [
        'process.roles=broker,controller',
        'node.id=1',
        `controller.quorum.voters=1@127.0.0.1:${controller}`,
        `listeners=SASL_SSL://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller}`,
        `advertised.listeners=SASL_SSL://127.0.0.1:${port}`,
        'controller.listener.names=CONTROLLER',
        'listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL',
        'inter.broker.listener.name=SASL_SSL',
        'sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512',
        'sasl.mechanism.inter.broker.protocol=SCRAM-SHA-256',
        `listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=${jaas}`,
        `listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=${jaas}`,
        'ssl.keystore.type=PEM',
        `ssl.keystore.location=${file('keystore.pem')}`,
        'ssl.truststore.type=PEM',
        `ssl.truststore.location=${file('truststore.pem')}`,
        'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
        `super.users=User:${admin.name};User:ANONYMOUS`,
        // A user may do only what an ACL grants it (the admin is a super user).
        'allow.everyone.if.no.acl.found=false',
        `log.dirs=${file('data')}`,
        'num.partitions=3',
        'offsets.topic.replication.factor=1',
        'transaction.state.log.replication.factor=1',
        'transaction.state.log.min.isr=1',
        'share.coordinator.state.topic.replication.factor=1',
        'share.coordinator.state.topic.min.isr=1',
        'group.initial.rebalance.delay.ms=0',
        'auto.create.topics.enable=false',
        // Keep every message for the broker's life. Tests produce events stamped with their own (past)
        // times, and the default 7-day retention, first checked 30 s after start, deletes segments whose
        // newest timestamp is older than that: measured, a consumer saw its partitions cut from under it
        // (OFFSET_OUT_OF_RANGE, then nothing left to fetch) about 30 s into every long run.
        'log.retention.ms=-1',
        '',
      ].join('\n'),
    );
    // A cluster id is 16 random bytes, base64url.
    const clusterId = randomBytes(16).toString('base64url');
    const scram = [admin, ...users].flatMap((user) => [
      '--add-scram',
      `SCRAM-SHA-256=[name=${user.name},password=${user.password}]`,
      '--add-scram',
      `SCRAM-SHA-512=[name=${user.name},password=${user.password}]`,
    ]);
    // `--cluster-id=…` in one argument: a random id may start with `-`, which the tool would take
    // for an option. A failure says what the tool printed, not its command line (it holds passwords).
    try {
      execFileSync(
        java,
        [
          'kafka.tools.StorageTool',
          'format',
          `--cluster-id=${clusterId}`,
          '-c',
          file('server.properties'),
          ...scram,
        ],
        {
          stdio: 'pipe',
          env: { ...process.env, KAFKA_JVM_OPTS: QUICK_START_JVM },
        },
      );
    } catch (error) {
      const output = String((error as { stderr?: Buffer }).stderr ?? '').trim();
      throw new Error(`formatting the Kafka storage failed: ${output || (error as Error).name}`);
    }
    return {
      name: 'kafka',
      binary: java,
      args: [
        `-Dlog4j2.configurationFile=${file('log4j2.properties')}`,
        'kafka.Kafka',
        file('server.properties'),
      ],
      env: { KAFKA_JVM_OPTS: options.throughput ? THROUGHPUT_JVM : QUICK_START_JVM },
      cleanupDirs: [scratch],
      readyLine: /Kafka Server started/,
      readyTimeoutMs: options.readyTimeoutMs ?? 60_000,
    };
  });
  const running: RunningKafka = {
    endpoint: `https://127.0.0.1:${port}`,
    bootstrap: `127.0.0.1:${port}`,
    ca: tls.ca,
    admin,
    adminConnection: {
      bootstrapBrokers: [`127.0.0.1:${port}`],
      tls: { ca: tls.ca },
      sasl: { mechanism: 'SCRAM-SHA-512', username: admin.name, password: admin.password },
    },
    users,
    stop: async () => {
      await launched.stop();
      tls.remove();
    },
  };
  try {
    await prepare(running, options);
  } catch (error) {
    await running.stop();
    throw error;
  }
  return running;
}

/** Creates the topics and the consumers' ACLs as the admin. */
async function prepare(kafka: RunningKafka, options: StartKafkaOptions): Promise<void> {
  if (!options.topics?.length && !options.grants?.length) return;
  const { Admin, AclOperations, AclPermissionTypes, ResourcePatternTypes, ResourceTypes } = await import(
    '@platformatic/kafka'
  );
  const admin = new Admin({
    clientId: 'ctxsiem-test-admin',
    bootstrapBrokers: [kafka.bootstrap],
    tls: { ca: kafka.ca },
    sasl: { mechanism: 'SCRAM-SHA-512', username: kafka.admin.name, password: kafka.admin.password },
  });
  try {
    for (const topic of options.topics ?? [])
      await admin.createTopics({ topics: [topic.name], partitions: topic.partitions ?? 1, replicas: 1 });
    const allow = (principal: string, resourceType: number, resourceName: string, operation: number) => ({
      resourceType,
      resourceName,
      resourcePatternType: ResourcePatternTypes.LITERAL,
      principal: `User:${principal}`,
      host: '*',
      operation,
      permissionType: AclPermissionTypes.ALLOW,
    });
    const creations = (options.grants ?? []).flatMap((grant) => [
      allow(grant.user, ResourceTypes.TOPIC, grant.topic, AclOperations.READ),
      allow(grant.user, ResourceTypes.TOPIC, grant.topic, AclOperations.DESCRIBE),
      allow(grant.user, ResourceTypes.GROUP, grant.group, AclOperations.READ),
    ]);
    if (creations.length > 0) await admin.createAcls({ creations: creations as never });
  } finally {
    await admin.close();
  }
}
