/**
 * The window manifest: what a window has delivered, kept beside the checkpoint (one document per
 * window). It lists the parts written and holds a digest of every record delivered in them (records and
 * dead letters alike), so any re-read of the window — a refused resume token, a split, a lease takeover,
 * the reconcile pass — delivers only records not yet delivered, into new parts that continue the
 * window's numbering. A closed window's manifest also schedules its reconcile checks.
 */
import { z } from 'zod';
import type { DocumentStore } from '../contracts/document-store.ts';
import type { JsonRecord, Window } from '../contracts/records.ts';
import type { PartIdentity } from '../contracts/sink.ts';
import { DigestSet } from '../encoding/record-digest.ts';
import { CtxsiemError } from '../errors/errors.ts';

const instant = z.iso.datetime({ offset: false });

export const ManifestPartSchema = z.object({
  seq: z.number().int().nonnegative(),
  kind: z.enum(['records', 'deadletter']),
  records: z.number().int().nonnegative(),
  /** Hex SHA-256 of the stored bytes (unknown for an adopted part). */
  sha256: z.string().optional(),
  location: z.string().optional(),
  /** True when a killed run wrote the part and a later one found and adopted it. */
  adopted: z.boolean().optional(),
});

export const WindowManifestSchema = z.object({
  tenant: z.string(),
  source: z.string(),
  stream: z.string(),
  from: instant,
  to: instant,
  parts: z.array(ManifestPartSchema),
  /**
   * `DigestSet.encode()` of the records of the parts numbered below `digestedThrough` (and of parts
   * adopted since). Saved lazily: parts written after the last save are read back for their digests.
   */
  digests: z.string(),
  /** The part number up to which (exclusive) `digests` covers every part. */
  digestedThrough: z.number().int().nonnegative().default(0),
  /** The next part number (parts a killed run wrote may be missing from `parts`, never from this). */
  nextPart: z.number().int().nonnegative().default(0),
  /** When the window was completely read the first time; absent while it is being delivered. */
  closedAt: instant.optional(),
  /** Records the reconcile pass delivered late, in all. */
  late: z.number().int().nonnegative().default(0),
});

export type ManifestPart = z.output<typeof ManifestPartSchema>;
export type WindowManifestDocument = z.output<typeof WindowManifestSchema>;

/** A window manifest being worked on: the document plus its digests as a set. */
export class WindowManifest {
  readonly document: WindowManifestDocument;
  readonly digests: DigestSet;

  private constructor(document: WindowManifestDocument, digests: DigestSet) {
    this.document = document;
    this.digests = digests;
  }

  static empty(identity: Omit<PartIdentity, 'seq' | 'kind'>): WindowManifest {
    const { tenant, source, stream, window } = identity;
    return new WindowManifest(
      {
        tenant,
        source,
        stream,
        from: window.from.toISOString(),
        to: window.to.toISOString(),
        parts: [],
        digests: '',
        digestedThrough: 0,
        nextPart: 0,
        late: 0,
      },
      new DigestSet(),
    );
  }

  /** The manifest stored at `key`; a document that is not one stops the stream with the key named. */
  static parse(key: string, document: JsonRecord): WindowManifest {
    const parsed = WindowManifestSchema.safeParse(document);
    if (!parsed.success)
      throw new CtxsiemError(
        'MANIFEST_INVALID',
        `window manifest "${key}" is not valid (${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}); delete it with the stream's checkpoint (ctxsiem state reset)`,
      );
    return new WindowManifest(parsed.data, DigestSet.decode(parsed.data.digests));
  }

  get window(): Window {
    return { from: new Date(this.document.from), to: new Date(this.document.to) };
  }

  /** How many records (and dead letters) the window's listed parts hold. */
  get delivered(): number {
    return this.document.parts.reduce((sum, part) => sum + part.records, 0);
  }

  /** The part number after the highest one written. */
  get nextSeq(): number {
    return this.document.parts.reduce((next, part) => Math.max(next, part.seq + 1), this.document.nextPart);
  }

  /** Records that every part number below `seq` is taken. */
  partsUpTo(seq: number): void {
    this.document.nextPart = Math.max(this.document.nextPart, seq);
  }

  hasPart(seq: number, kind: ManifestPart['kind']): boolean {
    return this.document.parts.some((part) => part.seq === seq && part.kind === kind);
  }

  /** Grows with every part and digest added: what `StoredManifest` compares to know it changed. */
  get changeCount(): number {
    return (
      this.document.parts.length +
      this.digests.size +
      this.document.digestedThrough +
      (this.document.closedAt ? 1 : 0)
    );
  }

  /** Records a part, and the digests of its records when they were computed. */
  addPart(part: ManifestPart, digests: Iterable<string> = []): void {
    if (!this.hasPart(part.seq, part.kind)) this.document.parts.push(part);
    for (const digest of digests) this.digests.add(digest);
  }

  /** Marks the digests as covering every part numbered below `seq`. */
  digestedUpTo(seq: number): void {
    this.document.digestedThrough = Math.max(this.document.digestedThrough, seq);
  }

  /** Marks the window as completely read once. */
  close(at: Date): void {
    this.document.closedAt ??= at.toISOString();
  }

  /** The document to store, with the digests encoded. */
  toDocument(): JsonRecord {
    return { ...this.document, digests: this.digests.encode() };
  }
}

/** Digests added since the last save beyond which the manifest is saved again (and at least this many). */
const MIN_SAVE_STEP = 1_000;

/**
 * A window's manifest as stored beside the checkpoint, saved with conditional writes. Saving is lazy:
 * after every `max(1000, size at the last save)` changes, when the window closes and when a run stops —
 * so a window's manifest costs O(records) bytes in all, not a rewrite per page. What a killed run did
 * not save is found in the sink when it matters: a re-read reads back every part it has no digests for
 * (`PartWriter.startDeduplicating`), and a part number found taken is adopted.
 */
export class StoredManifest {
  readonly key: string;
  readonly manifest: WindowManifest;
  readonly #store: DocumentStore;
  #version: string | undefined;
  #savedAt: number;

  private constructor(store: DocumentStore, key: string, manifest: WindowManifest, version?: string) {
    this.#store = store;
    this.key = key;
    this.manifest = manifest;
    this.#version = version;
    this.#savedAt = version === undefined ? -1 : manifest.changeCount;
  }

  /** The manifest at `key`, or an empty one for `identity`'s window. */
  static async load(
    store: DocumentStore,
    key: string,
    identity: Omit<PartIdentity, 'seq' | 'kind'>,
  ): Promise<StoredManifest> {
    const stored = await store.read(key);
    if (!stored) return new StoredManifest(store, key, WindowManifest.empty(identity));
    return new StoredManifest(store, key, WindowManifest.parse(key, stored.document), stored.version);
  }

  /** Whether a stored manifest exists (a closed window's manifest may have been removed). */
  get stored(): boolean {
    return this.#version !== undefined;
  }

  /** Saves when enough has changed since the last save. */
  async saveIfDue(): Promise<void> {
    const saved = Math.max(0, this.#savedAt);
    if (this.manifest.changeCount - saved >= Math.max(MIN_SAVE_STEP, saved)) await this.save();
  }

  /** Saves unless nothing changed. Throws CheckpointConflictError when another runner saved it since. */
  async save(): Promise<void> {
    if (this.#savedAt === this.manifest.changeCount) return;
    this.#version = await this.#store.write(this.key, this.manifest.toDocument(), this.#version);
    this.#savedAt = this.manifest.changeCount;
  }

  /** Deletes the manifest and what is kept under its key (the delivery ledger of an API sink's parts). */
  async delete(): Promise<void> {
    for (const child of await this.#store.list(`${this.key}/`)) await this.#store.delete(child);
    await this.#store.delete(this.key);
  }
}
