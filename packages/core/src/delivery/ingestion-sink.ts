/**
 * What every SIEM ingestion API sink does around its own requests: it delivers a part through the
 * delivery ledger (opened once per content; only the requests not yet accepted are sent, each recorded
 * as accepted before the next; a part whose requests were all accepted is acknowledged without a
 * request), answers the runner's re-read from the ledger, answers the records of a request the API
 * refused for their content (`RequestRefusedError`) as `Receipt.refused` — recorded in the ledger,
 * never sent again, dead-lettered by the runner — and keeps no dead letters itself (a deployment
 * routes them to an object sink).
 *
 * A refused request of more than one record is **split** to find the offending records, since no API
 * here names them: the API took none of it (what a sink's `refusesRecords` holds of its API), so its
 * halves are recorded in the ledger, then each claimed and sent as a request of its own, and so on
 * down to single records; only the records of refused single-record requests are dead-lettered, each
 * with the API's reason. k bad records among n cost at most 2·k·⌈log2 n⌉ requests more.
 *
 * A sink supplies where parts go, how they are cut, how one request is built and posted, which records
 * it refuses and its health check.
 *
 * Each request is **claimed before it is sent** (`LedgerPart.claim`): the ledger records the runner and
 * its lease epoch, and keeps the request's body frozen. Before every attempt the runner's lease is
 * renewed and the claim checked, so a runner another took the stream from sends nothing more. A
 * request found claimed and unanswered, and every attempt after one whose answer was lost (a timeout,
 * a reset connection, a 5xx), is a resend of the same bytes — possibly a duplicate the API cannot rule
 * out, counted through `DeliveryFence.possiblyDuplicated`. An attempt that certainly did not land (a
 * 429, a refused connection) is not counted, and a request none of whose attempts may have landed is
 * released, not left claimed.
 */

import type { ConnectorDeps } from '../contracts/connector-deps.ts';
import type { JsonRecord } from '../contracts/records.ts';
import type { Batch, DeliveryFence, PartName, Receipt, Sink } from '../contracts/sink.ts';
import { digestOf } from '../encoding/content-digest.ts';
import { encodeNdjson } from '../encoding/ndjson.ts';
import { RequestRefusedError, SinkError } from '../errors/errors.ts';
import { partNumber } from '../layout/layout.ts';
import {
  DeliveryLedger,
  type FrozenRequest,
  type LedgerPart,
  type PartRequest,
  UNFENCED,
} from './delivery-ledger.ts';
import type { IngestionRequest } from './ingestion-request.ts';

export type { PartRequest };

/** What a sink's `post` passes on to `sendIngestionRequest`: the fence and the resend count. */
export type AttemptHooks = Pick<IngestionRequest, 'beforeAttempt' | 'onUncertain' | 'onRefusedBody'>;

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
  /**
   * Builds one request: where it goes and its bytes, with `at` as the time the request is made
   * (SecOps' collectionTime). Built once, when the request is first claimed: the ledger keeps the bytes,
   * and every resend sends them as they are.
   */
  build(batch: Batch, request: PartRequest, at: Date): FrozenRequest;
  /** Posts a request's body (through `sendIngestionRequest`, with `hooks`); `what` names it for errors. */
  post(request: FrozenRequest, what: string, hooks: AttemptHooks): Promise<void>;
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

  /**
   * Sends request `request` of `part` (claimed first, its body frozen) until it is accepted; throws
   * `RequestRefusedError` when the API refused its records. Returns the bytes sent.
   */
  async function deliver(
    part: LedgerPart,
    request: PartRequest,
    what: string,
    build: () => FrozenRequest,
    fence: DeliveryFence | undefined,
  ): Promise<number> {
    const frozen = await part.claim(request, build);
    const records = request.end - request.start;
    // Whether an earlier attempt may have been accepted: the next one is then a resend.
    let uncertain = frozen.resend;
    let landed = frozen.resend;
    let resent = 0;
    const fenced = async () => {
      if (fence) {
        await fence.renew();
        await part.checkClaim(request.index);
      }
      if (uncertain) {
        resent++;
        await fence?.possiblyDuplicated(records);
        uncertain = false;
      }
    };
    // The first attempt is fenced (and a claim found counted) here, whatever `post` does with hooks.
    let attempts = 0;
    await fenced();
    try {
      await definition.post(frozen, what, {
        beforeAttempt: async () => {
          if (attempts++ > 0) await fenced();
        },
        onUncertain: () => {
          uncertain = true;
          landed = true;
        },
        // Refused for what the bytes are (413, 400): no sending of these bytes was accepted.
        onRefusedBody: () => {
          landed = false;
        },
      });
    } catch (error) {
      if (error instanceof RequestRefusedError) throw error;
      // No attempt may have landed (a 429, a refused connection, a 413): the claim goes, and the
      // records not sent may be cut and built again.
      if (!landed) await part.release(request.index).catch(() => undefined);
      throw error;
    }
    if (resent > 0)
      deps?.logger?.warn(
        { what, records, resends: resent },
        `${service}: a request whose earlier sending may have been accepted was sent again, byte-identical: its records are counted as possibly duplicated`,
      );
    return frozen.body.length;
  }

  /**
   * Delivers `request` (`deliver`) and records the API's answer: accepted; or refused for its records —
   * one record is refused with the API's reason (the runner dead-letters it), more are split in halves,
   * recorded before either is sent. Returns the bytes sent and the halves to send next.
   */
  async function settle(
    part: LedgerPart,
    request: PartRequest,
    what: string,
    build: () => FrozenRequest,
    fence: DeliveryFence | undefined,
  ): Promise<{ bytes: number; halves: PartRequest[] }> {
    let bytes: number;
    try {
      bytes = await deliver(part, request, what, build, fence);
    } catch (error) {
      if (!(error instanceof RequestRefusedError)) throw error;
      // Refused for the records' content: no retry changes it, and the API took none of them.
      const records = request.end - request.start;
      const split = records > 1;
      deps?.logger?.warn(
        { what, status: error.status, records },
        split
          ? `${service} refused a request's records without saying which: it is split in halves to find them`
          : `${service} refused a record: it is dead-lettered`,
      );
      if (split) return { bytes: 0, halves: await part.split(request.index) };
      await part.refuse(request.index, error.reason);
      return { bytes: 0, halves: [] };
    }
    await part.accept(request.index);
    return { bytes, halves: [] };
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
      const { fence } = batch;
      const part = await ledger().open(
        batch,
        { location, sha256, digests: batch.digests, ends: definition.cut(batch) },
        fence ?? UNFENCED,
      );
      // What was not sent yet is cut again as this write would cut it: a 413 answered with a smaller
      // request size (maxRequestBytes) is then followed, instead of sending the same request forever.
      const unsent = part.resumed ? part.unsentFrom() : undefined;
      if (unsent !== undefined && unsent < batch.records.length)
        await part.recut(
          definition
            .cut({ ...batch, records: batch.records.slice(unsent), digests: batch.digests.slice(unsent) })
            .map((end) => end + unsent),
        );
      const pending = part.pending();
      const receipt = { location, records: batch.records.length, sha256 };
      const answered = () => {
        const refused = part.refusedRecords();
        return refused.length > 0 ? { refused } : {};
      };
      if (pending.length === 0) return { ...receipt, bytes: 0, created: false, ...answered() };
      let bytes = 0;
      let sent = 0;
      // In record order; a split request's halves go first, before the requests after it.
      for (let request = pending.shift(); request; request = pending.shift()) {
        const what = `${location}: ${part.label(request.index)} (records ${request.start}–${request.end - 1})`;
        const current = request;
        const build = () => definition.build(batch, current, new Date());
        const answer = await settle(part, current, what, build, fence);
        bytes += answer.bytes;
        sent++;
        pending.unshift(...answer.halves);
      }
      deps?.logger?.debug(
        { location, requests: sent, bytes, resumed: part.resumed },
        `delivered to ${service}`,
      );
      return { ...receipt, bytes, created: true, ...answered() };
    },
    async readPart() {
      // An ingestion API cannot be read back: the ledger answers for it (readPartDigests).
      return undefined;
    },
    async readPartDigests(name: PartName, fence?: DeliveryFence) {
      const parts = ledger();
      // A request a killed or overtaken run claimed may have been accepted: sent again as its frozen
      // body (never as records cut anew, which the API could not recognise), then recorded. A refused
      // one is split as a write splits it; the halves are not sent here (no records to build them
      // from): their records are not delivered, so the runner writes them again, in a part of its own.
      const part = fence ? await parts.existing(name, fence) : undefined;
      for (const request of part?.claimedRequests() ?? []) {
        const what = `${service} ${partPath(name)}: ${part!.label(request.index)} (records ${request.start}–${request.end - 1}), claimed by a run that stopped`;
        await settle(
          part!,
          request,
          what,
          () => {
            throw new SinkError(`${what}: its frozen body is missing`);
          },
          fence,
        );
      }
      return parts.delivered(name);
    },
    async *listDeadLetters() {
      // None here: a deployment routes the dead letters of this sink to its `deadLetters` sink.
    },
    check: () => definition.check(),
    async close() {},
  };
}

/** `…/{tenant}/{source}/{stream}/{window start}#{part number}`: a part's place, for locations. */
export function partPath(part: PartName): string {
  return `${part.tenant}/${part.source}/${part.stream}/${part.window.from.toISOString()}#${partNumber(part)}`;
}
