/**
 * What a snapshot stream has delivered, beside its checkpoint (`{stream key}/_snapshot`, so
 * `ctxsiem state reset` removes it with the checkpoint): the digests of every row version handed to the
 * runner, those of the windows that closed (`known`) and those of the window being read.
 *
 * A snapshot set has no time column that follows its rows' changes, so every window reads the whole set
 * and delivers the versions no earlier window delivered. A version is added to the window's digests
 * before the page holding it is handed on, so a run killed anywhere resumes the same window and hands it
 * on again (the runner's window manifest skips what reached the sink). When the next window starts, the
 * last one has closed — the runner moves on only once a window is delivered — and its digests join
 * `known`. The ledger grows by 9 bytes per version ever delivered.
 */
import { DigestSet, type DocumentStore } from '@ctxsiem/core';

export class SnapshotLedger {
  readonly #store: DocumentStore;
  readonly #key: string;
  #version: string | undefined;
  #known: DigestSet;
  #window: { from: string; digests: DigestSet };
  #changed = false;

  private constructor(
    store: DocumentStore,
    key: string,
    version: string | undefined,
    known: DigestSet,
    window: { from: string; digests: DigestSet },
  ) {
    this.#store = store;
    this.#key = key;
    this.#version = version;
    this.#known = known;
    this.#window = window;
  }

  /** The ledger of the stream at `streamKey`, ready for the window starting at `from`. */
  static async open(store: DocumentStore, streamKey: string, from: Date): Promise<SnapshotLedger> {
    const key = `${streamKey}/_snapshot`;
    const stored = await store.read(key);
    const document = stored?.document as
      | { known?: string; window?: { from: string; digests: string } }
      | undefined;
    const known = DigestSet.decode(document?.known ?? '');
    const start = from.toISOString();
    const window = document?.window;
    if (window?.from === start)
      return new SnapshotLedger(store, key, stored?.version, known, {
        from: start,
        digests: DigestSet.decode(window.digests),
      });
    // A new window: the one before it (if any) was delivered whole, so its versions are known now.
    if (window) for (const digest of DigestSet.decode(window.digests).values()) known.add(digest);
    const ledger = new SnapshotLedger(store, key, stored?.version, known, {
      from: start,
      digests: new DigestSet(),
    });
    ledger.#changed = window !== undefined || stored === undefined;
    return ledger;
  }

  /** Whether a window before this one delivered this version. */
  delivered(digest: string): boolean {
    return this.#known.has(digest);
  }

  /** Records that this window hands on these versions. */
  assign(digests: Iterable<string>): void {
    for (const digest of digests) {
      if (this.#window.digests.has(digest)) continue;
      this.#window.digests.add(digest);
      this.#changed = true;
    }
  }

  /** Saves what changed (conditionally: a second writer fails with the store's conflict error). */
  async save(): Promise<void> {
    if (!this.#changed) return;
    this.#version = await this.#store.write(
      this.#key,
      {
        known: this.#known.encode(),
        window: { from: this.#window.from, digests: this.#window.digests.encode() },
      },
      this.#version,
    );
    this.#changed = false;
  }
}
