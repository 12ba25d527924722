/** The run report names schema drift: the field, both types and how many records showed it. */
import { emptySummary } from '@ctxsiem/core';
import { describe, expect, it } from 'vitest';
import { type CollectSummary, collectExitCode, formatReport } from '../src/index.ts';

function summaryWithDrift(): CollectSummary {
  return {
    startedAt: '2024-08-06T12:00:00.000Z',
    durationMs: 1200,
    sink: 'file',
    streams: [
      {
        ...emptySummary('Applications'),
        tenant: 'acme',
        source: 'monitor',
        from: '2024-08-06T10:00:00.000Z',
        to: '2024-08-06T11:50:00.000Z',
        records: 3,
        pages: 1,
        windows: 2,
        bytes: 900,
        lagSeconds: 600,
        status: 'ok',
        drift: [{ field: 'Enabled', expected: 'Edm.Boolean', found: 'a string', records: 3 }],
      },
    ],
    logs: [],
    sources: [],
    totals: {
      records: 3,
      deadLetters: 0,
      pages: 1,
      bytes: 900,
      failed: [],
      busy: [],
      blocked: [],
      lateRecords: 0,
    },
    deadLetters: [],
    tenantFailures: [],
    budgetExhausted: false,
  };
}

describe('the run report', () => {
  it('explains telemetry documents left to settle, and says nothing of them when there are none', () => {
    const summary = summaryWithDrift();
    summary.sources = [
      { tenant: 'acme', source: 'licensing', metrics: { documentsRead: 4, documentsSettling: 2 } },
    ];
    expect(formatReport(summary)).toContain(
      'acme/licensing: 2 telemetry documents modified too recently are left for the next run — a file may still be being written (telemetry.settleSeconds, default 60)',
    );
    summary.sources = [
      { tenant: 'acme', source: 'licensing', metrics: { documentsRead: 4, documentsSettling: 0 } },
    ];
    expect(formatReport(summary)).not.toContain('left for the next run');
  });

  it('says which field drifted from the model, with both types, and that the records were delivered', () => {
    expect(formatReport(summaryWithDrift())).toContain(
      'SCHEMA DRIFT acme/monitor/Applications: Enabled held a string where the model says Edm.Boolean (3 records, delivered as they are)',
    );
    const clean = summaryWithDrift();
    delete clean.streams[0]!.drift;
    expect(formatReport(clean)).not.toContain('SCHEMA DRIFT');
  });

  it('names the records sent again to a SIEM API that it may hold twice', () => {
    const summary = summaryWithDrift();
    summary.streams[0]!.possiblyDuplicated = 40;
    expect(formatReport(summary)).toContain(
      'POSSIBLY DUPLICATED acme/monitor/Applications: 40 records sent again, byte-identical',
    );
    expect(formatReport(summaryWithDrift())).not.toContain('POSSIBLY DUPLICATED');
  });

  it('names the closed windows whose reconcile check could not finish', () => {
    const summary = summaryWithDrift();
    summary.streams[0]!.unverifiedWindows = 3;
    expect(formatReport(summary)).toContain(
      'UNVERIFIED acme/monitor/Applications: 3 closed window(s) whose reconcile check could not finish',
    );
    expect(formatReport(summaryWithDrift())).not.toContain('UNVERIFIED');
  });

  it('names a stream blocked by the lease of a run that looks dead, apart from a busy one', () => {
    const summary = summaryWithDrift();
    summary.streams[0]!.status = 'blocked';
    summary.streams[0]!.error =
      'another runner (host:42:ab) holds this stream until 2024-08-06T12:10:00.000Z — held by process 42 of this host, which is gone (killed?)';
    const report = formatReport(summary);
    expect(report).toContain(
      'BLOCKED acme/monitor/Applications: another runner (host:42:ab) holds this stream until 2024-08-06T12:10:00.000Z',
    );
    expect(report).not.toContain('BUSY');
  });

  it('exits 1 for a failure, 3 for a blocked stream, 0 for a busy one', () => {
    const summary = summaryWithDrift();
    expect(collectExitCode(summary)).toBe(0);
    summary.totals.busy = ['acme/monitor/Applications'];
    expect(collectExitCode(summary)).toBe(0);
    summary.totals.blocked = ['acme/monitor/Applications'];
    expect(collectExitCode(summary, 4)).toBe(3);
    summary.totals.failed = ['acme/monitor/Sessions'];
    expect(collectExitCode(summary)).toBe(1);
  });
});
