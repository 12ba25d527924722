/**
 * The deployment's sink as the runner uses it: the configured sink, given the checkpoint store's
 * documents (where a SIEM API sink keeps its delivery ledger), with its dead letters routed to the
 * `deadLetters` sink when one is configured (a SIEM API keeps none).
 */
import { type CheckpointStore, type ConnectorDeps, type Sink, withDeadLetterSink } from '@ctxsiem/core';
import { buildSink, type DeploymentConfig } from '@ctxsiem/registry';

export async function buildDeploymentSink(
  config: DeploymentConfig,
  deps: ConnectorDeps,
  checkpoints: CheckpointStore,
): Promise<Sink> {
  const withDocuments = { ...deps, documents: checkpoints.manifests };
  const sink = await buildSink(config.sink, withDocuments);
  if (!config.deadLetters) return sink;
  try {
    return withDeadLetterSink(sink, await buildSink(config.deadLetters, withDocuments));
  } catch (error) {
    await sink.close();
    throw error;
  }
}
