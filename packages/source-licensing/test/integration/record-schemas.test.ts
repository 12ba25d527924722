/**
 * The JSON Schema of each licensing stream's records (from the columns the Azure tables are made of),
 * checked with a JSON Schema validator against what a run really stored — and every field of every
 * stored record a declared column: the emulator's usage,
 * history and Concurrent usage (a tenant licensed under both models), and the telemetry of generated documents.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, recordJsonSchema, run, silentLogger } from '@ctxsiem/core';
import { licensingTelemetry, startEmulator } from '@ctxsiem/emulator';
import { fileCheckpointStore, fileSink, readStoredRecords } from '@ctxsiem/sink-file';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { licensingSource, TENANT_FIELD } from '../../src/index.ts';

describe('the JSON Schema of the licensing records', () => {
  it('accepts every record of every stream a run stored, and refuses a record of the wrong shape', async () => {
    const clock = new ManualClock(new Date('2026-03-15T00:30:00Z'));
    const emulator = await startEmulator({
      seed: 9,
      now: () => clock.now(),
      customers: [{ customerId: 'demo', clientId: 'demo', clientSecret: 'demo', licenseModel: 'both' }],
    });
    const directory = await mkdtemp(join(tmpdir(), 'ctxsiem-licensing-schemas-'));
    try {
      const documents = join(directory, 'incoming');
      await mkdir(documents);
      for (const document of licensingTelemetry({
        seed: 9,
        customerId: emulator.connection.customerId,
        from: new Date('2026-03-13T00:00:00Z'),
        days: 2,
      }))
        await writeFile(join(documents, document.name), document.content);
      const checkpoints = fileCheckpointStore({ directory: join(directory, 'state') });
      const source = licensingSource(
        {
          options: {
            type: 'licensing',
            licenseModel: 'both',
            telemetry: { location: documents, settleSeconds: 0 },
          },
          connection: emulator.connection,
        },
        { logger: silentLogger(), clock, documents: checkpoints.manifests },
      );
      const sink = fileSink({ directory: join(directory, 'out') }, { logger: silentLogger(), clock });
      const summary = await run({ source, sink, checkpoints, logger: silentLogger(), clock });
      await source.close();
      expect(summary.streams.map((s) => s.status)).toEqual(['ok', 'ok', 'ok', 'ok']);

      const ajv = new Ajv2020({ strict: true, allErrors: true });
      addFormats.default(ajv);
      for (const stream of source.streams) {
        const schema = recordJsonSchema({
          title: `licensing/${stream.name}`,
          columns: stream.columns!,
          timeField: stream.cursorField,
          tenantField: TENANT_FIELD,
        });
        const validate = ajv.compile(schema);
        const stored = await readStoredRecords(join(directory, 'out', stream.name));
        expect(stored.length, stream.name).toBeGreaterThan(0);
        for (const record of stored) expect(validate(record), ajv.errorsText(validate.errors)).toBe(true);
        // Every field is a column: a SIEM table declaring the columns (Azure's) drops none of them.
        const declared = new Set([...stream.columns!.map((c) => c.name), TENANT_FIELD]);
        const undeclared = new Set(
          stored.flatMap((record) => Object.keys(record)).filter((f) => !declared.has(f)),
        );
        expect([...undeclared], stream.name).toEqual([]);
        const wrong = { ...stored[0], [stream.columns!.find((c) => c.type === 'datetime')!.name]: 'soon' };
        expect(validate(wrong)).toBe(false);
        expect(validate({ ...stored[0], [TENANT_FIELD]: undefined })).toBe(false);
      }
    } finally {
      await emulator.close();
      await rm(directory, { recursive: true, force: true });
    }
  });
});
