/**
 * The ledger of telemetry documents received: which content (SHA-256) arrived under which name, and the
 * window that read it. It is what makes a document read once — whatever is listed again, copied in
 * again, or touched — and an edited one read again, as a new version.
 *
 * Kept beside the checkpoints (the checkpoint store's documents, with conditional writes), one
 * document per month of windows at `{stream key}/_documents/{YYYY-MM}`: `{ documents: [entry, …] }` in
 * the order they were received. A document is **assigned to the window that first reads it**, and its
 * entry is written before any of its records is delivered: a run that stops or is killed resumes the
 * same window, finds the same entries in the same order, and continues after the last document it
 * finished (the resume token). Entries are never changed or removed.
 *
 * Two runners that received the same content at once (a live run and a backfill hold different leases)
 * meet at the conditional write: the loser reloads, and a content already assigned elsewhere is not
 * assigned again.
 */
import { CheckpointConflictError, type DocumentStore } from '@ctxsiem/core';

export interface LedgerEntry {
  name: string;
  /** Hex SHA-256 of the content: the document's id. */
  sha256: string;
  size: number;
  /** What the listing said when it was received: the same name and stamp is the same content. */
  stamp: string;
  /** 1 for the first content received under this name, 2 for the next, … */
  version: number;
  /** The start of the window the document belongs to. */
  window: string;
  receivedAt: string;
}

/** A listing whose content was read already under another name or stamp (a copy, a touched file). */
export interface KnownListing {
  name: string;
  stamp: string;
  sha256: string;
}

interface Shard {
  entries: LedgerEntry[];
  /** Remembered so the next listing does not hash them again. */
  known: KnownListing[];
  version: string | undefined;
}

const monthOf = (window: Date) => window.toISOString().slice(0, 7);
const listingKey = (listing: { name: string; stamp: string }) => `${listing.stamp}\u0000${listing.name}`;

export class DocumentLedger {
  readonly #store: DocumentStore;
  readonly #prefix: string;
  readonly #shards = new Map<string, Shard>();
  #byContent = new Map<string, LedgerEntry>();
  #byName = new Map<string, LedgerEntry[]>();
  #listings = new Set<string>();

  private constructor(store: DocumentStore, streamKey: string) {
    this.#store = store;
    this.#prefix = `${streamKey}/_documents/`;
  }

  /** Reads every month of the ledger of the stream at `streamKey`. */
  static async open(store: DocumentStore, streamKey: string): Promise<DocumentLedger> {
    const ledger = new DocumentLedger(store, streamKey);
    for (const key of await store.list(ledger.#prefix)) await ledger.#load(key.slice(ledger.#prefix.length));
    ledger.#index();
    return ledger;
  }

  async #load(month: string): Promise<Shard> {
    const stored = await this.#store.read(this.#prefix + month);
    const shard: Shard = {
      entries: (stored?.document.documents as LedgerEntry[] | undefined) ?? [],
      known: (stored?.document.known as KnownListing[] | undefined) ?? [],
      version: stored?.version,
    };
    this.#shards.set(month, shard);
    return shard;
  }

  #index(): void {
    this.#byContent = new Map();
    this.#byName = new Map();
    this.#listings = new Set();
    for (const month of [...this.#shards.keys()].sort()) {
      const shard = this.#shards.get(month)!;
      for (const entry of shard.entries) {
        if (!this.#byContent.has(entry.sha256)) this.#byContent.set(entry.sha256, entry);
        const versions = this.#byName.get(entry.name);
        if (versions) versions.push(entry);
        else this.#byName.set(entry.name, [entry]);
        this.#listings.add(listingKey(entry));
      }
      for (const known of shard.known) this.#listings.add(listingKey(known));
    }
  }

  /** Whether this name was listed with this stamp before: its content is in the ledger, read already. */
  sameListing(name: string, stamp: string): boolean {
    return this.#listings.has(listingKey({ name, stamp }));
  }

  /** The entry that received this content first, under whatever name. */
  withContent(sha256: string): LedgerEntry | undefined {
    return this.#byContent.get(sha256);
  }

  /** The documents of the window starting at `from`, in the order they were received. */
  documentsOf(from: Date): LedgerEntry[] {
    const window = from.toISOString();
    return (this.#shards.get(monthOf(from))?.entries ?? []).filter((entry) => entry.window === window);
  }

  /**
   * Assigns documents received now to the window starting at `from`, and remembers listings whose
   * content was known, in one conditional write. A content another runner assigned meanwhile is left
   * out. Returns the entries written.
   */
  async assign(
    from: Date,
    received: readonly Omit<LedgerEntry, 'version' | 'window' | 'receivedAt'>[],
    now: Date,
    known: readonly KnownListing[] = [],
  ): Promise<LedgerEntry[]> {
    const month = monthOf(from);
    for (let attempt = 0; ; attempt++) {
      const shard = this.#shards.get(month) ?? { entries: [], known: [], version: undefined };
      const remember = known.filter((listing) => !this.#listings.has(listingKey(listing)));
      const versions = new Map<string, number>();
      const added: LedgerEntry[] = [];
      for (const document of received) {
        if (this.#byContent.has(document.sha256) || added.some((entry) => entry.sha256 === document.sha256))
          continue;
        const version = (versions.get(document.name) ?? this.#byName.get(document.name)?.length ?? 0) + 1;
        versions.set(document.name, version);
        added.push({ ...document, version, window: from.toISOString(), receivedAt: now.toISOString() });
      }
      if (added.length + remember.length === 0) return [];
      const entries = [...shard.entries, ...added];
      const listings = [...shard.known, ...remember];
      try {
        const version = await this.#store.write(
          this.#prefix + month,
          { documents: entries, known: listings },
          shard.version,
        );
        this.#shards.set(month, { entries, known: listings, version });
        this.#index();
        return added;
      } catch (error) {
        if (!(error instanceof CheckpointConflictError) || attempt >= 4) throw error;
        await this.#load(month);
        this.#index();
      }
    }
  }
}
