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
 *   again, and the API refuses them again;
 * - which refused requests of more than one record were **split** to find the offending records (the
 *   API took none of a refused request, and does not say which records it refused): each half is a
 *   request of the part (`halves`, numbered on from `records`, so a recut of the unsent records never
 *   renumbers one), recorded before either is sent, then claimed and sent like any other; the split one
 *   is never sent again. Only single-record requests end refused.
 *
 * - each request **claimed before it is sent**: who sends it (the runner and its lease epoch), its body
 *   frozen (its bytes, its collection time) in a document of its own beside the entry. A request found
 *   claimed and unanswered — a killed run's, an overtaken run's, a failed write's — may have been
 *   accepted: it is sent again only as that same body, byte-identical (SecOps de-duplicates identical
 *   batches; every record carries its id for de-duplication in the SIEM), and counted as possibly
 *   duplicated. An entry a newer lease epoch wrote stops an older writer (`CheckpointConflictError`):
 *   a runner that lost its stream sends nothing more of the part.
 *
 * What it cannot do: know whether a claimed request whose answer never came was accepted. Exactly once
 * would need an idempotency key these APIs do not have; what is possible is a resend that is bounded
 * (the claimed requests), byte-identical and counted.
 */
import { z } from 'zod';
import { checkpointKey, manifestKey } from '../contracts/checkpoint-store.ts';
import type { DocumentStore } from '../contracts/document-store.ts';
import type { PartName } from '../contracts/sink.ts';
import { DIGEST_BYTES } from '../encoding/record-digest.ts';
import { CheckpointConflictError, PartExistsError } from '../errors/errors.ts';
import { partNumber } from '../layout/layout.ts';

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
  /** Requests claimed for sending and not answered yet (sent, maybe accepted), with their writer. */
  claims: z
    .array(z.object({ index: z.number().int().nonnegative(), owner: z.string(), epoch: z.number().int() }))
    .default([]),
  /** The newest lease epoch that wrote the entry: an older one writes it no more. */
  epoch: z.number().int().default(0),
  /**
   * The halves of split requests: request `records + i` holds records [start, end) of request `of`,
   * which the API refused for its records without naming which. A cut request's index is below
   * `records` (each holds at least one record). Absent in entries written before splits.
   */
  halves: z
    .array(
      z.object({
        of: z.number().int().nonnegative(),
        start: z.number().int().nonnegative(),
        end: z.number().int().nonnegative(),
      }),
    )
    .default([]),
});
type LedgerEntry = z.infer<typeof LedgerEntrySchema>;

/** One request of a part: records [start, end), the index-th of the part's requests. */
export interface PartRequest {
  index: number;
  start: number;
  end: number;
}

/** Request `index` of `entry` with its records: a cut request, or the half of a split one. */
function requestOf(entry: LedgerEntry, index: number): PartRequest {
  if (index >= entry.records) {
    const half = entry.halves[index - entry.records];
    if (!half) throw new RangeError(`delivery ledger: no request ${index + 1}`);
    return { index, start: half.start, end: half.end };
  }
  return { index, start: entry.ends[index - 1] ?? 0, end: entry.ends[index]! };
}

/** Every request of `entry` ever made, in record order (a split one before its halves). */
function requestsOf(entry: LedgerEntry): PartRequest[] {
  const cut = entry.ends.map((_, index) => requestOf(entry, index));
  const halves = entry.halves.map((_, i) => requestOf(entry, entry.records + i));
  return [...cut, ...halves].sort((a, b) => a.start - b.start || b.end - a.end);
}

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

/** Who writes: the runner and its lease epoch (the runner's `Batch.fence`). */
export interface LedgerWriter {
  owner: string;
  epoch: number;
}

/** Writes without a runner's lease (a sink used on its own): the oldest epoch. */
export const UNFENCED: LedgerWriter = { owner: 'unfenced', epoch: 0 };

/** A request's frozen body: where it goes and its bytes, as first built. */
export interface FrozenRequest {
  url: string;
  body: Buffer;
}

const FrozenSchema = z.object({
  url: z.string(),
  body: z.string(),
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
});

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
  readonly #writer: LedgerWriter;

  constructor(
    store: DocumentStore,
    key: string,
    entry: LedgerEntry,
    version: string,
    resumed: boolean,
    writer: LedgerWriter = UNFENCED,
  ) {
    this.#store = store;
    this.#key = key;
    this.#entry = entry;
    this.#version = version;
    this.resumed = resumed;
    this.#writer = writer;
  }

  /** How many requests the part is cut into (split requests' halves not counted). */
  get requests(): number {
    return this.#entry.ends.length;
  }

  /** Requests answered for good: accepted, refused for their records, or split in halves. */
  #answered(): number[] {
    const { accepted, refused, halves } = this.#entry;
    return [...new Set([...accepted, ...refused.map((r) => r.index), ...halves.map((h) => h.of)])].sort(
      (a, b) => a - b,
    );
  }

  /**
   * The cut requests answered or claimed: their bounds are kept (a claimed one's body is frozen). The
   * halves of a split request lie within it, so they never bound a recut.
   */
  #settled(): number[] {
    const claimed = this.#entry.claims.map((c) => c.index);
    return [...new Set([...this.#answered(), ...claimed])]
      .filter((index) => index < this.#entry.ends.length)
      .sort((a, b) => a - b);
  }

  get complete(): boolean {
    return this.#answered().length === this.#entry.ends.length + this.#entry.halves.length;
  }

  /** The requests still to send, in record order, each as its record range `[start, end)`. */
  pending(): PartRequest[] {
    const answered = new Set(this.#answered());
    return requestsOf(this.#entry).filter(({ index }) => !answered.has(index));
  }

  /** The requests claimed and not answered (sent, maybe accepted), in order. */
  claimedRequests(): PartRequest[] {
    return this.pending().filter(({ index }) => this.claimed(index));
  }

  /** The record ranges of the requests the API refused for their content, with its reason. */
  refusedRecords(): { start: number; end: number; reason: string }[] {
    return this.#entry.refused
      .map(({ index, reason }) => {
        const { start, end } = requestOf(this.#entry, index);
        return { start, end, reason };
      })
      .sort((a, b) => a.start - b.start);
  }

  /**
   * Request `index` named for messages: `request 3 of 5`; a half of a split one by its place in the
   * split (`request 3.2.1 of 5`: the first half of the second half of request 3).
   */
  label(index: number): string {
    const path: number[] = [];
    let at = index;
    while (at >= this.#entry.records) {
      const half = this.#entry.halves[at - this.#entry.records]!;
      path.unshift(half.start === requestOf(this.#entry, half.of).start ? 1 : 2);
      at = half.of;
    }
    return `request ${[at + 1, ...path].join('.')} of ${this.#entry.ends.length}`;
  }

  /**
   * Where the records not yet sent start — after the answered and claimed requests, which a write sends
   * in order — or undefined when those are not the first (an entry this version did not write).
   */
  unsentFrom(): number | undefined {
    const settled = this.#settled();
    if (!settled.every((index, i) => index === i)) return undefined;
    return settled.length === 0 ? 0 : this.#entry.ends[settled.length - 1];
  }

  /**
   * Cuts the records not yet sent again (`ends` continue the settled requests' ends): after a request
   * the API refused as too large, a write with a smaller request size sends smaller requests.
   */
  async recut(ends: readonly number[]): Promise<void> {
    const kept = this.#entry.ends.slice(0, this.#settled().length);
    const next = [...kept, ...ends];
    if (next.length === this.#entry.ends.length && next.every((end, i) => end === this.#entry.ends[i]))
      return;
    await this.#update((entry) => ({ ...entry, ends: next }));
  }

  /**
   * Writes `change(entry)` conditionally; when another writer changed the entry meanwhile, reads it
   * again and applies the change to that — unless a newer lease epoch wrote it: then this writer lost
   * the stream (`CheckpointConflictError`).
   */
  async #update(change: (entry: LedgerEntry) => LedgerEntry): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      this.#fenced();
      const entry = { ...change(this.#entry), epoch: Math.max(this.#entry.epoch, this.#writer.epoch) };
      try {
        this.#version = await this.#store.write(this.#key, entry, this.#version);
        this.#entry = entry;
        return;
      } catch (error) {
        if (!(error instanceof CheckpointConflictError) || attempt >= 4) throw error;
        await this.refresh();
      }
    }
  }

  /** Throws `CheckpointConflictError` when a newer lease epoch than this writer's wrote the entry. */
  #fenced(): void {
    if (this.#entry.epoch > this.#writer.epoch)
      throw new CheckpointConflictError(
        this.#key,
        `a runner holding lease epoch ${this.#entry.epoch} wrote this part's delivery ledger entry; this one holds epoch ${this.#writer.epoch}`,
      );
  }

  /** Reads the entry again (another writer may have changed it). */
  async refresh(): Promise<void> {
    const stored = await this.#store.read(this.#key);
    if (!stored) throw new CheckpointConflictError(this.#key, 'the delivery ledger entry is gone');
    const parsed = LedgerEntrySchema.safeParse(stored.document);
    if (!parsed.success) throw new Error(`delivery ledger entry "${this.#key}" is not valid`);
    this.#entry = parsed.data;
    this.#version = stored.version;
  }

  /**
   * Checks, from the stored entry, that request `index` is still claimed by this writer: before each
   * attempt to send it. Throws `CheckpointConflictError` otherwise.
   */
  async checkClaim(index: number): Promise<void> {
    await this.refresh();
    this.#fenced();
    const claim = this.#entry.claims.find((c) => c.index === index);
    if (!claim || claim.owner !== this.#writer.owner || claim.epoch !== this.#writer.epoch)
      throw new CheckpointConflictError(
        this.#key,
        `request ${index + 1} is no longer claimed by this runner (${claim ? `${claim.owner}, lease epoch ${claim.epoch}` : 'answered or released'})`,
      );
  }

  /** Where request `index`'s frozen body is kept. */
  #bodyKey(index: number): string {
    return `${this.#key}/requests/${index}`;
  }

  /** Whether request `index` is claimed and unanswered: sent (or being sent), maybe accepted. */
  claimed(index: number): boolean {
    return this.#entry.claims.some((c) => c.index === index) && !this.#answered().includes(index);
  }

  /**
   * Claims request `index` (records [start, end)) for this writer before it is sent, with its body
   * frozen: the body of an earlier claim (which may have been accepted: `resend`), else a body stored
   * earlier and never claimed (a run killed in between: never sent), else `build()`'s, stored now.
   */
  async claim(
    request: PartRequest,
    build: () => FrozenRequest,
  ): Promise<FrozenRequest & { resend: boolean }> {
    const { index, start, end } = request;
    this.#fenced();
    const resend = this.claimed(index);
    const key = this.#bodyKey(index);
    let frozen: FrozenRequest | undefined;
    const stored = await this.#store.read(key);
    const parsed = stored ? FrozenSchema.safeParse(stored.document) : undefined;
    if (parsed?.success && parsed.data.start === start && parsed.data.end === end)
      frozen = { url: parsed.data.url, body: Buffer.from(parsed.data.body, 'base64') };
    else if (resend)
      throw new Error(
        `delivery ledger entry "${this.#key}": request ${index + 1} was claimed but its frozen body is missing (${key})`,
      );
    if (!frozen) {
      const built = build();
      const document = { url: built.url, body: built.body.toString('base64'), start, end };
      // Never claimed, so never sent: a body stored with other bounds (before a recut) may be replaced.
      await this.#store.write(key, document, stored?.version);
      frozen = built;
    }
    const writer = this.#writer;
    await this.#update((entry) => ({
      ...entry,
      claims: [
        ...entry.claims.filter((c) => c.index !== index),
        { index, owner: writer.owner, epoch: writer.epoch },
      ],
    }));
    return { ...frozen, resend };
  }

  /** Drops this writer's claim on request `index`: it was certainly not accepted (no attempt landed). */
  async release(index: number): Promise<void> {
    await this.#update((entry) => ({ ...entry, claims: entry.claims.filter((c) => c.index !== index) }));
  }

  /** Records that the API refused request `index` for its records' content, and why. */
  async refuse(index: number, reason: string): Promise<void> {
    await this.#update((entry) => ({
      ...entry,
      refused: [...entry.refused.filter((r) => r.index !== index), { index, reason }],
      claims: entry.claims.filter((c) => c.index !== index),
    }));
    await this.#forget(index);
  }

  /**
   * Records that the API refused request `index`, of more than one record, for its records without
   * naming which: its two halves become requests of the part in its place, and it is never sent
   * again. Recorded before either half is sent (a killed run's successor finds them); returns them.
   */
  async split(index: number): Promise<PartRequest[]> {
    const { start, end } = requestOf(this.#entry, index);
    if (end - start < 2) throw new RangeError(`request ${index + 1} holds one record: it cannot be split`);
    const middle = start + Math.ceil((end - start) / 2);
    await this.#update((entry) => ({
      ...entry,
      halves: entry.halves.some((h) => h.of === index)
        ? entry.halves
        : [...entry.halves, { of: index, start, end: middle }, { of: index, start: middle, end }],
      claims: entry.claims.filter((c) => c.index !== index),
    }));
    await this.#forget(index);
    const halves: PartRequest[] = [];
    this.#entry.halves.forEach((half, i) => {
      if (half.of === index)
        halves.push({ index: this.#entry.records + i, start: half.start, end: half.end });
    });
    return halves;
  }

  /** Records the API's acceptance of request `index`. */
  async accept(index: number): Promise<void> {
    await this.#update((entry) => ({
      ...entry,
      accepted: [...new Set([...entry.accepted, index])].sort((a, b) => a - b),
      claims: entry.claims.filter((c) => c.index !== index),
    }));
    await this.#forget(index);
  }

  /** Removes an answered request's frozen body; one left behind (an error) goes with its window. */
  async #forget(index: number): Promise<void> {
    await this.#store.delete(this.#bodyKey(index)).catch(() => undefined);
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
  async open(part: PartName, plan: LedgerPlan, writer: LedgerWriter = UNFENCED): Promise<LedgerPart> {
    const key = DeliveryLedger.keyOf(part);
    for (let attempt = 0; ; attempt++) {
      const existing = await this.#read(key);
      if (existing) {
        if (existing.entry.sha256 !== plan.sha256)
          throw new PartExistsError(
            plan.location,
            `delivered with sha256 ${existing.entry.sha256}, this write's ${plan.sha256}`,
          );
        return new LedgerPart(this.#store, key, existing.entry, existing.version, true, writer);
      }
      const entry: LedgerEntry = {
        sha256: plan.sha256,
        records: plan.digests.length,
        ends: [...plan.ends],
        accepted: [],
        refused: [],
        digests: encodeDigests(plan.digests),
        claims: [],
        epoch: writer.epoch,
        halves: [],
      };
      try {
        const version = await this.#store.write(key, entry, undefined);
        return new LedgerPart(this.#store, key, entry, version, false, writer);
      } catch (error) {
        // Another writer created it meanwhile: compare with what it wrote.
        if (!(error instanceof CheckpointConflictError) || attempt > 0) throw error;
      }
    }
  }

  /** The part's entry as it stands, for a writer completing its claimed requests; undefined when none. */
  async existing(part: PartName, writer: LedgerWriter = UNFENCED): Promise<LedgerPart | undefined> {
    const key = DeliveryLedger.keyOf(part);
    const existing = await this.#read(key);
    return existing && new LedgerPart(this.#store, key, existing.entry, existing.version, true, writer);
  }

  /** The digests of the records of `part` the API accepted, or undefined when it accepted none. */
  async delivered(part: PartName): Promise<string[] | undefined> {
    const existing = await this.#read(DeliveryLedger.keyOf(part));
    if (!existing || existing.entry.accepted.length === 0) return undefined;
    const { entry } = existing;
    const digests = decodeDigests(entry.digests);
    return entry.accepted
      .map((index) => requestOf(entry, index))
      .sort((a, b) => a.start - b.start)
      .flatMap(({ start, end }) => digests.slice(start, end));
  }
}
