/**
 * DaaS operations in Microsoft's `CitrixDaaSConfigOps_CL`, as Azure stores them: the emulator's
 * operations through the Azure Monitor sink into the Logs Ingestion contract server, which loads the
 * generated data collection rule, runs its transform and drops what Azure drops silently. Every column
 * of Microsoft's table (its published definition, `MICROSOFT_DAAS_CONFIG_OPS`, with its source) is
 * filled with its type, and nothing an operation carries is lost: a field the source's model does not
 * know is kept in `AdditionalFields`, which the generated transform projects beside Microsoft's columns.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type JsonRecord, ManualClock, silentLogger, systemClock } from '@ctxsiem/core';
import { startEmulator } from '@ctxsiem/emulator';
import { startAzureMonitorApi } from '@ctxsiem/local-services';
import { azureMonitorSink, dcrDeclaration, MICROSOFT_DAAS_CONFIG_OPS } from '@ctxsiem/sink-azure-monitor';
import { fileCheckpointStore } from '@ctxsiem/sink-file';
import { ingestionBatch } from '@ctxsiem/test-kit';
import { expect, it } from 'vitest';
import { daasConfigLogSource, TENANT_FIELD } from '../../src/index.ts';

const NOW = Date.parse('2026-03-15T12:20:00Z');

it('fills every column of Microsoft’s CitrixDaaSConfigOps_CL with its type, and drops nothing', async () => {
  const emulator = await startEmulator({ seed: 31, now: () => NOW });
  const api = await startAzureMonitorApi();
  const directory = await mkdtemp(join(tmpdir(), 'ctxsiem-configops-'));
  try {
    const source = daasConfigLogSource(
      { options: { type: 'daasconfiglog' }, connection: emulator.connection },
      { logger: silentLogger(), clock: new ManualClock(new Date(NOW)) },
    );
    const stream = source.streams.find((s) => s.name === 'operations')!;
    await source.close();
    const input = {
      source: 'daasconfiglog',
      stream: stream.name,
      columns: stream.columns!,
      timeField: stream.cursorField,
      tenantField: TENANT_FIELD,
      table: stream.azureTable,
    };
    api.loadDcr(dcrDeclaration([input]));
    const day = { from: new Date(NOW - 24 * 3_600_000), to: new Date(NOW) };
    const records: JsonRecord[] = emulator.data
      .configLog('demo', day)
      .map((operation) => ({ ...operation, [TENANT_FIELD]: 'demo' }));
    expect(records.length).toBeGreaterThan(0);
    // A field the API adds one day, which the source's model does not know yet.
    records[0] = { ...records[0], ApprovalState: 'Approved' };
    const sink = azureMonitorSink(api.connection, {
      logger: silentLogger(),
      clock: systemClock,
      documents: fileCheckpointStore({ directory }).manifests,
    });
    await sink.write(
      ingestionBatch(records, {
        source: 'daasconfiglog',
        stream: 'operations',
        timeField: stream.cursorField,
        columns: [...stream.columns!, { name: TENANT_FIELD, type: 'string' }],
      }),
    );
    expect(api.drops).toEqual({});
    const rows = api.rows.get(MICROSOFT_DAAS_CONFIG_OPS.table)!;
    expect(rows).toHaveLength(records.length);
    const finished = rows.filter((row) => row.EndTime !== null);
    expect(finished.length).toBeGreaterThan(0);
    for (const row of finished)
      for (const column of MICROSOFT_DAAS_CONFIG_OPS.columns) {
        const value = row[column.name];
        expect(value, `${column.name} of ${String(row.OperationId)}`).not.toBeNull();
        const kind = { string: 'string', datetime: 'string', boolean: 'boolean' }[column.type as string];
        expect(typeof value, column.name).toBe(kind);
      }
    expect(rows[0]!.CitrixCustomerId).toBe('demo');
    // Kept beside Microsoft's columns, not dropped.
    expect(rows[0]!.AdditionalFields).toEqual({ ApprovalState: 'Approved' });
  } finally {
    await api.close();
    await emulator.close();
    await rm(directory, { recursive: true, force: true });
  }
});
