/**
 * `ctxsiem state show|reset` and `ctxsiem status`: read and delete checkpoints (and window manifests)
 * through the configured store, and say where each tenant × stream stands.
 */
import type { PartitionOffsets, RunOutcome, StreamState } from '@ctxsiem/core';
import { describeError, silentLogger, systemClock, unverifiedWindows } from '@ctxsiem/core';
import { eachSource, formatTable, type SourceDeps } from '@ctxsiem/deployment';
import { buildCheckpointStore, type DeploymentConfig, isStreamSource } from '@ctxsiem/registry';

/** Checkpoint stores log nothing worth showing next to `state` output. */
const STORE_DEPS = { logger: silentLogger(), clock: systemClock };

function describeState(state: StreamState, now: number): string {
  const { position, window, lease, reconcile } = state;
  const parts = [`delivered up to ${position}`];
  if (window)
    parts.push(
      `window to ${window.to} claimed, next part ${window.seq}${window.resume ? ' (mid-window)' : ''}`,
    );
  if (lease && Date.parse(lease.expiresAt) > now)
    parts.push(`held by ${lease.owner} until ${lease.expiresAt}`);
  if (reconcile?.length) parts.push(`${reconcile.length} closed window(s) awaiting late-data checks`);
  return parts.join('; ');
}

export async function showState(config: DeploymentConfig, now = Date.now()): Promise<string> {
  const store = await buildCheckpointStore(config.checkpoint, STORE_DEPS);
  const keys = await store.list();
  if (keys.length === 0)
    return 'no checkpoints yet: the first run starts from the configured start or lookback\n';
  const lines: string[] = [];
  for (const key of keys) {
    const stored = await store.read(key);
    if (!stored) continue;
    lines.push(`${key}  ${describeState(stored.state, now)} (version ${stored.version})`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Deletes the matching streams' checkpoints and their window manifests: the next run starts over from
 * the configured start, and windows read again are delivered again (the sink's existing parts are
 * never rewritten; parts with the same names are acknowledged when identical).
 */
export async function resetState(config: DeploymentConfig, prefix: string | undefined): Promise<string> {
  const store = await buildCheckpointStore(config.checkpoint, STORE_DEPS);
  const keys = await store.list(prefix);
  let manifests = 0;
  for (const key of keys) {
    for (const manifest of await store.manifests.list(`${key}/`)) {
      await store.manifests.delete(manifest);
      manifests++;
    }
    await store.delete(key);
  }
  return keys.length
    ? `reset ${keys.length} checkpoint(s) and ${manifests} window manifest(s):\n${keys.map((k) => `  ${k}`).join('\n')}\n`
    : 'no matching checkpoints\n';
}

/** Where one tenant × source × stream stands, from its checkpoint. */
export interface StreamStatusRow {
  tenant: string;
  source: string;
  stream: string;
  /** Everything before this instant is delivered. */
  position: string;
  /** Seconds between the position and now. */
  lagSeconds: number;
  /** A window claimed and not finished (a run stopped inside it, or one is running). */
  midWindow: boolean;
  /** The run holding the stream now, if any. */
  heldBy?: string | undefined;
  /** Set for a backfill's checkpoint: the range it fills (the live stream's row has none). */
  backfill?: { from: string; to: string } | undefined;
  lastRun?: RunOutcome | undefined;
  lastFailure?: { at: string; error: string } | undefined;
  /** Closed windows whose last reconcile check could not finish: tried again after a backoff. */
  unverifiedWindows?: number | undefined;
}

/**
 * Where a stream source's consumer group stands for one tenant: its checkpoint is the group's committed
 * offsets, kept by the broker, read without joining the group (a running daemon keeps its partitions).
 */
export interface ConsumerStatusRow {
  tenant: string;
  source: string;
  /** The log (topic) the offsets belong to. */
  log: string;
  /** Each partition: committed offset, log start and end, lag. Empty when `error` is set. */
  partitions: PartitionOffsets[];
  /** Messages kept in the log and not yet delivered and committed, over every partition. */
  lagMessages: number;
  /** Why the offsets could not be read (the broker out of reach, a missing grant). */
  error?: string | undefined;
}

/** The whole `ctxsiem status`: pull streams from the checkpoints, stream sources from their groups. */
export interface DeploymentStatus {
  streams: StreamStatusRow[];
  consumers: ConsumerStatusRow[];
}

export async function deploymentStatus(
  config: DeploymentConfig,
  deps: SourceDeps,
  now = Date.now(),
): Promise<DeploymentStatus> {
  const [streams, consumers] = await Promise.all([streamStatus(config, now), consumerStatus(config, deps)]);
  return { streams, consumers };
}

/** Every stream source's group offsets, per tenant, in config order; a tenant that fails says why. */
export async function consumerStatus(
  config: DeploymentConfig,
  deps: SourceDeps,
): Promise<ConsumerStatusRow[]> {
  const rows: ConsumerStatusRow[] = [];
  await eachSource(
    config,
    deps,
    async (source) => {
      if (!isStreamSource(source) || !source.offsets) return;
      const row = { tenant: source.tenant, source: source.type, log: source.log };
      try {
        const partitions = await source.offsets();
        rows.push({ ...row, partitions, lagMessages: partitions.reduce((sum, p) => sum + p.lag, 0) });
      } catch (error) {
        rows.push({
          ...row,
          partitions: [],
          lagMessages: 0,
          error: deps.secrets.scrub(describeError(error)),
        });
      } finally {
        await source.close?.();
      }
    },
    {},
    { tenantConcurrency: config.runner.tenantConcurrency },
  );
  const order = new Map(config.tenants.map((tenant, index) => [tenant.customerId, index]));
  return rows.sort((a, b) => (order.get(a.tenant) ?? 0) - (order.get(b.tenant) ?? 0));
}

/** Every checkpoint of the configured store as a status row, in key order. */
export async function streamStatus(config: DeploymentConfig, now = Date.now()): Promise<StreamStatusRow[]> {
  const store = await buildCheckpointStore(config.checkpoint, STORE_DEPS);
  const rows: StreamStatusRow[] = [];
  for (const key of await store.list()) {
    const stored = await store.read(key);
    if (!stored) continue;
    const [tenant = '', source = '', stream = '', marker] = key.split('/');
    const { position, window, lease, lastRun, lastFailure, origin, until, reconcile } = stored.state;
    const unverified = unverifiedWindows(reconcile);
    rows.push({
      tenant,
      source,
      stream,
      position,
      lagSeconds: Math.max(0, Math.round((now - Date.parse(position)) / 1000)),
      midWindow: window !== undefined,
      heldBy: lease && Date.parse(lease.expiresAt) > now ? lease.owner : undefined,
      lastRun,
      lastFailure,
      ...(unverified > 0 ? { unverifiedWindows: unverified } : {}),
      ...(marker === '_backfill' && origin && until ? { backfill: { from: origin, to: until } } : {}),
    });
  }
  return rows;
}

/** A duration the way an operator reads it: 45 s, 12 min, 3.5 h, 2.0 d. */
export function humanDuration(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 2 * 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 2 * 86400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} d`;
}

/** `ctxsiem status` as tables: the pull streams, then the consumer groups of stream sources. */
export function formatDeploymentStatus(status: DeploymentStatus, now = Date.now()): string {
  if (status.consumers.length === 0) return formatStatus(status.streams, now);
  const streams = status.streams.length > 0 ? `${formatStatus(status.streams, now)}\n` : '';
  return `${streams}${formatConsumers(status.consumers)}`;
}

/** The stream sources' groups: offsets committed and kept, and how far behind. */
export function formatConsumers(rows: readonly ConsumerStatusRow[]): string {
  const count = (n: number) => n.toLocaleString('en-US');
  const table = formatTable(
    ['tenant', 'source', 'topic', 'partitions', 'committed', 'end', 'lag'],
    rows.map((row) =>
      row.error
        ? [row.tenant, row.source, row.log, '—', '—', '—', `unavailable: ${row.error.split('\n')[0]}`]
        : [
            row.tenant,
            row.source,
            row.log,
            String(row.partitions.length),
            // Offsets committed: the next offset to deliver, summed; a partition never committed counts 0.
            count(row.partitions.reduce((sum, p) => sum + Math.max(0, p.committed), 0)),
            count(row.partitions.reduce((sum, p) => sum + p.end, 0)),
            `${count(row.lagMessages)} messages`,
          ],
    ),
  );
  return `${table}\n`;
}

/** The pull streams' rows as the table `ctxsiem status` prints. */
export function formatStatus(rows: readonly StreamStatusRow[], now = Date.now()): string {
  if (rows.length === 0) return 'no checkpoints yet: nothing has been collected with this configuration\n';
  const ago = (at: string) => `${humanDuration(Math.max(0, Math.round((now - Date.parse(at)) / 1000)))} ago`;
  const table = formatTable(
    ['tenant', 'source', 'stream', 'position', 'lag', 'last run', 'last error'],
    rows.map((row) => [
      row.tenant,
      row.source,
      row.backfill ? `${row.stream} (backfill ${row.backfill.from} to ${row.backfill.to})` : row.stream,
      row.position +
        (row.midWindow ? ' (mid-window)' : '') +
        (row.unverifiedWindows ? ` (${row.unverifiedWindows} window(s) not verified: checks retried)` : ''),
      humanDuration(row.lagSeconds),
      row.heldBy
        ? `running (${row.heldBy})`
        : row.lastRun
          ? `${row.lastRun.status}, ${row.lastRun.records} records${row.lastRun.possiblyDuplicated ? ` (${row.lastRun.possiblyDuplicated} possibly duplicated)` : ''}, ${ago(row.lastRun.at)}`
          : '—',
      row.lastFailure ? `${ago(row.lastFailure.at)}: ${row.lastFailure.error.split('\n')[0]}` : '—',
    ]),
  );
  return `${table}\n`;
}
