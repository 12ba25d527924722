/**
 * The connector manifest: what a connector package says about itself, from one subpath
 * (`@ctxsiem/<package>/connector`), so that every app builds its configuration, environment mapping,
 * docs and connectors from one registry instead of hand-written lists. A manifest is cheap to load: it
 * imports its zod schema and nothing heavy; `create` imports the implementation (and its cloud SDK)
 * only when the connector is used.
 */
import type { z } from 'zod';
import { parseConfig } from '../config/config.ts';
import type { CheckpointStore } from './checkpoint-store.ts';
import type { ConnectorDeps } from './connector-deps.ts';
import type { Source } from './pull-source.ts';
import type { Sink } from './sink.ts';
import type { StreamSource } from './stream-source.ts';

/** What a connector can be. (`stream-source`: a consumer such as Kafka, whose position is offsets.) */
export type ConnectorKind = 'pull-source' | 'stream-source' | 'sink' | 'checkpoint-store';

/** Environment variables as a process sees them. */
export type Env = Readonly<Record<string, string | undefined>>;

/** How a connector reads its config section from environment variables (the seeds' names). */
export interface EnvMapping {
  /** Field of the connector's section (`bucket`, `credentials.accessKeyId`) → the variable it comes from. */
  readonly variables: Readonly<Record<string, string>>;
  /** The section from the environment; fields left undefined get the schema's defaults. */
  read(env: Env): Record<string, unknown>;
}

/**
 * Where records of this connector land in a SIEM by default. (No Azure table: a source's streams go to
 * a table each, which the Azure sink names — `defaultStreamName` in `@ctxsiem/sink-azure-monitor`.)
 */
export interface SiemDefaults {
  /** Google SecOps log type (`CITRIX_MONITOR`). */
  secopsLogType?: string;
}

/** The Citrix Cloud connection of one tenant, its secret already resolved. */
export interface TenantConnection {
  customerId: string;
  clientId: string;
  clientSecret: string;
  region?: string | undefined;
  apiBase?: string | undefined;
  tokenUrl?: string | undefined;
}

/** What a source is built with: the connector dependencies and the tenant it reads. */
export interface SourceDeps extends ConnectorDeps {
  tenant: TenantConnection;
}

interface Manifest<Kind extends ConnectorKind, Schema extends z.ZodType, Built, Deps> {
  /** The `type` value that selects it in a config (`monitor`, `s3`). */
  readonly type: string;
  readonly kind: Kind;
  /** The package it comes from (`@ctxsiem/source-monitor`). */
  readonly package: string;
  /** One line for `ctxsiem connectors` and the README. */
  readonly summary: string;
  /** Its config section's schema, with a `type` literal: the single source of types, defaults and docs. */
  readonly schema: Schema;
  readonly env?: EnvMapping | undefined;
  readonly siem?: SiemDefaults | undefined;
  /** Its API is served by the built-in Citrix Cloud emulator, so `ctxsiem demo` can collect it. */
  readonly emulated?: boolean | undefined;
  /**
   * For the workspace's tests and benchmarks only (the deployable artifacts leave it out): listed by
   * `ctxsiem connectors --wide`, not by default.
   */
  readonly workspaceOnly?: boolean | undefined;
  /**
   * A sink that cannot keep dead letters itself (a SIEM API): a deployment using it names a
   * `deadLetters` sink (file, S3, GCS) for them.
   */
  readonly deadLettersElsewhere?: boolean | undefined;
  /**
   * A sink: what is wrong with the sources a deployment would send it (their types), given its config —
   * each problem a field of its section and why. Checked when the deployment's config is loaded, so a
   * source the sink cannot take is refused there, never at delivery.
   */
  readonly checkSources?:
    | ((config: z.output<Schema>, sourceTypes: readonly string[]) => { path: string[]; message: string }[])
    | undefined;
  /** Builds the connector from a parsed config; imports the heavy code on first use. */
  create(config: z.output<Schema>, deps: Deps): Promise<Built>;
  /** Validates `input` with `schema` (a ConfigError names each bad field), then `create`s. */
  build(input: unknown, deps: Deps): Promise<Built>;
}

export type PullSourceConnector<S extends z.ZodType = z.ZodType> = Manifest<
  'pull-source',
  S,
  Source,
  SourceDeps
>;
export type StreamSourceConnector<S extends z.ZodType = z.ZodType> = Manifest<
  'stream-source',
  S,
  StreamSource,
  SourceDeps
>;
export type SinkConnector<S extends z.ZodType = z.ZodType> = Manifest<'sink', S, Sink, ConnectorDeps>;
export type CheckpointStoreConnector<S extends z.ZodType = z.ZodType> = Manifest<
  'checkpoint-store',
  S,
  CheckpointStore,
  ConnectorDeps
>;
export type Connector =
  | PullSourceConnector
  | StreamSourceConnector
  | SinkConnector
  | CheckpointStoreConnector;
/** A source of either kind: queried in windows, or consumed. */
export type SourceConnector = PullSourceConnector | StreamSourceConnector;

type Definition<C extends Connector> = Omit<C, 'kind' | 'build'>;

function withBuild<Kind extends ConnectorKind, S extends z.ZodType, Built, Deps>(
  kind: Kind,
  definition: Omit<Manifest<Kind, S, Built, Deps>, 'kind' | 'build'>,
): Manifest<Kind, S, Built, Deps> {
  return {
    ...definition,
    kind,
    build: async (input, deps) =>
      definition.create(parseConfig(definition.type, definition.schema, input), deps),
  };
}

export function definePullSource<S extends z.ZodType>(
  definition: Definition<PullSourceConnector<S>>,
): PullSourceConnector<S> {
  return withBuild('pull-source', definition);
}

export function defineStreamSource<S extends z.ZodType>(
  definition: Definition<StreamSourceConnector<S>>,
): StreamSourceConnector<S> {
  return withBuild('stream-source', definition);
}

export function defineSink<S extends z.ZodType>(definition: Definition<SinkConnector<S>>): SinkConnector<S> {
  return withBuild('sink', definition);
}

export function defineCheckpointStore<S extends z.ZodType>(
  definition: Definition<CheckpointStoreConnector<S>>,
): CheckpointStoreConnector<S> {
  return withBuild('checkpoint-store', definition);
}

/** Reading environment values for an `EnvMapping`: a number or boolean when the text is one, else the text (so the schema names the field). */
export const envValue = {
  number(value: string | undefined): number | string | undefined {
    if (value === undefined || value === '') return undefined;
    return /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
  },
  boolean(value: string | undefined): boolean | string | undefined {
    if (value === undefined || value === '') return undefined;
    const v = value.trim().toLowerCase();
    if (['true', '1', 'yes'].includes(v)) return true;
    if (['false', '0', 'no'].includes(v)) return false;
    return value;
  },
  /** The object without its undefined fields (so defaults apply). */
  defined<T extends Record<string, unknown>>(object: T): Partial<T> {
    return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined)) as Partial<T>;
  },
};
