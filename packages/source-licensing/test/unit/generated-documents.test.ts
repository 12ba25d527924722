/**
 * The emulator's licensing telemetry documents, read with this package's parsers: every valid event and
 * element yields its record, every event the generator broke is refused naming the field it broke, and a
 * broken upload is refused as a whole — the ground truth a telemetry stream is tested against.
 */
import { licensingTelemetry } from '@ctxsiem/emulator';
import { describe, expect, it } from 'vitest';
import { licenseServerRecords } from '../../src/license-server.ts';
import { telemetryRecord } from '../../src/telemetry-events.ts';

const documents = licensingTelemetry({
  seed: 7,
  customerId: 'acme',
  from: new Date('2026-03-01T00:00:00Z'),
  days: 12,
  invalidOneIn: 9,
});

describe('generated licensing telemetry documents', () => {
  it('are three a day: the License Server upload, CVAD events, SPA events', () => {
    expect(documents).toHaveLength(36);
    expect(documents.slice(0, 3).map((d) => d.name)).toEqual([
      'license-server-2026-03-01.xml',
      'cvad-license-events-2026-03-01.json',
      'spa-events-2026-03-01.json',
    ]);
    expect(documents.some((d) => d.problems.length > 0)).toBe(true);
    expect(
      licensingTelemetry({
        seed: 7,
        customerId: 'acme',
        from: new Date('2026-03-01T00:00:00Z'),
        days: 12,
        invalidOneIn: 9,
      }),
    ).toEqual(documents);
  });

  it('parse into exactly the records the generator counts, the broken parts refused with their field', () => {
    for (const document of documents) {
      if (document.name.endsWith('.xml')) {
        const result = licenseServerRecords(document.content);
        if (document.problems.length > 0)
          expect('error' in result && result.error, document.name).toMatch(
            /Metadata\/Product: must be LicenseServerCompliance/,
          );
        else expect('records' in result && result.records.length, document.name).toBe(document.records);
        continue;
      }
      const events = JSON.parse(document.content) as unknown[];
      const results = events.map(telemetryRecord);
      const refused = results.flatMap((result, index) =>
        'error' in result ? [{ index, error: result.error }] : [],
      );
      expect(
        refused.map((r) => r.index),
        document.name,
      ).toEqual(document.problems.map((p) => p.index));
      for (const [i, problem] of document.problems.entries())
        expect(refused[i]!.error, document.name).toContain(`${problem.field}:`);
      expect(results.length - refused.length).toBe(document.records);
    }
  });
});
