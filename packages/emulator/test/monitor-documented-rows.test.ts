/**
 * The emulator cannot drift from Citrix's model again: every row it serves, in every one of the entity
 * sets Citrix's OpenAPI publishes, over a whole day, is exactly a row as that document types it
 * (`documentedRowSchema`: every property, of its type, required ones set, nothing else), and keys are
 * unique.
 */
import { documentedRowSchema, monitorModel } from '@ctxsiem/monitor-model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, MONITOR_ENTITY_SETS, startEmulator } from '../src/index.ts';

const NOW = Date.UTC(2024, 7, 7, 6, 0);
const HOUR = 3_600_000;
/** A day up to now, and the start of yesterday (the last day slot a day summary has published). */
const DAY = { from: new Date(NOW - 30 * HOUR), to: new Date(NOW) };

describe('rows as Citrix documents them', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ now: () => NOW, sessionsPerHour: 60 });
  });
  afterAll(() => emulator.close());

  it('serves all 74 entity sets of the model, and no other', () => {
    expect(MONITOR_ENTITY_SETS.map((d) => d.name).sort()).toEqual([...monitorModel().keys()].sort());
    expect(emulator.data.entitySets()).toHaveLength(74);
  });

  it('serves, for a day of every set, only rows of the documented types and keys', () => {
    const failures: string[] = [];
    for (const set of monitorModel().values()) {
      const schema = documentedRowSchema(set);
      const keys = new Set<string | number>();
      let rows = 0;
      for (const row of emulator.data.monitor(set.name, DAY)) {
        rows++;
        const parsed = schema.safeParse(row);
        if (!parsed.success && failures.length < 20)
          failures.push(
            `${set.name}: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
          );
        const key = emulator.data.recordKey(set.name, row);
        if (keys.has(key)) failures.push(`${set.name}: key ${key} twice`);
        keys.add(key);
      }
      if (rows === 0) failures.push(`${set.name}: no rows in a day`);
    }
    expect(failures).toEqual([]);
  });

  it('would refuse a row typed as the emulator once served it', () => {
    const applications = documentedRowSchema(monitorModel().get('Applications')!);
    const [row] = emulator.data.monitor('Applications', { from: new Date(0), to: new Date(NOW) });
    expect(applications.safeParse(row).success).toBe(true);
    expect(applications.safeParse({ ...row, Id: 7 }).success).toBe(false);
    expect(applications.safeParse({ ...row, Extra: 1 }).success).toBe(false);
    const metric = documentedRowSchema(monitorModel().get('MachineMetric')!);
    const [sample] = emulator.data.monitor('MachineMetric', DAY);
    expect(metric.safeParse({ ...sample, Id: 1 }).success).toBe(false);
    expect(metric.safeParse({ ...sample, Iops: null }).success).toBe(false);
  });
});
