/**
 * What the demo starts for a source besides the Citrix Cloud emulator:
 *
 * - for `sentinel`, a real Apache Kafka broker (obtained and cached like the test servers) with the
 *   tenant's topic, a SCRAM user granted only that topic and its group, and the emulator's risk events
 *   for the last hours produced into it. Each demo gets a fresh broker, so its topic carries the run's
 *   time: its events are new events;
 * - for `licensing`, a folder of the emulator's licensing telemetry documents for the last days (License
 *   Server uploads, CVAD and SPA events, a few invalid), beside the output; written again by each demo
 *   with the same content, so a demo run again reads none of them twice. The tenant is licensed under
 *   both DaaS models, so the User/Device and the Concurrent usage streams are collected too.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DAY_MS, floorTo, HOUR_MS, MINUTE_MS } from '@ctxsiem/core';
import type { DeploymentConfig } from '@ctxsiem/registry';

export interface DemoSource {
  config: DeploymentConfig['sources'][number];
  /**
   * Whether each demo starts the source afresh (a new broker, whose events are new events at the same
   * offsets): the previous demo's parts of this source are removed from a file sink's folder first.
   */
  fresh?: boolean;
  /** What the demo put there, for the closing message. */
  describe: string;
  /** A password the demo made up, to keep out of logs. */
  secret?: string | undefined;
  /**
   * Whether its streams start where the source says (the licensing API's whole days: the last day
   * due) rather than six hours back.
   */
  ownStart?: boolean;
  stop(): Promise<void>;
}

export interface DemoContext {
  tenant: string;
  now: number;
  seed: number;
  /** The demo's output folder (or where it would be): the licensing documents go beside it. */
  out: string;
  /** Monitor entity sets to collect (the source's default five when absent). */
  entities?: readonly string[] | undefined;
}

/** Days of licensing telemetry documents the demo writes. */
export const DEMO_TELEMETRY_DAYS = 3;

/** Risk events the demo produces: one every 4 seconds over its six hours. */
export const DEMO_RISK_EVENTS = 5_400;

export async function demoSource(type: string, context: DemoContext): Promise<DemoSource> {
  if (type === 'sentinel') return kafkaDemo(context);
  if (type === 'licensing') return licensingDemo(context);
  const entities = type === 'monitor' && context.entities ? { entities: [...context.entities] } : {};
  return {
    config: { type, ...entities } as DeploymentConfig['sources'][number],
    describe: '',
    stop: async () => {},
  };
}

async function licensingDemo({ tenant, now, seed, out }: DemoContext): Promise<DemoSource> {
  const { licensingTelemetry } = await import('@ctxsiem/emulator');
  const folder = resolve(`${out}-licensing-telemetry`);
  await mkdir(folder, { recursive: true });
  const documents = licensingTelemetry({
    seed,
    customerId: tenant,
    from: new Date(floorTo(now, DAY_MS) - DEMO_TELEMETRY_DAYS * DAY_MS),
    days: DEMO_TELEMETRY_DAYS,
    invalidOneIn: 40,
  });
  for (const document of documents) {
    const path = join(folder, document.name);
    await writeFile(path, document.content);
    // Left there the morning after the day it covers (an hour ago at the latest), as a collector finds it.
    const day = Date.parse(document.name.match(/\d{4}-\d{2}-\d{2}/)![0]);
    const arrived = new Date(Math.min(day + DAY_MS + 6 * HOUR_MS, now - HOUR_MS));
    await utimes(path, arrived, arrived);
  }
  const invalid = documents.reduce((sum, document) => sum + document.problems.length, 0);
  return {
    // The demo tenant is licensed under both models (see demo.ts): its User/Device and Concurrent usage.
    config: {
      type: 'licensing',
      licenseModel: 'both',
      telemetry: { location: folder },
    } as DeploymentConfig['sources'][number],
    describe: `Licensing telemetry: ${documents.length} documents in ${folder} (License Server uploads, CVAD and SPA events; ${invalid} invalid elements go to the dead letters)`,
    ownStart: true,
    stop: async () => {},
  };
}

async function kafkaDemo({ tenant, now, seed }: DemoContext): Promise<DemoSource> {
  const [{ startKafka }, { produceRiskEvents, riskEvents }] = await Promise.all([
    import('@ctxsiem/local-services'),
    import('@ctxsiem/emulator'),
  ]);
  const topic = `cas-risk-${new Date(floorTo(now, MINUTE_MS)).toISOString().replace(/[-:]/g, '').slice(0, 13)}`;
  const user = { name: `${tenant}-export`, password: randomBytes(18).toString('base64url') };
  // Each demo starts a new broker: its offsets start at 0 again, with new events.
  const group = `${tenant}-ctxsiem`;
  const kafka = await startKafka({
    users: [user],
    topics: [{ name: topic, partitions: 3 }],
    grants: [{ user: user.name, topic, group }],
  });
  try {
    const sent = await produceRiskEvents({
      connection: kafka.adminConnection,
      topic,
      events: riskEvents({
        seed,
        tenant,
        count: DEMO_RISK_EVENTS,
        start: new Date(floorTo(now, HOUR_MS) - 6 * HOUR_MS),
        spacingMs: 4_000,
      }),
    });
    return {
      config: {
        type: 'sentinel',
        brokers: [kafka.bootstrap],
        topic,
        groupId: group,
        username: user.name,
        password: user.password,
        ca: kafka.ca,
        idleSeconds: 2,
        batch: { records: 5_000, bytes: 4 * 1024 * 1024, waitMs: 500 },
      } as DeploymentConfig['sources'][number],
      secret: user.password,
      fresh: true,
      describe: `Kafka ${kafka.bootstrap} (SASL_SSL, SCRAM): ${sent} risk events in topic ${topic}, 3 partitions`,
      stop: () => kafka.stop(),
    };
  } catch (error) {
    await kafka.stop();
    throw error;
  }
}
