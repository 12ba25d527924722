/**
 * The delivery ledger of a sink that cannot read its parts back (a SIEM ingestion API). For each part
 * it keeps, beside the checkpoints (in the checkpoint store's documents, under the window's manifest,
 * so it goes when the window's manifest goes and with `ctxsiem state reset`):
 *
 * - the part's content digest: a retried write of the same part is recognised, a different one refused
 *   (`PartExistsError`), as object sinks do with create-only objects;
 * - how its records are cut into requests, and which requests the API accepted: a write sends only the
 *   requests not yet accepted, so a retry or a killed run's successor does not send them again; the
 *   records not yet sent are cut again by the writer's current request size (a request the API refused
 *   as too large no longer stalls the part once the size is lowered);
 * - the records' digests: the runner's re-read after a kill skips what was accepted
 *   (`Sink.readPartDigests`);
 * - which requests the API refused for their records' content (`RequestRefusedError`), with its reason:
 *   never sent again; every write of the part answers them (`Receipt.refused`) for the runner to
 *   dead-letter. They are not delivered: a re-read after a kill that lost their dead letters writes them
 *   again, and the API refuses them again.
 *
 * What it cannot cover: the one request in flight when a process is killed, accepted by the API but not
 * yet recorded, is sent again by the successor. The API has no idempotency key that would let us ask.
 */
import { z } from 'zod';
import { checkpointKey, type DocumentStore, manifestKey, type PartName } from '../contracts/contracts.ts';
import { CheckpointConflictError, PartExistsError } from '../errors/errors.ts';
import { partNumber } from '../layout/layout.ts';
import { DIGEST_BYTES } from '../runner/record-digest.ts';

const DIGEST_CHARS = 12;

const LedgerEntrySchema = z.object({
  sha256: z.string(),
  records: z.number().int().nonnegative(),
  /** Request i holds records [ends[i - 1] ?? 0, ends[i]). */
  ends: z.array(z.number().int().nonnegative()),
  /** Indexes of the requests the API accepted. */
  accepted: z.array(z.number().int().nonnegative()),
  /** Requests the API refused for their records' content, with its reason: never sent again. */
  refused: z.array(z.object({ index: z.number().int().nonnegative(), reason: z.string() })).default([]),
  /** The records' digests in order, their bytes concatenated, base64. */
  digests: z.string(),
});
type LedgerEntry = z.infer<typeof LedgerEntrySchema>;

function encodeDigests(digests: readonly string[]): string {
  const bytes = Buffer.allocUnsafe(digests.length * DIGEST_BYTES);
  digests.forEach((digest, i) => {
    if (digest.length !== DIGEST_CHARS) throw new RangeError(`not a record digest: ${digest}`);
    bytes.write(digest, i * DIGEST_BYTES, DIGEST_BYTES, 'base64url');
  });
  return bytes.toString('base64');
}

function decodeDigests(text: string): string[] {
  const bytes = Buffer.from(text, 'base64');
  const digests: string[] = [];
  for (let at = 0; at + DIGEST_BYTES <= bytes.length; at += DIGEST_BYTES)
    digests.push(bytes.subarray(at, at + DIGEST_BYTES).toString('base64url'));
  return digests;
}

/** What a write of one part intends to send. */
export interface LedgerPlan {
  /** Where the part goes, for messages (`secops://…/logTypes/X`). */
  location: string;
  /** Digest of the part's content (its records, encoded). */
  sha256: string;
  /** The runner's digest of each record, in order. */
  digests: readonly string[];
  /** Request i holds records [ends[i - 1] ?? 0, ends[i]). */
  ends: readonly number[];
}

/** One part's entry, as a write goes through its requests. */
export class LedgerPart {
  readonly #store: DocumentStore;
  readonly #key: string;
  #entry: LedgerEntry;
  #version: string;
  /** True when the entry existed before this write (a retry, or a killed run's part). */
  readonly resumed: boolean;

  constructor(store: DocumentStore, key: string, entry: LedgerEntry, version: string, resumed: boolean) {
    this.#store = store;
    this.#key = key;
    this.#entry = entry;
    this.#version = version;
    this.resumed = resumed;
  }

  /** How many requests the part is cut into. */
  get requests(): number {
    return this.#entry.ends.length;
  }

  /** Requests answered for good: accepted, or refused for their records. */
  #answered(): number[] {
    const { accepted, refused } = this.#entry;
    return [...new Set([...accepted, ...refused.map((r) => r.index)])].sort((a, b) => a - b);
  }

  get complete(): boolean {
    return this.#answered().length === this.#entry.ends.length;
  }

  /** The requests still to send, in order, each as its record range `[start, end)`. */
  pending(): { index: number; start: number; end: number }[] {
    const answered = new Set(this.#answered());
    return this.#entry.ends.flatMap((end, index) =>
      answered.has(index) ? [] : [{ index, start: this.#entry.ends[index - 1] ?? 0, end }],
    );
  }

  /** The record ranges of the requests the API refused for their content, with its reason. */
  refusedRecords(): { start: number; end: number; reason: string }[] {
    const { ends } = this.#entry;
    return [...this.#entry.refused]
      .sort((a, b) => a.index - b.index)
      .map(({ index, reason }) => ({ start: ends[index - 1] ?? 0, end: ends[index]!, reason }));
  }

  /**
   * Where the records not yet sent start — after the answered requests, which a write sends in order —
   * or undefined when the answered ones are not the first (an entry this version did not write).
   */
  unsentFrom(): number | undefined {
    const answered = this.#answered();
    if (!answered.every((index, i) => index === i)) return undefined;
    return answered.length === 0 ? 0 : this.#entry.ends[answered.length - 1];
  }

  /**
   * Cuts the records not yet sent again (`ends` continue the accepted requests' ends): after a request
   * the API refused as too large, a write with a smaller request size sends smaller requests.
   */
  async recut(ends: readonly number[]): Promise<void> {
    const kept = this.#entry.ends.slice(0, this.#answered().length);
    const next = [...kept, ...ends];
    if (next.length === this.#entry.ends.length && next.every((end, i) => end === this.#entry.ends[i]))
      return;
    const entry = { ...this.#entry, ends: next };
    this.#version = await this.#store.write(this.#key, entry, this.#version);
    this.#entry = entry;
  }

  /** Records that the API refused request `index` for its records' content, and why. */
  async refuse(index: number, reason: string): Promise<void> {
    const entry = {
      ...this.#entry,
      refused: [...this.#entry.refused.filter((r) => r.index !== index), { index, reason }],
    };
    this.#version = await this.#store.write(this.#key, entry, this.#version);
    this.#entry = entry;
  }

  /** Records the API's acceptance of request `index`. */
  async accept(index: number): Promise<void> {
    const entry = {
      ...this.#entry,
      accepted: [...new Set([...this.#entry.accepted, index])].sort((a, b) => a - b),
    };
    this.#version = await this.#store.write(this.#key, entry, this.#version);
    this.#entry = entry;
  }
}

export class DeliveryLedger {
  readonly #store: DocumentStore;

  constructor(store: DocumentStore) {
    this.#store = store;
  }

  /** Where a part's entry is kept: under its window's manifest key. */
  static keyOf(part: PartName): string {
    const window = manifestKey(checkpointKey(part.tenant, part.source, part.stream), part.window.from);
    return `${window}/parts/${partNumber(part)}`;
  }

  async #read(key: string): Promise<{ entry: LedgerEntry; version: string } | undefined> {
    const stored = await this.#store.read(key);
    if (!stored) return undefined;
    const parsed = LedgerEntrySchema.safeParse(stored.document);
    if (!parsed.success)
      throw new Error(
        `delivery ledger entry "${key}" is not valid: ${parsed.error.issues[0]?.message ?? ''}`,
      );
    return { entry: parsed.data, version: stored.version };
  }

  /**
   * The entry for writing `part` as `plan` says: the existing one when this is a retry (or a killed
   * run's part) with the same content, a new one otherwise. Throws `PartExistsError` when the part was
   * written with other content.
   */
  async open(part: PartName, plan: LedgerPlan): Promise<LedgerPart> {
    const key = DeliveryLedger.keyOf(part);
    for (let attempt = 0; ; attempt++) {
      const existing = await this.#read(key);
      if (existing) {
        if (existing.entry.sha256 !== plan.sha256)
          throw new PartExistsError(
            plan.location,
            `delivered with sha256 ${existing.entry.sha256}, this write's ${plan.sha256}`,
          );
        return new LedgerPart(this.#store, key, existing.entry, existing.version, true);
      }
      const entry: LedgerEntry = {
        sha256: plan.sha256,
        records: plan.digests.length,
        ends: [...plan.ends],
        accepted: [],
        refused: [],
        digests: encodeDigests(plan.digests),
      };
      try {
        const version = await this.#store.write(key, entry, undefined);
        return new LedgerPart(this.#store, key, entry, version, false);
      } catch (error) {
        // Another writer created it meanwhile: compare with what it wrote.
        if (!(error instanceof CheckpointConflictError) || attempt > 0) throw error;
      }
    }
  }

  /** The digests of the records of `part` the API accepted, or undefined when it accepted none. */
  async delivered(part: PartName): Promise<string[] | undefined> {
    const existing = await this.#read(DeliveryLedger.keyOf(part));
    if (!existing || existing.entry.accepted.length === 0) return undefined;
    const { entry } = existing;
    const digests = decodeDigests(entry.digests);
    return entry.accepted.flatMap((index) => digests.slice(entry.ends[index - 1] ?? 0, entry.ends[index]));
  }
}
