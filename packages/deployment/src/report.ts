/** The human-readable run report. */
import type { CollectSummary } from './collect.ts';
import { formatTable } from './table.ts';

export function formatReport(summary: CollectSummary): string {
  const header = ['tenant', 'source', 'stream', 'from', 'to', 'records', 'pages', 'status'];
  const rows = summary.streams.map((s) => [
    s.tenant,
    s.source,
    s.stream,
    s.from,
    s.midWindow ? `${s.to} (mid-window)` : s.to,
    String(s.records),
    String(s.pages),
    s.status + (s.deadLetters ? ` (${s.deadLetters} dead-lettered)` : ''),
  ]);
  const out = rows.length > 0 ? [formatTable(header, rows), ''] : [];
  for (const log of summary.logs) {
    const streams = log.streams.map((s) => `${s.stream} ${s.records}`).join(', ');
    const partitions = log.partitions
      .map(
        (p) =>
          `p${p.partition} ${Math.max(p.committed, 0)}/${p.end}${p.lag ? ` (${p.lag} behind)` : ''}${p.owned ? '' : ' [another member]'}`,
      )
      .join(', ');
    out.push(
      `${log.tenant}/${log.source} (topic ${log.log}): ${log.records} records in ${log.batches} batches${streams ? ` — ${streams}` : ''}` +
        (log.deadLetters ? `; ${log.deadLetters} dead-lettered` : '') +
        (log.alreadyDelivered
          ? `; ${log.alreadyDelivered} delivered again after an uncommitted stop, found stored`
          : '') +
        (log.possiblyDuplicated
          ? `; POSSIBLY DUPLICATED ${log.possiblyDuplicated} records sent again, byte-identical, after a request whose answer was lost`
          : ''),
      `  committed/end: ${partitions || 'no partition assigned'}; stopped: ${log.stoppedBy}` +
        (log.status === 'failed' ? ` — FAILED: ${log.error ?? 'unknown error'} (offsets kept)` : ''),
      ...log.expired.map(
        (e) =>
          `  EXPIRED p${e.partition} offsets ${e.first}–${e.last} (${e.last - e.first + 1} messages): deleted by the topic's retention before they were delivered — lost at the source`,
      ),
      '',
    );
  }
  out.push(
    `${summary.totals.records} records${summary.totals.pages ? ` in ${summary.totals.pages} pages` : ''} to the ${summary.sink} sink in ${(summary.durationMs / 1000).toFixed(1)} s` +
      (summary.budgetExhausted ? ' (time budget reached: the next run resumes where this one stopped)' : ''),
  );
  for (const source of summary.sources) {
    const m = source.metrics;
    if (Object.keys(m).length === 0) continue;
    const parts = Object.entries(m).map(([name, value]) => `${value} ${name}`);
    out.push(`${source.tenant}/${source.source}: ${parts.join(', ')}`);
    // The licensing telemetry stream leaves a document modified too recently for the next run.
    const settling = Number(m.documentsSettling ?? 0);
    if (settling > 0)
      out.push(
        `${source.tenant}/${source.source}: ${settling} telemetry document${settling === 1 ? '' : 's'} modified too recently ${settling === 1 ? 'is' : 'are'} left for the next run — a file may still be being written (telemetry.settleSeconds, default 60)`,
      );
  }
  if (summary.totals.lateRecords > 0)
    out.push(`${summary.totals.lateRecords} of them arrived late and were delivered by the reconcile pass`);
  for (const s of summary.streams.filter((x) => x.beyondHorizon > 0))
    out.push(
      `BEYOND HORIZON ${s.tenant}/${s.source}/${s.stream}: ${s.beyondHorizon} records the API holds now arrived after their window's last reconcile check and were not delivered (raise runner.reconcileHorizonMinutes)`,
    );
  for (const s of summary.streams.filter((x) => x.unverifiedWindows > 0))
    out.push(
      `UNVERIFIED ${s.tenant}/${s.source}/${s.stream}: ${s.unverifiedWindows} closed window(s) whose reconcile check could not finish (the re-read timed out on the smallest window): tried again after a backoff, up to every 6 h — late records of theirs may not be delivered yet (ctxsiem status)`,
    );
  for (const s of summary.streams.filter((x) => x.possiblyDuplicated > 0))
    out.push(
      `POSSIBLY DUPLICATED ${s.tenant}/${s.source}/${s.stream}: ${s.possiblyDuplicated} records sent again, byte-identical, after a request whose answer was lost (a timeout, a reset, a 5xx) or that a stopped run had claimed — the API may hold them twice (the log names the requests)`,
    );
  const drifted = [
    ...summary.streams.map((s) => ({ where: `${s.tenant}/${s.source}/${s.stream}`, drift: s.drift })),
    ...summary.logs.flatMap((log) =>
      log.streams.map((s) => ({ where: `${log.tenant}/${log.source}/${s.stream}`, drift: s.drift })),
    ),
  ];
  for (const { where, drift } of drifted)
    for (const d of drift ?? [])
      out.push(
        `SCHEMA DRIFT ${where}: ${d.field} held ${d.found} where the model says ${d.expected} (${d.records} records, delivered as they are)`,
      );
  for (const s of summary.streams.filter((x) => x.status === 'blocked'))
    out.push(
      `BLOCKED ${s.tenant}/${s.source}/${s.stream}: ${s.error ?? 'a run that looks dead holds it'} (nothing delivered until then)`,
    );
  for (const s of summary.streams.filter((x) => x.status === 'busy')) {
    out.push(`BUSY ${s.tenant}/${s.source}/${s.stream}: ${s.error ?? 'another run holds it'} (left alone)`);
  }
  for (const { stream, locations } of summary.deadLetters) {
    out.push(`DEAD LETTERS ${stream}: ${locations.join(', ')}`);
  }
  if (summary.deadLetters.length > 0)
    out.push(
      'See them with `ctxsiem deadletter list`; deliver those a fixed schema accepts with `ctxsiem deadletter replay`.',
    );
  for (const { tenant, error } of summary.tenantFailures) out.push(`FAILED tenant ${tenant}: ${error}`);
  for (const s of summary.streams.filter((x) => x.status === 'failed')) {
    out.push(
      `FAILED ${s.tenant}/${s.source}/${s.stream}: ${s.error ?? 'unknown error'} (checkpoint kept at ${s.to})`,
    );
  }
  for (const s of summary.streams.filter((x) => x.status === 'conflict')) {
    out.push(`CONFLICT ${s.tenant}/${s.source}/${s.stream}: ${s.error ?? 'another runner took it over'}`);
  }
  return `${out.join('\n')}\n`;
}

/** Exit codes of a collection (`ctxsiem collect`, `backfill`): see the README. */
export const EXIT_CODES = { ok: 0, failed: 1, usage: 2, blocked: 3 } as const;

/**
 * How a collection exits: 1 when a stream failed (or ended in a conflict), else 3 when a stream is
 * blocked by a run that looks dead, else `deadLetterExitCode` (when set) when records were
 * dead-lettered, else 0 (`busy` streams included).
 */
export function collectExitCode(summary: CollectSummary, deadLetterExitCode = 0): number {
  if (summary.totals.failed.length > 0) return EXIT_CODES.failed;
  if (summary.totals.blocked.length > 0) return EXIT_CODES.blocked;
  if (summary.totals.deadLetters > 0 && deadLetterExitCode > 0) return deadLetterExitCode;
  return EXIT_CODES.ok;
}
