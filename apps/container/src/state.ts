/** `ctxsiem state show|reset`: read and delete checkpoints (and window manifests) through the configured store. */
import type { StreamState } from '@ctxsiem/core';
import { silentLogger, systemClock } from '@ctxsiem/core';
import { buildCheckpointStore, type DeploymentConfig } from '@ctxsiem/registry';

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
