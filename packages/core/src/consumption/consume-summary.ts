/**
 * What a consumption reports, and as it goes: the summary with its counts per stream, the observer a
 * daemon gives (parts delivered, lag), and the offsets the topic's retention deleted before they were
 * delivered — warned about and listed, never silently skipped.
 */
import type { DriftCount } from '../contracts/schema-drift.ts';
import type { Batch, Sink } from '../contracts/sink.ts';
import type { PartitionLag, StreamSource } from '../contracts/stream-source.ts';
import { describeError } from '../errors/errors.ts';
import type { Logger } from '../logging/logger.ts';

export interface ConsumeObserver {
  /** After each part the sink acknowledged as new: its stream, kind and record count. */
  delivered?(stream: string, kind: Batch['kind'], records: number, bytes: number): void;
  /** Every `lagEveryMs` (default 15 s) while consuming, and once the member joined: where each partition stands. */
  lag?(partitions: PartitionLag[]): void;
  lagEveryMs?: number | undefined;
}

export interface ConsumedStream {
  stream: string;
  records: number;
  deadLetters: number;
  /** Fields delivered with a value the stream's model does not expect, per field and type. */
  drift?: DriftCount[];
}

export type ConsumeStop = 'caught-up' | 'budget' | 'signal' | 'failed';

/** Offsets of a partition the log deleted (its retention) before the group delivered them. */
export interface ExpiredRange {
  partition: number;
  first: number;
  last: number;
}

export interface ConsumeSummary {
  tenant: string;
  source: string;
  /** The topic. */
  log: string;
  sink: string;
  startedAt: string;
  durationMs: number;
  records: number;
  deadLetters: number;
  bytes: number;
  batches: number;
  /**
   * Records of batches delivered again after a member stopped between the sink's acknowledgement and
   * the commit: their parts existed, so the sink acknowledged them without storing them twice.
   */
  alreadyDelivered: number;
  /**
   * Records sent again to a SIEM API after a request of theirs may have been accepted (its answer lost
   * to a timeout, a reset or a 5xx; a stopped member's request found claimed): byte-identical resends
   * the API may hold twice, counted once per resend.
   */
  possiblyDuplicated: number;
  /** Messages dropped because their partition had been revoked, or read again by a rewind. */
  droppedRevoked: number;
  /** Times the member left and joined the group again because its consumer failed. */
  rejoins: number;
  /**
   * Messages lost at the source: deleted by the topic's retention before this group delivered them
   * (consumption fell further behind than the topic keeps). Reported, never silently skipped.
   */
  expired: ExpiredRange[];
  streams: ConsumedStream[];
  partitions: PartitionLag[];
  deadLetterLocations: string[];
  stoppedBy: ConsumeStop;
  status: 'ok' | 'failed';
  error?: string;
}

/** The summary of one consumption while it runs. */
export class ConsumeTally {
  readonly summary: ConsumeSummary;
  readonly #perStream = new Map<string, ConsumedStream>();
  readonly #startedAt: number;
  readonly #logger: Logger;

  constructor(source: StreamSource, sink: Sink, startedAt: number, logger: Logger) {
    this.#startedAt = startedAt;
    this.#logger = logger;
    this.summary = {
      tenant: source.tenant,
      source: source.type,
      log: source.log,
      sink: sink.type,
      startedAt: new Date(startedAt).toISOString(),
      durationMs: 0,
      records: 0,
      deadLetters: 0,
      bytes: 0,
      batches: 0,
      alreadyDelivered: 0,
      possiblyDuplicated: 0,
      droppedRevoked: 0,
      rejoins: 0,
      expired: [],
      streams: [],
      partitions: [],
      deadLetterLocations: [],
      stoppedBy: 'signal',
      status: 'ok',
    };
  }

  /** The counts of one stream, from its first part on. */
  stream(stream: string): ConsumedStream {
    const entry = this.#perStream.get(stream) ?? { stream, records: 0, deadLetters: 0 };
    this.#perStream.set(stream, entry);
    return entry;
  }

  /** Records (and warns about) offsets the log deleted before they were delivered. */
  expire(partition: number, first: number, last: number): void {
    this.summary.expired.push({ partition, first, last });
    this.#logger.warn(
      { partition, first, last, messages: last - first + 1, log: this.summary.log },
      `offsets ${first}–${last} of partition ${partition} were deleted by the topic's retention before they were delivered: they are lost at the source (consume more often, or ask for a longer retention)`,
    );
  }

  /** The summary as the consumption ended: failed with the first failure, else why it stopped. */
  finish(stopping: ConsumeStop | undefined, failure: unknown, now: number): ConsumeSummary {
    const summary = this.summary;
    if (failure !== undefined) {
      summary.status = 'failed';
      summary.error = describeError(failure);
      summary.stoppedBy = 'failed';
    } else {
      summary.stoppedBy = stopping ?? 'caught-up';
    }
    summary.streams = [...this.#perStream.values()].sort((a, b) => a.stream.localeCompare(b.stream));
    summary.durationMs = now - this.#startedAt;
    return summary;
  }
}
