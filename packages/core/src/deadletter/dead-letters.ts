/**
 * Dead letters after the run: what a sink holds (`ctxsiem deadletter list`), and delivering what now
 * passes (`ctxsiem deadletter replay`).
 *
 * A dead-letter part holds the records of one part number of one window that failed their stream's
 * schema when read, each `{reason, stream, tenant, record, rejectedBy}`. Replaying it runs every record
 * through the path collection runs it through, as it is now (a schema fixed in a later version, a record
 * corrected by hand): what the source rejected itself is made a record again by the source's own parse
 * and normalisation (`PullStream.recover`; a stream without one has those dead letters not replayed),
 * then the stream's schema and the sink's own limits (`Sink.refuse`) — and writes those that pass, in
 * the stream's record shape and tagged with the tenant like any delivered record, as a data part
 * beside the window's own: `part-…-{tenant}-replay{round}`. Parts stay create-only, and a replay is
 * idempotent: it first reads the rounds written before (by any replay, finished, killed or running at
 * the same time), and writes only records none of them holds, as the next round. Dead-letter parts are
 * kept as they are: they record what was refused and why.
 */

import type { PullStream } from '../contracts/pull-source.ts';
import type { JsonRecord } from '../contracts/records.ts';
import { deliveredColumns } from '../contracts/records.ts';
import type { ListedPart, PartName, Sink } from '../contracts/sink.ts';
import { sourceRecordOf, streamRecordDigest } from '../encoding/record-digest.ts';
import { PartExistsError } from '../errors/errors.ts';
import { partNumber } from '../layout/layout.ts';
import type { Logger } from '../logging/logger.ts';

/** How many distinct reasons a report keeps per part. */
const REASONS_KEPT = 3;
/** Replays of one part that may lose the race for a round to another replay before this one gives up. */
const ROUND_ATTEMPTS = 5;

/** What re-validating a dead letter needs: the stream's schema and identity, and the tenant tag. */
export interface ReplayTarget {
  stream: Pick<PullStream, 'schema' | 'identity' | 'cursorField' | 'recover' | 'columns'>;
  /** Field delivered records carry the tenant in (the source's `tenantField`). */
  tenantField?: string | undefined;
}

/** One dead-letter part, as listed or replayed. */
export interface DeadLetterReport {
  location: string;
  /** `tenant/source/stream`. */
  stream: string;
  /** Start of the window the records were read in. */
  windowStart: string;
  /** The part's number as its name carries it (`00003`, `p2-01200` for a partitioned log's). */
  part: string;
  /** Records the dead-letter part holds. */
  deadLetters: number;
  /** How many of them replay parts hold (written by any replay so far, this one included). */
  replayed: number;
  /** How many this replay wrote. */
  replayedNow: number;
  /** How many still fail the stream's schema (known after a replay). */
  stillInvalid: number;
  /** A few distinct reasons: as stored for `list`, as checked now for `replay`. */
  reasons: string[];
  /** The replay parts this replay wrote. */
  written: string[];
  /** Why the part could not be read or replayed; the others go on. */
  error?: string;
  /**
   * Why a replay left the part as it is without trying: its stream is not one this deployment collects
   * (a demo of other sources wrote it, a source was removed), or its records cannot be validated again.
   * Not a failure: the part stays for a deployment that can replay it.
   */
  left?: string;
}

export interface DeadLetterOptions {
  sink: Sink;
  /** Only parts whose `tenant/source/stream` starts with this. */
  select?: string | undefined;
  logger?: Logger | undefined;
  signal?: AbortSignal | undefined;
}

export interface ReplayOptions extends DeadLetterOptions {
  /**
   * The configured stream a part's records belong to; `{ leave }` with the reason when they cannot be
   * replayed here, undefined when the deployment does not collect the stream (the part is left, saying so).
   */
  target(part: PartName): ReplayTarget | { leave: string } | undefined;
}

/** Why a part of a stream the deployment does not collect is left as it is. */
const NOT_COLLECTED_HERE = 'not collected by this deployment: left as it is for one that collects the stream';

const streamPath = (part: PartName) => `${part.tenant}/${part.source}/${part.stream}`;

async function* selected(options: DeadLetterOptions): AsyncGenerator<ListedPart> {
  for await (const listed of options.sink.listDeadLetters()) {
    options.signal?.throwIfAborted();
    if (!options.select || streamPath(listed.name).startsWith(options.select)) yield listed;
  }
}

function emptyReport(listed: ListedPart): DeadLetterReport {
  return {
    location: listed.location,
    stream: streamPath(listed.name),
    windowStart: listed.name.window.from.toISOString(),
    part: partNumber(listed.name),
    deadLetters: 0,
    replayed: 0,
    replayedNow: 0,
    stillInvalid: 0,
    reasons: [],
    written: [],
  };
}

/** The name of round `round` of the replay of dead-letter part `part`. */
function replayName(part: PartName, round: number): PartName {
  return { ...part, kind: 'records', replay: round };
}

/**
 * The digests of the records every replay round of `part` written so far delivered, round by round:
 * from the sink's delivery ledger when it keeps one (a SIEM API), else by reading each round back
 * (`digestOf` digests a stored record; without it, each round's records are only counted).
 */
async function replayRounds(
  sink: Sink,
  part: PartName,
  digestOf: (stored: JsonRecord) => string = () => '',
): Promise<string[][]> {
  const rounds: string[][] = [];
  for (;;) {
    const name = replayName(part, rounds.length);
    const digests = sink.readPartDigests
      ? await sink.readPartDigests(name)
      : (await sink.readPart(name))?.map(digestOf);
    if (!digests) return rounds;
    rounds.push(digests);
  }
}

/** A one-line reason from a schema's message (zod's is a JSON list of issues). */
export function reasonLine(message: unknown): string {
  const text = typeof message === 'string' ? message : JSON.stringify(message ?? 'no reason recorded');
  try {
    const issues = JSON.parse(text) as { path?: unknown[]; message?: string }[];
    if (Array.isArray(issues) && issues.length > 0)
      return issues
        .map((issue) => `${(issue.path ?? []).join('.') || 'record'}: ${issue.message ?? 'invalid'}`)
        .join('; ');
  } catch {
    // Not JSON: the first line of the message.
  }
  return text.split('\n', 1)[0]!.slice(0, 300);
}

function keepReason(report: DeadLetterReport, reason: string): void {
  if (report.reasons.length < REASONS_KEPT && !report.reasons.includes(reason)) report.reasons.push(reason);
}

async function eachPart(
  options: DeadLetterOptions,
  visit: (listed: ListedPart, report: DeadLetterReport) => Promise<void>,
): Promise<DeadLetterReport[]> {
  const reports: DeadLetterReport[] = [];
  for await (const listed of selected(options)) {
    const report = emptyReport(listed);
    try {
      await visit(listed, report);
    } catch (error) {
      if (options.signal?.aborted) throw error;
      report.error = (error as Error).message;
      options.logger?.warn({ location: listed.location, err: error }, 'could not handle a dead-letter part');
    }
    reports.push(report);
  }
  return reports;
}

/** Every dead-letter part with its record count, stored reasons, and how many were replayed. */
export function listDeadLetters(options: DeadLetterOptions): Promise<DeadLetterReport[]> {
  return eachPart(options, async ({ name }, report) => {
    const deadLetters = (await options.sink.readPart(name)) ?? [];
    report.deadLetters = deadLetters.length;
    for (const letter of deadLetters) keepReason(report, reasonLine(letter.reason));
    // A replay round only ever holds records of its part none of the earlier rounds holds.
    report.replayed = (await replayRounds(options.sink, name)).reduce((sum, round) => sum + round.length, 0);
  });
}

const isRecord = (value: unknown): value is JsonRecord =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A dead letter's record in the stream's record shape, or why it is not one: what the source rejected
 * itself (`rejectedBy: 'source'`, or unmarked where the stream can recover records) goes through the
 * stream's `recover` — a stream without one cannot say what such a record would be, so it stays.
 */
function recoverLetter(
  stream: ReplayTarget['stream'],
  letter: JsonRecord,
): { record: JsonRecord } | { reason: string } {
  const original = letter.record;
  if (!isRecord(original)) return { reason: 'not a JSON object' };
  const bySource = letter.rejectedBy === 'source';
  if (stream.recover && (bySource || letter.rejectedBy === undefined)) {
    const recovered = stream.recover(original);
    return 'reason' in recovered ? { reason: reasonLine(recovered.reason) } : recovered;
  }
  if (bySource)
    return {
      reason: `the source refused it (${reasonLine(letter.reason)}) and this stream cannot read such a record again`,
    };
  return { record: original };
}

/**
 * Re-validates every selected dead-letter part's records and writes those that pass and were never
 * replayed as the part's next replay round. Safe to run again, or twice at once.
 */
export function replayDeadLetters(options: ReplayOptions): Promise<DeadLetterReport[]> {
  const { sink, logger } = options;
  return eachPart(options, async ({ name }, report) => {
    const deadLetters = (await sink.readPart(name)) ?? [];
    report.deadLetters = deadLetters.length;
    const target = options.target(name) ?? { leave: NOT_COLLECTED_HERE };
    if ('leave' in target) {
      report.left = target.leave;
      return;
    }
    const { stream, tenantField } = target;
    for (let attempt = 1; ; attempt++) {
      const rounds = await replayRounds(sink, name, (stored) =>
        streamRecordDigest(stream, sourceRecordOf('records', stored, tenantField)),
      );
      const replayed = new Set(rounds.flat());

      const pending: JsonRecord[] = [];
      const pendingDigests: string[] = [];
      let already = 0;
      let invalid = 0;
      report.reasons = [];
      for (const letter of deadLetters) {
        const recovered = recoverLetter(stream, letter);
        if ('reason' in recovered) {
          invalid++;
          keepReason(report, recovered.reason);
          continue;
        }
        const original = recovered.record;
        const digest = streamRecordDigest(stream, original);
        if (replayed.has(digest)) {
          already++;
          continue;
        }
        const checked = stream.schema?.safeParse(original);
        if (checked && !checked.success) {
          invalid++;
          keepReason(report, reasonLine(checked.error.message));
          continue;
        }
        const tagged = tenantField ? { ...original, [tenantField]: name.tenant } : original;
        const refused = sink.refuse?.(tagged);
        if (refused !== undefined) {
          invalid++;
          keepReason(report, reasonLine(refused));
          continue;
        }
        replayed.add(digest);
        pending.push(tagged);
        pendingDigests.push(digest);
      }
      report.stillInvalid = invalid;
      report.replayed = already;
      if (pending.length === 0) return;

      const round = rounds.length;
      try {
        const receipt = await sink.write({
          ...replayName(name, round),
          records: pending,
          digests: pendingDigests,
          timeField: stream.cursorField,
          // A sink whose tables declare fields sends what they declare (and reports the rest): as collection does.
          columns: deliveredColumns(stream.columns, tenantField),
        });
        // What a SIEM API refused for its content stays a dead letter (and is offered again next time).
        const refused = (receipt.refused ?? []).reduce((sum, range) => sum + range.end - range.start, 0);
        for (const range of receipt.refused ?? []) keepReason(report, reasonLine(range.reason));
        report.stillInvalid += refused;
        report.replayed += pending.length - refused;
        if (receipt.created) {
          report.replayedNow = pending.length - refused;
          report.written.push(receipt.location);
          logger?.info(
            { location: receipt.location, records: pending.length, deadLetters: report.location },
            'replayed dead letters',
          );
        }
        return;
      } catch (error) {
        // Another replay wrote this round first: read the rounds again and write what is left.
        if (!(error instanceof PartExistsError) || attempt >= ROUND_ATTEMPTS) throw error;
        logger?.info({ round, deadLetters: report.location }, 'another replay wrote this round first');
      }
    }
  });
}
