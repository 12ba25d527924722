/**
 * The checkpoint store contract: one stream's state (position, claimed window, lease, windows awaiting
 * reconcile checks) read and written conditionally, so two runners never both advance one stream; the
 * window manifests beside the checkpoints; the keys of both.
 */
import type { DocumentStore } from './document-store.ts';

/**
 * The window a runner claimed and is delivering: `[position, to)`. It is committed before the first
 * part is written, so a successor resumes the same window with the same part numbering.
 */
export interface ClaimedWindow {
  /** End of the claimed window. */
  to: string;
  /** The next part number. */
  seq: number;
  /** Resume token inside the range being read (`''`: from the range's start). */
  resume: string;
  /** The range being read, after query-timeout splits (default: the whole window). */
  readFrom?: string | undefined;
  readTo?: string | undefined;
}

/** Who holds a stream: the runner that may write its parts until `expiresAt`. */
export interface StreamLease {
  owner: string;
  expiresAt: string;
}

/** A closed window the reconcile pass will check again for late records, at `at`. */
export interface ReconcileEntry {
  from: string;
  to: string;
  /** Checks done so far. */
  checks: number;
  at: string;
  /**
   * A count-only audit instead of a check: the records the window delivered when it was last looked at
   * (its last check, or a catch-up read past the horizon). At `at` the API's count is compared with it
   * once: what is more arrived later than the horizon — reported (`beyondHorizon`), not delivered.
   */
  audit?: number | undefined;
  /**
   * The check re-reads the window whatever the API's count says: its read was continued from a stored
   * resume token (an offset-paged read may have stepped over rows that stayed, which a count cannot see).
   */
  reread?: boolean | undefined;
  /** Failed tries of this check (a re-read or count that could not finish): the window is unverified. */
  unverified?: number | undefined;
}

/** What a checkpoint holds for one stream. */
export interface StreamState {
  /** Everything before this instant has been delivered. */
  position: string;
  /** Where the stream's first run started: a backfill fills the time before it, never after. */
  origin?: string | undefined;
  /** A backfill's end: its windows stop here. */
  until?: string | undefined;
  /** Set while a window is claimed: resume it instead of planning a new one. */
  window?: ClaimedWindow | undefined;
  /** Set while a runner works on the stream: others leave it alone until it expires. */
  lease?: StreamLease | undefined;
  /**
   * The epoch of the stream's last lease, kept after it is released: every run taking the stream holds
   * it with the next epoch. A SIEM API sink's ledger claims carry it, so a runner whose lease another
   * took over never sends a request a newer holder claimed.
   */
  leaseEpoch?: number | undefined;
  /** Closed windows within the reconcile horizon, with when each is next checked. */
  reconcile?: ReconcileEntry[] | undefined;
  /** How the last run that held the stream ended (`ctxsiem status`). */
  lastRun?: RunOutcome | undefined;
  /**
   * Records the runs holding the stream sent again to a SIEM API (possibly duplicated) that no run has
   * reported yet: committed before each such resend, reported when the run ends (`lastRun`, its
   * summary) — or, when it was killed first, by the next run that takes the stream.
   */
  unreportedDuplicates?: number | undefined;
  /** The last run that failed, kept after later runs succeed. */
  lastFailure?: { at: string; error: string } | undefined;
  updatedAt?: string;
}

/** How a run that held a stream ended. */
export interface RunOutcome {
  at: string;
  status: 'ok' | 'partial' | 'idle' | 'failed';
  records: number;
  error?: string | undefined;
  /** Records the run sent again to a SIEM API after a request whose answer was lost (`StreamSummary`). */
  possiblyDuplicated?: number | undefined;
}

export interface VersionedState {
  state: StreamState;
  /** Opaque version for the conditional write (an ETag, a generation, a file version). */
  version: string;
}

export interface CheckpointStore {
  readonly type: string;
  read(key: string): Promise<VersionedState | undefined>;
  /**
   * Writes only if the stored version still equals `ifVersion` (undefined = must not exist yet).
   * Returns the new version; throws CheckpointConflictError otherwise.
   */
  write(key: string, state: StreamState, ifVersion: string | undefined): Promise<string>;
  /** Removes a stream's checkpoint (`ctxsiem state reset`). */
  delete(key: string): Promise<void>;
  /** Lists keys under a prefix (`ctxsiem state show`); never manifest keys. */
  list(prefix?: string): Promise<string[]>;
  /**
   * Window manifests, one per window at `manifestKey(checkpoint key, window start)`: kept apart from
   * the checkpoints (`_manifests/` beside them), with the same conditional writes.
   */
  readonly manifests: DocumentStore;
}

/** Checkpoint key for one stream: tenant × source × stream. */
export function checkpointKey(tenant: string, source: string, stream: string): string {
  return `${tenant}/${source}/${stream}`;
}

/** Manifest key of the window starting at `from` of the stream at `checkpointKey`. */
export function manifestKey(streamKey: string, from: Date): string {
  return `${streamKey}/${from.toISOString().replaceAll(':', '')}`;
}
