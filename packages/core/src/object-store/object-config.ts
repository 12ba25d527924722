/**
 * What the object sinks' and object checkpoint stores' configs share, whatever the service: the
 * options of where parts and checkpoints lie (bucket, prefixes, gzip, the seed's state.json), their
 * docs in the service's words, and how the seeds' environment variables fill them. The connection
 * options are the driver package's (`@ctxsiem/object-store-s3`, `-gcs`); the upload tuning the sink's.
 */
import { z } from 'zod';
import {
  type CheckpointStore,
  type CheckpointStoreConnector,
  type ConnectorDeps,
  defineCheckpointStore,
  defineSink,
  type Env,
  type EnvMapping,
  envValue,
  type Sink,
  type SinkConnector,
} from '../contracts/index.ts';
import { controlPrefix } from '../layout/index.ts';

/** How a service's docs and environment name things. */
export interface ObjectServiceNames {
  /** The prefix of its environment variables: `S3` (S3_BUCKET, S3_PREFIX), `GCS`. */
  variable: string;
  /** The message for a bucket name too short to be one: `must name an S3 bucket`. */
  bucketError: string;
  /** What the service calls an object's name: `key`, `name`. */
  name: string;
  /** What it calls the data prefix: `Key` (prefix), `Object name` (prefix). */
  prefixNoun: string;
}

const capitalized = (word: string) => `${word[0]!.toUpperCase()}${word.slice(1)}`;

/** The object sink's `type` and layout options: bucket, prefix, deadLetterPrefix, gzip. */
export function objectSinkShape<const T extends string>(type: T, names: ObjectServiceNames) {
  const { variable } = names;
  return {
    type: z.literal(type).default(type).describe('Sink type.'),
    bucket: z
      .string()
      .min(3, names.bucketError)
      .describe(`Bucket the NDJSON objects go to (${variable}_BUCKET).`),
    prefix: z
      .string()
      .default('')
      .describe(
        `${names.prefixNoun} prefix (${variable}_PREFIX), e.g. citrix_monitor; \`{tenant}\` is replaced by the tenant id. Objects land at {prefix}/{stream}/year=…/month=…/day=…/hour=…/part-….ndjson.`,
      ),
    deadLetterPrefix: z
      .string()
      .optional()
      .describe(
        "Where dead-lettered records go; `{tenant}` is replaced by the tenant id. Default `_ctxsiem/{prefix}/deadletter`, beside the prefix a SecOps feed reads rather than under it. `{prefix}/_deadletter` is the seeds' layout (SEED_LAYOUT=true).",
      ),
    gzip: z
      .boolean()
      .default(false)
      .describe(
        `Gzip each object: ${names.name}s end in .ndjson.gz and objects carry Content-Encoding: gzip.`,
      ),
  };
}

/**
 * The size above which a batch is streamed (multipart, resumable upload) instead of sent in one
 * request: the NDJSON before gzip, 8 MiB by default.
 */
export function streamThresholdSchema(description: string) {
  return z
    .number()
    .int()
    .min(1)
    .default(8 * 1024 * 1024)
    .describe(description);
}

/** The object checkpoint store's `type` and layout options: bucket, prefix, previousPrefix, legacyKey. */
export function objectCheckpointShape<const T extends string>(type: T, names: ObjectServiceNames) {
  const { variable } = names;
  const Name = capitalized(names.name);
  return {
    type: z.literal(type).default(type).describe('Checkpoint store type.'),
    bucket: z.string().min(3, names.bucketError).describe('Bucket holding the checkpoint objects.'),
    prefix: z
      .string()
      .default('_state')
      .describe(
        `${Name} prefix of the checkpoint objects: one {prefix}/{tenant}/{source}/{stream}.json per stream. The CLI passes _ctxsiem/{${variable}_PREFIX}/state (or {${variable}_PREFIX}/_state with SEED_LAYOUT=true).`,
      ),
    previousPrefix: z
      .string()
      .optional()
      .describe(
        `Where an earlier layout kept the checkpoints: a stream with no object under \`prefix\` continues from its object here, and its first write creates the new one. The CLI passes {${variable}_PREFIX}/_state.`,
      ),
    legacyKey: z
      .string()
      .min(1, 'must not be empty')
      .optional()
      .describe(
        `${Name} of a seed collector's state.json (STATE_KEY, e.g. citrix_monitor/state.json): a stream without a checkpoint continues at the hour after its last_hour_utc. Only read, never written.`,
      ),
  };
}

export interface ObjectEnvOptions {
  names: Pick<ObjectServiceNames, 'variable'>;
  /** The connection's options from the environment, and the variables they come from. */
  connection: EnvMapping;
  /** The seed's state.json when STATE_KEY is not set, for a data prefix. */
  defaultLegacyKey?: ((prefix: string) => string) | undefined;
}

/**
 * The seeds' environment for an object sink and checkpoint store: `{V}_BUCKET`, `{V}_PREFIX`, `GZIP`,
 * `STATE_KEY`. SEED_LAYOUT=true keeps the seeds' layout: checkpoints and dead letters under the data
 * prefix. By default they go beside it (`_ctxsiem/{prefix}/…`), where a SecOps feed reading the prefix
 * never ingests them.
 */
export function objectStoreEnv(options: ObjectEnvOptions): { sink: EnvMapping; checkpoint: EnvMapping } {
  const { variable } = options.names;
  const { connection } = options;
  const trimmedPrefix = (env: Env) => (env[`${variable}_PREFIX`] ?? '').replace(/^\/+|\/+$/g, '');
  const seedLayout = (env: Env) => envValue.boolean(env.SEED_LAYOUT) === true;
  const under = (prefix: string, folder: string) => (prefix ? `${prefix}/${folder}` : folder);
  const bucket = `${variable}_BUCKET`;
  return {
    sink: {
      variables: {
        bucket,
        prefix: `${variable}_PREFIX`,
        deadLetterPrefix: 'SEED_LAYOUT',
        gzip: 'GZIP',
        ...connection.variables,
      },
      read: (env) =>
        envValue.defined({
          bucket: env[bucket],
          prefix: trimmedPrefix(env),
          deadLetterPrefix: seedLayout(env) ? under(trimmedPrefix(env), '_deadletter') : undefined,
          gzip: envValue.boolean(env.GZIP),
          ...connection.read(env),
        }),
    },
    checkpoint: {
      variables: { bucket, prefix: 'SEED_LAYOUT', legacyKey: 'STATE_KEY', ...connection.variables },
      // Our per-stream checkpoints live next to the seeds' state.json (STATE_KEY), which is read once to
      // continue where the seed stopped.
      read: (env) => {
        const prefix = trimmedPrefix(env);
        return envValue.defined({
          bucket: env[bucket],
          prefix: seedLayout(env) ? under(prefix, '_state') : `${controlPrefix(prefix)}/state`,
          // Checkpoints an earlier version kept under the data prefix are continued from.
          previousPrefix: seedLayout(env) ? undefined : under(prefix, '_state'),
          legacyKey: env.STATE_KEY ?? options.defaultLegacyKey?.(prefix),
          ...connection.read(env),
        });
      },
    },
  };
}

/** What one connector of an object store's pair is: its schema (with `type`), summary and factory. */
interface ObjectConnectorPart<S extends z.ZodType, Built> {
  schema: S;
  summary: string;
  create(config: z.output<S>, deps: ConnectorDeps): Promise<Built>;
}

/**
 * The sink and checkpoint store manifests of an object store (S3, GCS), filled from the seeds'
 * environment the same way (`objectStoreEnv`).
 */
export function objectStoreConnectors<S extends z.ZodType, C extends z.ZodType>(options: {
  type: string;
  package: string;
  env: ObjectEnvOptions;
  sink: ObjectConnectorPart<S, Sink>;
  checkpoint: ObjectConnectorPart<C, CheckpointStore>;
}): readonly [SinkConnector<S>, CheckpointStoreConnector<C>] {
  const env = objectStoreEnv(options.env);
  const { type, package: name } = options;
  return [
    defineSink({ type, package: name, ...options.sink, env: env.sink }),
    defineCheckpointStore({ type, package: name, ...options.checkpoint, env: env.checkpoint }),
  ] as const;
}
