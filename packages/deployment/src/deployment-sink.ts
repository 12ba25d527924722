/**
 * The deployment's sink as the runner uses it: the configured sink, given the checkpoint store's
 * documents (where a SIEM API sink keeps its delivery ledger) and a resolver for the secret references
 * in its config, with its dead letters routed to the `deadLetters` sink when one is configured (a SIEM
 * API keeps none).
 */
import { type CheckpointStore, type ConnectorDeps, type Sink, withDeadLetterSink } from '@ctxsiem/core';
import { buildSink, type DeploymentConfig } from '@ctxsiem/registry';
import { resolveSecret } from './secret-references.ts';

export async function buildDeploymentSink(
  config: DeploymentConfig,
  deps: ConnectorDeps,
  checkpoints: CheckpointStore,
): Promise<Sink> {
  const secrets = deps.secrets ?? { add() {} };
  const withDocuments: ConnectorDeps = {
    ...deps,
    documents: checkpoints.manifests,
    resolveSecret: deps.resolveSecret ?? ((reference, field) => resolveSecret(reference, field, secrets)),
  };
  const sink = await buildSink(config.sink, withDocuments);
  if (!config.deadLetters) return sink;
  try {
    return withDeadLetterSink(sink, await buildSink(config.deadLetters, withDocuments));
  } catch (error) {
    await sink.close();
    throw error;
  }
}
