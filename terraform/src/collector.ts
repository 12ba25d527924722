/**
 * What a stack hands the collector it deploys: the deployment config (`CTXSIEM_CONFIG`), made from the
 * environment and where this cloud keeps data, state and secrets — validated by the collector's own
 * schema at synth time, so a stack never deploys a config the collector would refuse — and the streams
 * the configured sources write (one SIEM feed or table per stream).
 */

import { type ContentPlan, contentPlan, kqlType, sentinelContent } from '@ctxsiem/content';
import { parseConfig, SecretRegistry, silentLogger, systemClock } from '@ctxsiem/core';
import { azureDcr, eachSource } from '@ctxsiem/deployment';
import { type AzureDcrDeclaration, type DeploymentConfig, DeploymentConfigSchema } from '@ctxsiem/registry';
import type { Environment } from './environment.ts';

export interface Placement {
  /** The collector's sink, checkpoint store (and dead-letter sink), as config sections. */
  sink: Record<string, unknown>;
  checkpoint: Record<string, unknown>;
  deadLetters?: Record<string, unknown>;
  /** The reference the collector resolves a tenant's client secret from (`secretsmanager:…`, `env:…`). */
  secretOf(customerId: string): string;
  serve?: Record<string, unknown>;
}

/**
 * The collector's deployment config for this cloud, as the collector itself validates it. `known` maps
 * values Terraform learns only when applying (an id, an endpoint: tokens here) to samples of their
 * shape: the config is validated with the samples in their place and returned with the tokens.
 */
export function collectorConfig(
  environment: Environment,
  placement: Placement,
  known: Record<string, string> = {},
): DeploymentConfig {
  const input = {
    tenants: environment.tenants.map((tenant) => ({
      ...tenant,
      clientSecret: placement.secretOf(tenant.customerId),
    })),
    sources: environment.sources,
    sink: placement.sink,
    checkpoint: placement.checkpoint,
    ...(placement.deadLetters ? { deadLetters: placement.deadLetters } : {}),
    runner: environment.runner,
    ...(placement.serve ? { serve: placement.serve } : {}),
  };
  const swap = (text: string, pairs: [string, string][]) =>
    pairs.reduce((result, [from, to]) => result.replaceAll(from, to), text);
  const samples = Object.entries(known);
  const validated = parseConfig(
    'collector config',
    DeploymentConfigSchema,
    JSON.parse(swap(JSON.stringify(input), samples)),
  );
  return JSON.parse(
    swap(
      JSON.stringify(validated),
      samples.map(([token, sample]) => [sample, token]),
    ),
  );
}

/** Builds the sources without reaching any service: what listing their streams needs. */
const LOOK_ONLY = { logger: silentLogger(), clock: systemClock, secrets: new SecretRegistry() };

/** A config for looking at the sources: the first tenant, a placeholder secret, files. */
function lookingConfig(environment: Environment): DeploymentConfig {
  const [tenant] = environment.tenants;
  return collectorConfig(
    { ...environment, tenants: tenant ? [tenant] : [] },
    {
      sink: { type: 'file', directory: 'unused' },
      checkpoint: { type: 'file', directory: 'unused' },
      secretOf: () => 'not-needed-to-list-streams',
    },
  );
}

export interface StreamRef {
  source: string;
  stream: string;
}

/** Every stream the environment's sources write, in config order. */
export async function streamsOf(environment: Environment): Promise<StreamRef[]> {
  const streams: StreamRef[] = [];
  await eachSource(lookingConfig(environment), LOOK_ONLY, async (source) => {
    for (const stream of source.streams) streams.push({ source: source.type, stream: stream.name });
  });
  return streams;
}

/** The Azure custom tables and DCR stream declarations the environment's sources need. */
export function azureDeclaration(environment: Environment) {
  return azureDcr(lookingConfig(environment), LOOK_ONLY);
}

/** Plans already made in this process, by environment, tables and selection (synth runs them again). */
const plans = new Map<string, ContentPlan>();

/**
 * What of ctxsiem's Sentinel content (`content/sentinel/`) the environment deploys: what its selection
 * (`azure.sentinelContent`) asks for, each item only when the tables it reads are among the environment's.
 * Analyzing every item takes seconds: a plan is made once per process for the same inputs.
 */
export function sentinelContentPlan(
  name: string,
  environment: Environment,
  declaration: AzureDcrDeclaration,
): ContentPlan {
  const selection = environment.azure?.sentinelContent;
  if (!selection) throw new Error(`${name}: no azure settings`);
  const tables = Object.entries(declaration.tables).map(([table, { columns }]) => ({
    name: table,
    columns: columns.map((column) => ({ name: column.name, type: kqlType(column.type) })),
  }));
  const key = JSON.stringify([name, tables, selection]);
  const known = plans.get(key);
  if (known) return known;
  const plan = contentPlan({ environment: name, tables, content: sentinelContent(), selection });
  plans.set(key, plan);
  return plan;
}
