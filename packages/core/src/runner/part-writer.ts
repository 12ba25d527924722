/**
 * Writes a window's pages as parts, so that each record reaches the sink once:
 *
 * - records are validated (failures become dead letters with the reason) and tagged with the tenant;
 *   records a SIEM API refused for their content (`Receipt.refused`) become the part's dead letters
 *   with the API's reason;
 * - parts are written create-only, numbered on from the window's last part. When a part number is
 *   already taken by content this writer did not send, a killed run wrote that part and never recorded
 *   it: the writer **adopts** it (reads it back and adds its records' digests to the manifest) and
 *   writes what is still undelivered as the next part;
 * - every record's digest is checked against the window's: a record delivered already — by an earlier
 *   page of this read (an API paging by offset over rows that arrive meanwhile serves a row twice), by
 *   a stopped or killed run, or by an earlier read of the window (a refused resume token, a split, the
 *   reconcile pass) — is skipped. Before its first page the writer reads back every part it has no
 *   digests for (the manifest is saved lazily, so a killed run's last parts may be missing from it).
 *
 * The digests of the window being written are held in memory as bytes (`DigestSet`: 9 bytes of hash
 * each plus its index, about 17 bytes a record).
 */

import type { PullStream, RejectedRecord } from '../contracts/pull-source.ts';
import type { Column, JsonRecord } from '../contracts/records.ts';
import { deliveredColumns } from '../contracts/records.ts';
import { addDrift, type DriftCount } from '../contracts/schema-drift.ts';
import type { DeliveryFence, PartIdentity, Receipt, Sink } from '../contracts/sink.ts';
import { sourceRecordOf, streamRecordDigest } from '../encoding/record-digest.ts';
import { PartExistsError } from '../errors/errors.ts';
import type { Logger } from '../logging/logger.ts';
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
  /** Why the first dead letter of the page was refused. */
  deadLetterReason?: string;
  /** Fields delivered with a value the model does not expect, and in how many records. */
  drift: DriftCount[];
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
  /** The writer's lease for a SIEM API sink's requests (renewed and checked before each attempt). */
  fence?: DeliveryFence | undefined;
  logger: Logger;
}

export class PartWriter {
  #seq: number;
  /** True once the window's digests are complete up to `#seq`: every page is then filtered. */
  #deduplicating = false;
  readonly #options: PartWriterOptions;
  readonly #base: Omit<PartIdentity, 'seq' | 'kind'>;
  /** The stream's columns and the tenant tag, handed to the sink with each part. */
  readonly #columns: readonly Column[] | undefined;

  constructor(options: PartWriterOptions) {
    this.#options = options;
    this.#seq = Math.max(options.seq, options.manifest.nextSeq);
    options.manifest.partsUpTo(this.#seq);
    const { tenant, source, stream, manifest } = options;
    this.#base = { tenant, source, stream: stream.name, window: manifest.window };
    this.#columns = deliveredColumns(stream.columns, options.tenantField);
  }

  /** The next part number. */
  get seq(): number {
    return this.#seq;
  }

  /** The digest of a record as the source returned it. */
  digestOf(record: JsonRecord): string {
    return streamRecordDigest(this.#options.stream, record);
  }

  /** The digest of a record as stored in a part of `kind` (tenant tag removed, dead letter unwrapped). */
  storedDigestOf(kind: Kind, stored: JsonRecord): string {
    return streamRecordDigest(
      this.#options.stream,
      sourceRecordOf(kind, stored, this.#options.tenantField) ?? {},
    );
  }

  /**
   * Reads back every part numbered from the manifest's `digestedThrough` up to the next part number
   * (the parts it has no digests for: written by a run that stopped before saving the manifest, or by a
   * killed run), so that every page is filtered against everything the window delivered. Returns how
   * many parts were read back. `deliver` calls it before its first page.
   */
  async startDeduplicating(): Promise<number> {
    if (this.#deduplicating) return 0;
    const { manifest } = this.#options;
    let found = 0;
    for (let seq = manifest.document.digestedThrough; seq < this.#seq; seq++)
      found += await this.#adopt(seq, false);
    manifest.digestedUpTo(this.#seq);
    this.#deduplicating = true;
    return found;
  }

  /**
   * Validates, de-duplicates where needed, and writes one page's records (as the source returned them),
   * with what the source rejected itself as dead letters.
   */
  async deliver(
    records: readonly JsonRecord[],
    rejected: readonly RejectedRecord[] = [],
  ): Promise<PageDelivery> {
    const { stream, tenant, tenantField, manifest, sink } = this.#options;
    const result = emptyDelivery();
    const pending: Record<Kind, Pending[]> = { records: [], deadletter: [] };
    // Digests only where a record may have been delivered already: a re-read, or after an adoption.
    // Before the first page: the digests of the parts written earlier (by a run that stopped or was
    // killed, or a read of this window that is now repeated) must be known to filter against them.
    await this.startDeduplicating();
    const seen = new Set<string>();
    // Each record once: its digest, the window's check, the schema, the tenant tag.
    const take = (record: JsonRecord, rejection: string | undefined) => {
      const digest = this.digestOf(record);
      if (seen.has(digest) || manifest.digests.has(digest)) {
        result.skipped++;
        return;
      }
      seen.add(digest);
      const checked = rejection === undefined ? stream.schema?.safeParse(record) : undefined;
      const tagged = tenantField ? { ...record, [tenantField]: tenant } : record;
      // Not refused by the source, valid, and a record the sink can take (an API's request limit): else
      // a dead letter with why.
      const invalid = checked !== undefined && !checked.success;
      const reason = rejection ?? (invalid ? checked.error.message : sink.refuse?.(tagged));
      if (reason !== undefined) {
        result.deadLetterReason ??= reason;
        // Who refused it tells `deadletter replay` which path the record takes again.
        const rejectedBy = rejection !== undefined ? 'source' : invalid ? 'schema' : 'sink';
        pending.deadletter.push({
          digest,
          record: { reason, stream: stream.name, tenant, rejectedBy, record },
        });
      } else {
        if (checked?.success && checked.drift) addDrift(result.drift, checked.drift);
        pending.records.push({ digest, record: tagged });
      }
    };
    for (const record of records) take(record, undefined);
    for (const { record, reason } of rejected) take(record, reason);
    await this.#write(pending, result);
    return result;
  }

  async #write(pending: Record<Kind, Pending[]>, result: PageDelivery): Promise<void> {
    const { sink, manifest } = this.#options;
    // `deliver` filtered the page against the window's digests; a part adopted since adds digests.
    for (let adopted = false; ; adopted = true) {
      if (adopted)
        for (const kind of KINDS)
          pending[kind] = pending[kind].filter((p) => !manifest.digests.has(p.digest));
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
            digests: items.map((item) => item.digest),
            timeField: this.#options.stream.cursorField,
            columns: this.#columns,
            ...(this.#options.fence ? { fence: this.#options.fence } : {}),
          });
          if (kind === 'records')
            for (const item of receipt.drift ?? []) addDrift(result.drift, [item], item.records);
          // Records a SIEM API refused for their content were not delivered: they become this part
          // number's dead letters, with the API's reason (the same on every write of the part).
          const refused = kind === 'records' ? refusedItems(items, receipt.refused) : [];
          const out = new Set(refused.map(({ item }) => item));
          const kept = out.size === 0 ? items : items.filter((item) => !out.has(item));
          manifest.addPart(
            { seq, kind, records: kept.length, sha256: receipt.sha256, location: receipt.location },
            kept.map((item) => item.digest),
          );
          if (!receipt.created) {
            // The part was there already with exactly these records (a run killed after writing it):
            // they were delivered then, not now.
            result.skipped += kept.length;
          } else if (kind === 'records') {
            result.bytes += receipt.bytes;
            result.records += kept.length;
          } else {
            result.bytes += receipt.bytes;
            result.deadLetters += items.length;
            result.deadLetterLocations.push(receipt.location);
          }
          pending[kind] = [];
          for (const { item, reason } of refused) {
            result.deadLetterReason ??= reason;
            pending.deadletter.push({
              digest: item.digest,
              record: {
                reason,
                stream: this.#options.stream.name,
                tenant: this.#options.tenant,
                rejectedBy: 'sink',
                record: sourceRecordOf('records', item.record, this.#options.tenantField) as JsonRecord,
              },
            });
          }
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
      manifest.partsUpTo(this.#seq);
      manifest.digestedUpTo(this.#seq);
      if (!taken) return;
    }
  }

  /**
   * The digests of the records part `seq` of `kind` delivered, or undefined when there is no such part:
   * from the sink's delivery ledger when it keeps one (a SIEM API), else by reading the part back.
   */
  async #storedDigests(seq: number, kind: Kind): Promise<string[] | undefined> {
    const { sink } = this.#options;
    const part = { ...this.#base, seq, kind };
    if (kind === 'records' && sink.readPartDigests) return sink.readPartDigests(part, this.#options.fence);
    const stored = await sink.readPart(part);
    return stored?.map((record) => this.storedDigestOf(kind, record));
  }

  /**
   * Reads the parts numbered `seq` back into the manifest, with their digests; returns how many were
   * found. `adopted`: found taken by a killed run's part (listed parts are already known then);
   * otherwise every part is read, listed or not: a listed part's digests may not have been saved.
   */
  async #adopt(seq: number, adopted: boolean): Promise<number> {
    const { manifest } = this.#options;
    let found = 0;
    for (const kind of KINDS) {
      if (adopted && manifest.hasPart(seq, kind)) {
        found++;
        continue;
      }
      const digests = await this.#storedDigests(seq, kind);
      if (!digests) continue;
      found++;
      manifest.addPart(
        { seq, kind, records: digests.length, ...(adopted ? { adopted: true } : {}) },
        digests,
      );
    }
    this.#seq = Math.max(this.#seq, seq + 1);
    manifest.partsUpTo(this.#seq);
    return found;
  }
}

/** The items of a part a SIEM API refused (`Receipt.refused`), each with the API's reason. */
function refusedItems(
  items: readonly Pending[],
  refused: Receipt['refused'],
): { item: Pending; reason: string }[] {
  return (refused ?? []).flatMap(({ start, end, reason }) =>
    items.slice(start, end).map((item) => ({ item, reason })),
  );
}

function emptyDelivery(): PageDelivery {
  return { records: 0, deadLetters: 0, skipped: 0, bytes: 0, adopted: 0, deadLetterLocations: [], drift: [] };
}
