/**
 * The installed connectors by kind, and building them from a config section. Everything here is
 * derived from the generated list of manifests (`connectors.generated.ts`): adding a connector package
 * to the workspace adds it here.
 */
import type {
  CheckpointStore,
  Connector,
  ConnectorDeps,
  ConnectorKind,
  Sink,
  Source,
  SourceConnector,
  SourceDeps,
  StreamSource,
} from '@ctxsiem/core';
import { CONNECTORS } from './connectors.generated.ts';

type Installed = (typeof CONNECTORS)[number];
export type InstalledOfKind<K extends ConnectorKind> = Extract<Installed, { kind: K }>;

function ofKind<K extends ConnectorKind>(kind: K): InstalledOfKind<K>[] {
  return CONNECTORS.filter((connector): connector is InstalledOfKind<K> => connector.kind === kind);
}

/**
 * Every installed connector, sources first, then sinks, then checkpoint stores; by type within a kind.
 * (A sink's manifest may carry more than `Connector` says — its SIEM `declarations`, `declarations.ts` —
 * which makes its type an intersection that TypeScript compares member by member, its config-typed
 * `checkSources` included: hence the assertion. `sinkConnectors` keeps every manifest's own type.)
 */
export const connectors: readonly Connector[] = [
  ...ofKind('pull-source'),
  ...ofKind('stream-source'),
  ...ofKind('sink'),
  ...ofKind('checkpoint-store'),
] as readonly Connector[];
/** Sources of both kinds: queried in windows (pull) and consumed (stream). */
export const sourceConnectors: readonly (
  | InstalledOfKind<'pull-source'>
  | InstalledOfKind<'stream-source'>
)[] = [...ofKind('pull-source'), ...ofKind('stream-source')];
export const sinkConnectors = ofKind('sink');
export const checkpointConnectors = ofKind('checkpoint-store');

/** The connector of `kind` whose type is `type`, if installed. */
export function findConnector(kind: ConnectorKind, type: string): Connector | undefined {
  return connectors.find((connector) => connector.kind === kind && connector.type === type);
}

function connectorOf<K extends ConnectorKind>(
  kind: K,
  config: { type: string },
): Extract<Connector, { kind: K }> {
  const connector = findConnector(kind, config.type);
  if (!connector) {
    const known = connectors.filter((c) => c.kind === kind).map((c) => c.type);
    throw new Error(
      `no ${kind} connector of type "${config.type}" is installed (installed: ${known.join(', ')})`,
    );
  }
  return connector as Extract<Connector, { kind: K }>;
}

/** The installed source (of either kind) of a type. */
export function findSource(type: string): SourceConnector | undefined {
  return (findConnector('pull-source', type) ?? findConnector('stream-source', type)) as
    | SourceConnector
    | undefined;
}

/** A built source: queried in windows, or consumed. */
export type AnySource = Source | StreamSource;

/** True for a source that is consumed (its position is offsets), not queried in windows. */
export function isStreamSource(source: AnySource): source is StreamSource {
  return 'route' in source;
}

export function buildSource(config: { type: string }, deps: SourceDeps): Promise<AnySource> {
  const connector = findSource(config.type);
  if (connector?.kind === 'stream-source') return connector.build(config, deps);
  return connectorOf('pull-source', config).build(config, deps);
}

export function buildSink(config: { type: string }, deps: ConnectorDeps): Promise<Sink> {
  return connectorOf('sink', config).build(config, deps);
}

export function buildCheckpointStore(
  config: { type: string },
  deps: ConnectorDeps,
): Promise<CheckpointStore> {
  return connectorOf('checkpoint-store', config).build(config, deps);
}
