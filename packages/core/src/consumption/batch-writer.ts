/**
 * The batch writer: routes a batch's messages into parts — one per stream, and one of dead letters
 * per stream (what cannot be parsed, fails its schema or the sink refuses, with the reason) — and
 * writes each create-only, named by partition and first offset, so a batch delivered again names the
 * same parts. It counts what the sink stored, what it already held (`alreadyDelivered`) and the schema
 * drift of delivered records, each field and type logged once per run. Batches are routed on this
 * thread (`batch-routing.ts`), or by routing workers into encoded parts (`routing-workers.ts`).
 */
import { deliveredColumns, type FieldDrift } from '../contracts/records.ts';
import { addDrift } from '../contracts/schema-drift.ts';
import type { Batch, DeliveryFence, Receipt, Sink } from '../contracts/sink.ts';
import type { LogMessage, RoutedStream, StreamSource } from '../contracts/stream-source.ts';
import { UNFENCED } from '../delivery/delivery-ledger.ts';
import { recordDigest } from '../encoding/record-digest.ts';
import { PartExistsError } from '../errors/errors.ts';
import type { Logger } from '../logging/logger.ts';
import { type RoutedGroup, routeBatch } from './batch-routing.ts';
import type { ConsumeObserver, ConsumeTally } from './consume-summary.ts';
import type { EncodedGroup } from './routing-protocol.ts';
import type { RoutingWorkers } from './routing-workers.ts';

export interface BatchWriterOptions {
  source: StreamSource;
  sink: Sink;
  tally: ConsumeTally;
  logger: Logger;
  observe?: ConsumeObserver | undefined;
  /** Where batches are routed and encoded when not on this thread (the sink then has `writeEncoded`). */
  workers?: RoutingWorkers | undefined;
}

export class BatchWriter {
  readonly #options: BatchWriterOptions;
  readonly #streams: Map<string, RoutedStream>;
  /** A SIEM API sink counts its resends through the fence; partitions are fenced by their claims. */
  readonly #fence: DeliveryFence;

  constructor(options: BatchWriterOptions) {
    this.#options = options;
    this.#streams = new Map(options.source.streams.map((s) => [s.name, s]));
    const summary = options.tally.summary;
    this.#fence = {
      ...UNFENCED,
      renew: async () => {},
      possiblyDuplicated: (records) => {
        summary.possiblyDuplicated += records;
      },
    };
  }

  /** Routes a batch's messages into parts and writes them. */
  async write(partition: number, messages: LogMessage[]): Promise<void> {
    const { source, sink, tally, workers } = this.#options;
    const first = messages[0]!;
    const last = messages.at(-1)!;
    const groups: (RoutedGroup | EncodedGroup)[] = workers
      ? await workers.route(partition, messages)
      : routeBatch(
          {
            route: (message) => source.route(message),
            tenant: source.tenant,
            tenantField: source.tenantField,
            refuse: sink.refuse ? (record) => sink.refuse?.(record) : undefined,
            // Identity first: the digest is of the record as the source routed it, before the tenant tag.
            digest: (stream, record) => {
              const identity = this.#streams.get(stream)?.identity;
              return recordDigest(identity ? identity(record) : record);
            },
          },
          messages,
        );
    const window = { from: first.timestamp, to: new Date(last.timestamp.getTime() + 1) };
    const writes = groups.map((group) => {
      const stream = this.#streams.get(group.stream);
      if (group.kind === 'records' && group.drift.length > 0) this.#countDrift(group.stream, group.drift);
      const part = {
        tenant: source.tenant,
        source: source.type,
        stream: group.stream,
        window,
        seq: first.offset,
        partition,
        kind: group.kind,
        timeField: stream?.timeField,
        // The stream's columns and the tenant tag, handed to the sink with each part.
        columns: deliveredColumns(stream?.columns, source.tenantField),
      };
      return () =>
        this.#writePart(
          'ndjson' in group
            ? () => sink.writeEncoded!({ ...part, ndjson: group.ndjson, count: group.count })
            : () =>
                sink.write({ ...part, records: group.records, digests: group.digests, fence: this.#fence }),
          part,
          'ndjson' in group ? group.count : group.records.length,
        );
    });
    // A batch's parts are independent (its claim covers them all; the commit waits for every one): a
    // sink of files or objects stores them side by side. A SIEM API's requests go one after another.
    // The batch fails once all its writes ended, with the first failure.
    if (sink.writeEncoded) {
      const failed = (await Promise.allSettled(writes.map((write) => write()))).find(
        (outcome) => outcome.status === 'rejected',
      );
      if (failed) throw failed.reason;
    } else for (const write of writes) await write();
    tally.summary.batches++;
  }

  /** Writes one routed group of a batch as a part, counting the records it newly stored. */
  async #writePart(
    write: () => Promise<Receipt>,
    batch: Pick<Batch, 'stream' | 'kind' | 'partition' | 'seq'>,
    records: number,
  ): Promise<void> {
    const { sink, tally, logger, observe } = this.#options;
    const summary = tally.summary;
    const stream = batch.stream;
    const receipt = await write().catch((error: unknown) => {
      if (!(error instanceof PartExistsError)) throw error;
      // The part of these offsets exists with other content: an earlier run wrote it from the same
      // claimed offsets (the claim fixes where a batch starts and ends) and died before committing —
      // shaped otherwise by an earlier version or configuration. An object store's part exists only
      // whole: its messages are stored, and it is adopted. A SIEM API's ledger entry may hold requests
      // never sent, which cannot be rebuilt from other content: that stops the partition, saying why.
      if (sink.readPartDigests)
        throw new Error(
          `${error.message}: the delivery ledger holds a part of partition ${batch.partition} from offset ${batch.seq} that an earlier run began with other content (another version or configuration of ctxsiem) and did not finish; run the version and configuration that began it until the partition is past that batch`,
          { cause: error },
        );
      logger.warn(
        {
          location: error.location,
          partition: batch.partition,
          first: batch.seq,
          records,
        },
        'a part of these offsets exists with other content (an earlier run wrote it from the same claim): adopting it as delivered',
      );
      return undefined;
    });
    const entry = tally.stream(stream);
    if (!receipt?.created) {
      summary.alreadyDelivered += records;
      return;
    }
    summary.bytes += receipt.bytes;
    if (batch.kind === 'records' && receipt.drift) this.#countDrift(stream, receipt.drift);
    observe?.delivered?.(stream, batch.kind, records, receipt.bytes);
    if (batch.kind === 'records') {
      summary.records += records;
      entry.records += records;
    } else {
      summary.deadLetters += records;
      entry.deadLetters += records;
      summary.deadLetterLocations.push(receipt.location);
    }
  }

  /** Counts schema drift per stream; each field and type is logged once per run. */
  #countDrift(stream: string, drift: readonly (FieldDrift & { records?: number })[]): void {
    const entry = this.#options.tally.stream(stream);
    for (const item of drift) {
      const seen = entry.drift?.some(
        (c) => c.field === item.field && c.expected === item.expected && c.found === item.found,
      );
      if (!seen)
        this.#options.logger.warn(
          { stream, field: item.field, expected: item.expected, found: item.found },
          `schema drift in ${stream}: ${item.field} holds ${item.found} where the model says ${item.expected}; delivered`,
        );
      entry.drift = addDrift(entry.drift ?? [], [item], item.records ?? 1);
    }
  }
}
