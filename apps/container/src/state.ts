/** `ctxsiem state show|reset`: read and delete checkpoints through the configured store. */
import type { DeploymentConfig } from './config.ts';
import { buildCheckpointStore } from './registry.ts';

export async function showState(config: DeploymentConfig): Promise<string> {
  const store = await buildCheckpointStore(config.checkpoint);
  const keys = await store.list();
  if (keys.length === 0)
    return 'no checkpoints yet: the first run starts from the configured start or lookback\n';
  const lines: string[] = [];
  for (const key of keys) {
    const stored = await store.read(key);
    if (!stored) continue;
    const { position, window } = stored.state;
    lines.push(
      window
        ? `${key}  delivered up to ${position}; inside the window ending ${window.to} after part ${window.seq - 1} (version ${stored.version})`
        : `${key}  delivered up to ${position} (version ${stored.version})`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export async function resetState(config: DeploymentConfig, prefix: string | undefined): Promise<string> {
  const store = await buildCheckpointStore(config.checkpoint);
  const keys = await store.list(prefix);
  for (const key of keys) await store.delete(key);
  return keys.length
    ? `reset ${keys.length} checkpoint(s):\n${keys.map((k) => `  ${k}`).join('\n')}\n`
    : 'no matching checkpoints\n';
}
