/**
 * What every SIEM ingestion API sink does around its own requests: it delivers a part through the
 * delivery ledger (opened once per content; only the requests not yet accepted are sent, each recorded
 * as accepted before the next; a part whose requests were all accepted is acknowledged without a
 * request), answers the runner's re-read from the ledger, answers the records of a request the API
 * refused for their content (`RequestRefusedError`) as `Receipt.refused` — recorded in the ledger,
 * never sent again, dead-lettered by the runner — and keeps no dead letters itself (a deployment
 * routes them to an object sink). A sink supplies where parts go, how they are cut, how one request is
 * sent, which records it refuses and its health check.
 */
import type { Batch, ConnectorDeps, JsonRecord, Receipt, Sink } from '../contracts/contracts.ts';
import { digestOf } from '../encoding/content-digest.ts';
import { encodeNdjson } from '../encoding/ndjson.ts';
import { RequestRefusedError, SinkError } from '../errors/errors.ts';
import { partNumber } from '../layout/layout.ts';
import { DeliveryLedger } from './delivery-ledger.ts';

/** One request of a part: records [start, end), the index-th of the part's requests. */
export interface PartRequest {
  index: number;
  start: number;
  end: number;
}

export interface IngestionSinkDefinition {
  type: string;
  /** The service, for messages (`SecOps`). */
  service: string;
  deps: ConnectorDeps | undefined;
  /** Where a part goes, for receipts and messages (`secops://…`). */
  locationOf(batch: Batch): string;
  /**
   * Where the part's requests end: request i holds records [ends[i - 1] ?? 0, ends[i]). Also asked for
   * the unsent rest of a part written again (given as a batch of those records).
   */
  cut(batch: Batch): number[];
  /** Sends one request; `what` names it for errors. Returns the bytes sent. */
  send(batch: Batch, request: PartRequest, what: string): Promise<number>;
  refuse(record: JsonRecord): string | undefined;
  check(): Promise<string>;
}

export function ingestionSink(definition: IngestionSinkDefinition): Sink {
  const { type, service, deps } = definition;

  function ledger(): DeliveryLedger {
    if (!deps?.documents)
      throw new SinkError(
        `the ${type} sink keeps its delivery ledger beside the checkpoints: build it with the checkpoint store’s documents`,
      );
    return new DeliveryLedger(deps.documents);
  }

  return {
    type,
    refuse: (record) => definition.refuse(record),
    async write(batch: Batch): Promise<Receipt> {
      if (batch.kind === 'deadletter')
        throw new SinkError(
          `the ${type} sink keeps no dead letters: configure deadLetters (file, s3 or gcs)`,
        );
      if (!batch.digests || batch.digests.length !== batch.records.length)
        throw new SinkError(
          `the ${type} sink needs the digest of every record of a part (the runner gives them)`,
        );
      const location = definition.locationOf(batch);
      const { sha256 } = digestOf(encodeNdjson(batch.records));
      const part = await ledger().open(batch, {
        location,
        sha256,
        digests: batch.digests,
        ends: definition.cut(batch),
      });
      // What was not sent yet is cut again as this write would cut it: a 413 answered with a smaller
      // request size (maxRequestBytes) is then followed, instead of sending the same request forever.
      const unsent = part.resumed ? part.unsentFrom() : undefined;
      if (unsent !== undefined && unsent < batch.records.length)
        await part.recut(
          definition.cut({ ...batch, records: batch.records.slice(unsent) }).map((end) => end + unsent),
        );
      const pending = part.pending();
      const receipt = { location, records: batch.records.length, sha256 };
      const answered = () => {
        const refused = part.refusedRecords();
        return refused.length > 0 ? { refused } : {};
      };
      if (pending.length === 0) return { ...receipt, bytes: 0, created: false, ...answered() };
      let bytes = 0;
      for (const request of pending) {
        const what = `${location}: request ${request.index + 1} of ${part.requests} (records ${request.start}–${request.end - 1})`;
        try {
          bytes += await definition.send(batch, request, what);
        } catch (error) {
          if (!(error instanceof RequestRefusedError)) throw error;
          // Refused for the records' content: no retry changes it. Recorded, never sent again; the
          // runner dead-letters them with the API's reason, and the part goes on.
          deps?.logger?.warn(
            { location, request: request.index, status: error.status, records: request.end - request.start },
            `${service} refused a request's records: they are dead-lettered`,
          );
          await part.refuse(request.index, error.reason);
          continue;
        }
        await part.accept(request.index);
      }
      deps?.logger?.debug(
        { location, requests: pending.length, bytes, resumed: part.resumed },
        `delivered to ${service}`,
      );
      return { ...receipt, bytes, created: true, ...answered() };
    },
    async readPart() {
      // An ingestion API cannot be read back: the ledger answers for it (readPartDigests).
      return undefined;
    },
    readPartDigests: (part) => ledger().delivered(part),
    async *listDeadLetters() {
      // None here: a deployment routes the dead letters of this sink to its `deadLetters` sink.
    },
    check: () => definition.check(),
    async close() {},
  };
}

/** `…/{tenant}/{source}/{stream}/{window start}#{part number}`: a part's place, for locations. */
export function partPath(batch: Batch): string {
  return `${batch.tenant}/${batch.source}/${batch.stream}/${batch.window.from.toISOString()}#${partNumber(batch)}`;
}
