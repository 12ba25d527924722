/**
 * `ctxsiem deadletter list|replay`: the dead-letter parts the configured sink holds, and delivering
 * those records the streams' schemas accept now (core's `replayDeadLetters`: idempotent, create-only).
 */
import { type DeadLetterReport, listDeadLetters, type ReplayTarget, replayDeadLetters } from '@ctxsiem/core';
import { buildDeploymentSink, eachSource, formatTable, type SourceDeps } from '@ctxsiem/deployment';
import { buildCheckpointStore, type DeploymentConfig, isStreamSource } from '@ctxsiem/registry';

export interface DeadLetterSummary {
  sink: string;
  parts: DeadLetterReport[];
  totals: {
    parts: number;
    deadLetters: number;
    replayed: number;
    replayedNow: number;
    stillInvalid: number;
    /** Parts that could not be read or replayed. */
    failed: number;
    /** Parts a replay left as they are (`DeadLetterReport.left`): not a failure. */
    left: number;
  };
}

interface DeadLetterCommand {
  /** Only parts whose `tenant/source/stream` starts with this. */
  select?: string | undefined;
  signal?: AbortSignal | undefined;
}

function summarise(sink: string, parts: DeadLetterReport[]): DeadLetterSummary {
  const sum = (field: 'deadLetters' | 'replayed' | 'replayedNow' | 'stillInvalid') =>
    parts.reduce((total, part) => total + part[field], 0);
  return {
    sink,
    parts,
    totals: {
      parts: parts.length,
      deadLetters: sum('deadLetters'),
      replayed: sum('replayed'),
      replayedNow: sum('replayedNow'),
      stillInvalid: sum('stillInvalid'),
      failed: parts.filter((part) => part.error !== undefined).length,
      left: parts.filter((part) => part.left !== undefined).length,
    },
  };
}

export async function listDeployedDeadLetters(
  config: DeploymentConfig,
  deps: SourceDeps,
  command: DeadLetterCommand,
): Promise<DeadLetterSummary> {
  const sink = await buildDeploymentSink(config, deps, await buildCheckpointStore(config.checkpoint, deps));
  try {
    const parts = await listDeadLetters({ sink, logger: deps.logger, ...command });
    return summarise(sink.type, parts);
  } finally {
    await sink.close();
  }
}

export async function replayDeployedDeadLetters(
  config: DeploymentConfig,
  deps: SourceDeps,
  command: DeadLetterCommand,
): Promise<DeadLetterSummary> {
  // The streams the records are validated against: every configured tenant × source × stream.
  const targets = new Map<string, ReplayTarget>();
  const consumed = new Set<string>();
  await eachSource(config, deps, async (source) => {
    // A consumed source's dead letters are messages as read (not JSON, or no known event type):
    // replaying them needs the source's routing, not a stream schema. They are listed, not replayed.
    if (isStreamSource(source)) {
      consumed.add(`${source.tenant}/${source.type}`);
      return;
    }
    for (const stream of source.streams)
      targets.set(`${source.tenant}/${source.type}/${stream.name}`, {
        stream,
        tenantField: source.tenantField,
      });
  });
  const sink = await buildDeploymentSink(config, deps, await buildCheckpointStore(config.checkpoint, deps));
  try {
    const parts = await replayDeadLetters({
      sink,
      logger: deps.logger,
      ...command,
      target: (part) =>
        targets.get(`${part.tenant}/${part.source}/${part.stream}`) ??
        (consumed.has(`${part.tenant}/${part.source}`)
          ? { leave: 'messages of a consumed topic as read (not a record of a stream): listed, not replayed' }
          : undefined),
    });
    return summarise(sink.type, parts);
  } finally {
    await sink.close();
  }
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/** The human-readable report of `deadletter list` (`replayed: false`) or `deadletter replay`. */
export function formatDeadLetters(summary: DeadLetterSummary, replayed: boolean): string {
  const { totals } = summary;
  if (totals.parts === 0) return `no dead letters in the ${summary.sink} sink\n`;
  const header = replayed
    ? ['stream', 'window', 'part', 'dead letters', 'replayed now', 'replayed', 'still invalid', 'reason']
    : ['stream', 'window', 'part', 'dead letters', 'replayed', 'reason'];
  const rows = summary.parts.map((part) => {
    const reason = part.error
      ? `FAILED: ${part.error}`
      : part.left
        ? `LEFT: ${part.left}`
        : (part.reasons[0] ?? '');
    return replayed
      ? [
          part.stream,
          part.windowStart,
          part.part,
          String(part.deadLetters),
          String(part.replayedNow),
          String(part.replayed),
          String(part.stillInvalid),
          reason,
        ]
      : [part.stream, part.windowStart, part.part, String(part.deadLetters), String(part.replayed), reason];
  });
  const lines = [formatTable(header, rows), ''];
  if (replayed) {
    lines.push(
      `${plural(totals.replayedNow, 'record')} replayed now, ${totals.replayed - totals.replayedNow} earlier; ` +
        `${totals.stillInvalid} still invalid (they stay in their dead-letter parts)`,
    );
    for (const part of summary.parts) for (const location of part.written) lines.push(`  wrote ${location}`);
  } else {
    lines.push(
      `${plural(totals.deadLetters, 'dead letter')} in ${plural(totals.parts, 'part')}, ${totals.replayed} replayed` +
        (totals.replayed < totals.deadLetters
          ? '. Deliver those the current schemas accept with: ctxsiem deadletter replay'
          : ''),
    );
    for (const part of summary.parts) lines.push(`  ${part.location}`);
  }
  if (totals.failed > 0) lines.push(`${plural(totals.failed, 'part')} could not be handled (FAILED above)`);
  if (totals.left > 0)
    lines.push(
      `${plural(totals.left, 'part')} left as ${totals.left === 1 ? 'it is' : 'they are'} (LEFT above): replay ${totals.left === 1 ? 'it' : 'them'} with a deployment that collects ${totals.left === 1 ? 'its stream' : 'their streams'}, or select the streams to replay with --stream`,
    );
  return `${lines.join('\n')}\n`;
}
