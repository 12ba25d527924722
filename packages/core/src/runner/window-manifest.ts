/**
 * The window manifest: what a window has delivered, kept beside the checkpoint (one document per
 * window). It lists the parts written and holds a digest of every record delivered in them (records and
 * dead letters alike), so any re-read of the window — a refused resume token, a split, a lease takeover,
 * the reconcile pass — delivers only records not yet delivered, into new parts that continue the
 * window's numbering. A closed window's manifest also schedules its reconcile checks.
 *
 * The digests are held as bytes (`DigestSet`: about 17 bytes a record in memory). A window of fewer than
 * 65,536 digests stores them inline (`digests`); past that, every 65,536 go to a document of their own
 * under the manifest's key (`{key}/digests/{n}-{id}`, written once, create-only), and the manifest lists
 * them and holds the rest inline (`digestLog`) — so a save writes at most one inline run and the chunks
 * completed since, never the whole window's digests again, and what it costs is flat in the window's size.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { DocumentStore } from '../contracts/document-store.ts';
import type { JsonRecord, Window } from '../contracts/records.ts';
import type { PartIdentity } from '../contracts/sink.ts';
import { DIGEST_BYTES, DigestSet } from '../encoding/record-digest.ts';
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

export const WindowManifestSchema = z
  .object({
    tenant: z.string(),
    source: z.string(),
    stream: z.string(),
    from: instant,
    to: instant,
    parts: z.array(ManifestPartSchema),
    /**
     * `DigestSet.encode()` of the records of the parts numbered below `digestedThrough` (and of parts
     * adopted since), when they are all inline: a window of fewer than `DIGEST_CHUNK` digests, or a manifest
     * written before `digestLog` existed (read as ever). Saved lazily: parts written after the last save
     * are read back for their digests.
     */
    digests: z.string().optional(),
    /** The same digests past `DIGEST_CHUNK` of them: in chunk documents, then inline. */
    digestLog: z
      .object({
        /** Names of the chunk documents (`{manifest key}/digests/{name}`), in order, 65,536 digests each. */
        chunks: z.array(z.string().regex(/^\d+-[0-9a-f]+$/)),
        /** `DigestSet.encode()` of the digests added after the chunks'. */
        tail: z.string(),
      })
      .optional(),
    /** The part number up to which (exclusive) the digests cover every part. */
    digestedThrough: z.number().int().nonnegative().default(0),
    /** The next part number (parts a killed run wrote may be missing from `parts`, never from this). */
    nextPart: z.number().int().nonnegative().default(0),
    /** When the window was completely read the first time; absent while it is being delivered. */
    closedAt: instant.optional(),
    /** Records the reconcile pass delivered late, in all. */
    late: z.number().int().nonnegative().default(0),
  })
  .refine((manifest) => manifest.digests !== undefined || manifest.digestLog !== undefined, {
    message: 'a manifest holds `digests` or `digestLog`',
  });

/** Digests a chunk document holds (and inline digests past which chunks are written): 576 KiB of bytes. */
export const DIGEST_CHUNK = 65_536;

/** The key of a manifest's chunk document `name`. */
export const digestChunkKey = (manifestKey: string, name: string): string => `${manifestKey}/digests/${name}`;

/** A chunk document: `DIGEST_CHUNK` digests, `DigestSet.encode()`d. */
const DigestChunkSchema = z.object({ digests: z.string() });

export type ManifestPart = z.output<typeof ManifestPartSchema>;
export type WindowManifestDocument = Omit<z.output<typeof WindowManifestSchema>, 'digests' | 'digestLog'>;

/** A window manifest being worked on: the document (without its digests) plus its digests as a set. */
export class WindowManifest {
  readonly document: WindowManifestDocument;
  readonly digests: DigestSet;
  /** The chunk documents stored, and how many of `digests` (the first, in the order added) they hold. */
  #chunks: { names: string[]; digests: number };

  private constructor(
    document: WindowManifestDocument,
    digests: DigestSet,
    chunks: { names: string[]; digests: number } = { names: [], digests: 0 },
  ) {
    this.document = document;
    this.digests = digests;
    this.#chunks = chunks;
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
        digestedThrough: 0,
        nextPart: 0,
        late: 0,
      },
      new DigestSet(),
    );
  }

  /**
   * The manifest stored at `key`; a document that is not one stops the stream with the key named.
   * `chunks` reads the chunk documents it lists (`StoredManifest.load` reads them from the store).
   */
  static async parse(
    key: string,
    document: JsonRecord,
    chunks: (name: string) => Promise<JsonRecord | undefined> = async () => undefined,
  ): Promise<WindowManifest> {
    const parsed = WindowManifestSchema.safeParse(document);
    if (!parsed.success) throw invalidManifest(key, parsed.error.issues);
    const { digests: inline, digestLog, ...rest } = parsed.data;
    const set = new DigestSet();
    for (const name of digestLog?.chunks ?? []) {
      const chunk = DigestChunkSchema.safeParse(await chunks(name));
      const bytes = chunk.success ? Buffer.from(chunk.data.digests, 'base64') : undefined;
      if (bytes === undefined || bytes.length % DIGEST_BYTES !== 0)
        throw invalidManifest(key, [
          { path: ['digestLog', 'chunks'], message: `its chunk ${name} is missing or not one` },
        ]);
      set.addBytes(bytes);
    }
    const chunked = { names: [...(digestLog?.chunks ?? [])], digests: set.size };
    const text = digestLog?.tail ?? inline ?? '';
    const bytes = Buffer.from(text, 'base64');
    if (bytes.length % DIGEST_BYTES !== 0)
      throw invalidManifest(key, [{ path: ['digests'], message: `not a multiple of ${DIGEST_BYTES} bytes` }]);
    set.addBytes(bytes);
    return new WindowManifest(rest, set, chunked);
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

  /**
   * The document to store, with the digests encoded: inline while there are fewer than `DIGEST_CHUNK`
   * (the format every release reads), else the chunk documents `chunks` names and the rest inline.
   */
  toDocument(chunks: { names: readonly string[]; digests: number } = this.#chunks): JsonRecord {
    if (chunks.names.length === 0 && this.digests.size < DIGEST_CHUNK)
      return { ...this.document, digests: this.digests.encode() };
    const tail = this.digests.bytes(chunks.digests).toString('base64');
    return { ...this.document, digestLog: { chunks: [...chunks.names], tail } };
  }

  /** The chunk documents stored, and how many digests they hold. */
  get chunks(): { readonly names: readonly string[]; readonly digests: number } {
    return this.#chunks;
  }

  /** Records that these chunk documents are stored and listed by the stored manifest. */
  chunksStored(chunks: { names: readonly string[]; digests: number }): void {
    this.#chunks = { names: [...chunks.names], digests: chunks.digests };
  }
}

function invalidManifest(
  key: string,
  issues: readonly { path: PropertyKey[]; message: string }[],
): CtxsiemError {
  return new CtxsiemError(
    'MANIFEST_INVALID',
    `window manifest "${key}" is not valid (${issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}); delete it with the stream's checkpoint (ctxsiem state reset)`,
  );
}

/** Digests added since the last save beyond which the manifest is saved again (and at least this many). */
const MIN_SAVE_STEP = 1_000;

/**
 * A window's manifest as stored beside the checkpoint, saved with conditional writes. Saving is lazy:
 * after every `max(1000, min(size at the last save, DIGEST_CHUNK))` changes, when the window closes and
 * when a run stops — so a window's manifest costs O(records) bytes in all, not a rewrite per page, and a
 * save writes the chunks completed since the last one and at most `DIGEST_CHUNK` digests inline. What a
 * killed run did not save is found in the sink when it matters: a re-read reads back every part it has
 * no digests for (`PartWriter.startDeduplicating`), and a part number found taken is adopted.
 *
 * Chunk documents are created before the manifest that lists them, each under a name of its own: one
 * whose manifest write lost the race to another runner (or was killed before it) is listed by no
 * manifest, read by nobody, and deleted with the manifest (`delete` removes what is under its key).
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
    const manifest = await WindowManifest.parse(
      key,
      stored.document,
      async (name) => (await store.read(digestChunkKey(key, name)))?.document,
    );
    return new StoredManifest(store, key, manifest, stored.version);
  }

  /** Whether a stored manifest exists (a closed window's manifest may have been removed). */
  get stored(): boolean {
    return this.#version !== undefined;
  }

  /** Saves when enough has changed since the last save. */
  async saveIfDue(): Promise<void> {
    const saved = Math.max(0, this.#savedAt);
    if (this.manifest.changeCount - saved >= Math.max(MIN_SAVE_STEP, Math.min(saved, DIGEST_CHUNK)))
      await this.save();
  }

  /**
   * Saves unless nothing changed: first the chunks of `DIGEST_CHUNK` digests completed since the last
   * save (once the window has that many), then the manifest. Throws CheckpointConflictError when another
   * runner saved it since.
   */
  async save(): Promise<void> {
    if (this.#savedAt === this.manifest.changeCount) return;
    const { digests } = this.manifest;
    const chunks = { names: [...this.manifest.chunks.names], digests: this.manifest.chunks.digests };
    while (digests.size - chunks.digests >= DIGEST_CHUNK) {
      const name = `${String(chunks.names.length).padStart(5, '0')}-${randomUUID().slice(0, 8)}`;
      const bytes = digests.bytes(chunks.digests, chunks.digests + DIGEST_CHUNK);
      await this.#store.write(
        digestChunkKey(this.key, name),
        { digests: bytes.toString('base64') },
        undefined,
      );
      chunks.names.push(name);
      chunks.digests += DIGEST_CHUNK;
    }
    this.#version = await this.#store.write(this.key, this.manifest.toDocument(chunks), this.#version);
    this.manifest.chunksStored(chunks);
    this.#savedAt = this.manifest.changeCount;
  }

  /** Deletes the manifest and what is kept under its key (the delivery ledger of an API sink's parts). */
  async delete(): Promise<void> {
    for (const child of await this.#store.list(`${this.key}/`)) await this.#store.delete(child);
    await this.#store.delete(this.key);
  }
}
