/**
 * Writes a window's pages as parts, so that each record reaches the sink once:
 *
 * - records are validated (failures become dead letters with the reason) and tagged with the tenant;
 * - a record whose digest the window manifest already holds is skipped: it was delivered by an earlier
 *   read of the window (a re-read after a refused resume token or a split, a lease takeover, the
 *   reconcile pass);
 * - parts are written create-only, numbered on from the window's last part. When a part number is
 *   already taken by content this writer did not send, a killed run wrote that part and never recorded
 *   it: the writer **adopts** it (reads it back and adds its records' digests to the manifest) and
 *   writes what is still undelivered as the next part.
 */
import type { JsonRecord, PartIdentity, PullStream, Sink } from '../contracts/contracts.ts';
import { PartExistsError } from '../errors/errors.ts';
import type { Logger } from '../logging/logger.ts';
import { recordDigest } from './record-digest.ts';
import type { WindowManifest } from './window-manifest.ts';

type Kind = PartIdentity['kind'];
const KINDS: readonly Kind[] = ['records', 'deadletter'];

interface Pending {
  digest: string;
  record: JsonRecord;
}

/** What one page (or one recovery) delivered. */
export interface PageDelivery {
  records: number;
  deadLetters: number;
  /** Records skipped because the window had delivered them already. */
  skipped: number;
  bytes: number;
  /** Parts found written by a killed run and adopted. */
  adopted: number;
  /** Where dead letters went. */
  deadLetterLocations: string[];
}

export interface PartWriterOptions {
  sink: Sink;
  stream: PullStream;
  tenant: string;
  source: string;
  /** Field every delivered record carries the tenant in. */
  tenantField?: string | undefined;
  manifest: WindowManifest;
  /** The first part number to use. */
  seq: number;
  /** Runs before every write: the lease renewal that fences a runner which lost its stream. */
  beforeWrite: () => Promise<void>;
  logger: Logger;
}

export class PartWriter {
  #seq: number;
  readonly #options: PartWriterOptions;
  readonly #base: Omit<PartIdentity, 'seq' | 'kind'>;

  constructor(options: PartWriterOptions) {
    this.#options = options;
    this.#seq = Math.max(options.seq, options.manifest.nextSeq);
    const { tenant, source, stream, manifest } = options;
    this.#base = { tenant, source, stream: stream.name, window: manifest.window };
  }

  /** The next part number. */
  get seq(): number {
    return this.#seq;
  }

  /** The digest of a record as the source returned it. */
  digestOf(record: JsonRecord): string {
    const { identity } = this.#options.stream;
    return recordDigest(identity ? identity(record) : record);
  }

  /** The digest of a record as stored in a part of `kind` (tenant tag removed, dead letter unwrapped). */
  storedDigestOf(kind: Kind, stored: JsonRecord): string {
    if (kind === 'deadletter') return this.digestOf((stored.record ?? {}) as JsonRecord);
    const tenantField = this.#options.tenantField;
    if (!tenantField || !(tenantField in stored)) return this.digestOf(stored);
    const { [tenantField]: _tenant, ...original } = stored;
    return this.digestOf(original);
  }

  /** Validates, de-duplicates and writes one page's records (as the source returned them). */
  async deliver(records: readonly JsonRecord[]): Promise<PageDelivery> {
    const { stream, tenant, tenantField } = this.#options;
    const result = emptyDelivery();
    const pending: Record<Kind, Pending[]> = { records: [], deadletter: [] };
    const seen = new Set<string>();
    for (const record of records) {
      const digest = this.digestOf(record);
      if (seen.has(digest) || this.#options.manifest.digests.has(digest)) {
        result.skipped++;
        continue;
      }
      seen.add(digest);
      const checked = stream.schema?.safeParse(record);
      if (checked && !checked.success) {
        pending.deadletter.push({
          digest,
          record: { reason: checked.error.message, stream: stream.name, tenant, record },
        });
      } else {
        pending.records.push({ digest, record: tenantField ? { ...record, [tenantField]: tenant } : record });
      }
    }
    await this.#write(pending, result);
    return result;
  }

  /**
   * Adds to the manifest the parts numbered `[from, to)` that a run acknowledged (the checkpoint's part
   * number had moved past them) but did not save in the manifest before it stopped.
   */
  async recover(from: number, to: number): Promise<number> {
    let recovered = 0;
    for (let seq = from; seq < to; seq++) {
      const found = await this.#adopt(seq, false);
      if (found === 0)
        this.#options.logger.warn(
          { seq, window: this.#base.window.from },
          'an acknowledged part is missing from the sink: its records cannot be recognised if the window is read again',
        );
      recovered += found;
    }
    return recovered;
  }

  async #write(pending: Record<Kind, Pending[]>, result: PageDelivery): Promise<void> {
    const { sink, manifest } = this.#options;
    for (;;) {
      for (const kind of KINDS) pending[kind] = pending[kind].filter((p) => !manifest.digests.has(p.digest));
      if (pending.records.length + pending.deadletter.length === 0) return;
      const seq = this.#seq;
      let taken = false;
      for (const kind of KINDS) {
        const items = pending[kind];
        if (items.length === 0) continue;
        if (manifest.hasPart(seq, kind)) {
          taken = true;
          break;
        }
        await this.#options.beforeWrite();
        try {
          const receipt = await sink.write({
            ...this.#base,
            seq,
            kind,
            records: items.map((item) => item.record),
          });
          manifest.addPart(
            { seq, kind, records: items.length, sha256: receipt.sha256, location: receipt.location },
            items.map((item) => item.digest),
          );
          result.bytes += receipt.bytes;
          if (kind === 'records') result.records += items.length;
          else {
            result.deadLetters += items.length;
            result.deadLetterLocations.push(receipt.location);
          }
          pending[kind] = [];
        } catch (error) {
          if (!(error instanceof PartExistsError)) throw error;
          this.#options.logger.warn(
            { location: error.location },
            'a part exists that this window never recorded (a killed run wrote it): adopting it',
          );
          taken = true;
          break;
        }
      }
      if (taken) result.adopted += await this.#adopt(seq, true);
      this.#seq = seq + 1;
      if (!taken) return;
    }
  }

  /** Reads the parts numbered `seq` back into the manifest; returns how many were found. */
  async #adopt(seq: number, adopted: boolean): Promise<number> {
    const { sink, manifest } = this.#options;
    let found = 0;
    for (const kind of KINDS) {
      if (manifest.hasPart(seq, kind)) {
        found++;
        continue;
      }
      const stored = await sink.readPart({ ...this.#base, seq, kind });
      if (!stored) continue;
      found++;
      manifest.addPart(
        { seq, kind, records: stored.length, ...(adopted ? { adopted: true } : {}) },
        stored.map((record) => this.storedDigestOf(kind, record)),
      );
    }
    this.#seq = Math.max(this.#seq, seq + 1);
    return found;
  }
}

function emptyDelivery(): PageDelivery {
  return { records: 0, deadLetters: 0, skipped: 0, bytes: 0, adopted: 0, deadLetterLocations: [] };
}
