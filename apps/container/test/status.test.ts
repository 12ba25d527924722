/** `ctxsiem status` as a table: lag, the run holding a stream, the last run and the last failure. */
import { describe, expect, it } from 'vitest';
import { formatDeploymentStatus, formatStatus, humanDuration, type StreamStatusRow } from '../src/state.ts';

const NOW = Date.parse('2026-11-29T12:00:00Z');
const base: StreamStatusRow = {
  tenant: 'acme',
  source: 'monitor',
  stream: 'Sessions',
  position: '2026-11-29T11:00:00.000Z',
  lagSeconds: 3600,
  midWindow: false,
};

describe('ctxsiem status', () => {
  it('says how each stream stands', () => {
    const text = formatStatus(
      [
        { ...base, lastRun: { at: '2026-11-29T11:55:00.000Z', status: 'ok', records: 120 } },
        {
          ...base,
          stream: 'Machines',
          position: '2026-11-28T12:00:00.000Z',
          lagSeconds: 86_400,
          midWindow: true,
          heldBy: 'host:42:abcd1234',
          lastFailure: { at: '2026-11-29T09:00:00.000Z', error: 'HTTP 403 from Monitor\nmore detail' },
        },
      ],
      NOW,
    );
    const [header, , sessions, machines] = text.split('\n');
    expect(header).toMatch(/^tenant +source +stream +position +lag +last run +last error$/);
    expect(sessions).toMatch(/Sessions +2026-11-29T11:00:00.000Z +60 min +ok, 120 records, 5 min ago +—$/);
    expect(machines).toMatch(
      /\(mid-window\) +24.0 h +running \(host:42:abcd1234\) +3.0 h ago: HTTP 403 from Monitor$/,
    );
  });

  it('says how many records the last run sent again to a SIEM API that it may hold twice', () => {
    const text = formatStatus(
      [
        {
          ...base,
          lastRun: { at: '2026-11-29T11:55:00.000Z', status: 'ok', records: 120, possiblyDuplicated: 40 },
        },
      ],
      NOW,
    );
    expect(text).toContain('ok, 120 records (40 possibly duplicated), 5 min ago');
  });

  it('says how many closed windows could not be verified yet (their reconcile checks are retried)', () => {
    const text = formatStatus([{ ...base, unverifiedWindows: 2 }], NOW);
    expect(text).toContain('(2 window(s) not verified: checks retried)');
    expect(formatStatus([base], NOW)).not.toContain('not verified');
  });

  it('says when nothing was collected yet', () => {
    expect(formatStatus([], NOW)).toMatch(/^no checkpoints yet/);
  });

  it('reads durations in the unit an operator would', () => {
    expect([45, 600, 7200 * 1.75, 86_400 * 3].map(humanDuration)).toEqual([
      '45 s',
      '10 min',
      '3.5 h',
      '3.0 d',
    ]);
  });

  it('adds the consumer groups of stream sources: offsets, lag, or why they could not be read', () => {
    const text = formatDeploymentStatus(
      {
        streams: [{ ...base, lastRun: { at: '2026-11-29T11:55:00.000Z', status: 'ok', records: 120 } }],
        consumers: [
          {
            tenant: 'acme',
            source: 'sentinel',
            log: 'risk-acme',
            partitions: [
              { partition: 0, committed: 1_200, start: 0, end: 1_250, lag: 50 },
              { partition: 1, committed: -1, start: 0, end: 3_000, lag: 3_000 },
            ],
            lagMessages: 3_050,
          },
          {
            tenant: 'globex',
            source: 'sentinel',
            log: 'risk-globex',
            partitions: [],
            lagMessages: 0,
            error: 'SASL authentication failed for user cas-globex\nmore',
          },
        ],
      },
      NOW,
    );
    const lines = text.split('\n');
    expect(lines[2]).toMatch(/^acme +monitor +Sessions/);
    const consumers = lines.findIndex((line) =>
      /^tenant +source +topic +partitions +committed +end +lag$/.test(line),
    );
    expect(consumers).toBeGreaterThan(2);
    expect(lines[consumers + 2]).toMatch(/^acme +sentinel +risk-acme +2 +1,200 +4,250 +3,050 messages$/);
    expect(lines[consumers + 3]).toMatch(
      /^globex +sentinel +risk-globex +— +— +— +unavailable: SASL authentication failed for user cas-globex$/,
    );
  });

  it('shows only the pull streams when there is no stream source', () => {
    expect(formatDeploymentStatus({ streams: [], consumers: [] }, NOW)).toMatch(/^no checkpoints yet/);
  });
});
