/**
 * Discovering entity sets from the service's `$metadata` (`ctxsiem preview --list-streams`): every set the
 * emulator's model publishes, with its key, its cursor column and lag from the source's one table (or a
 * configured override), and whether the configuration collects it.
 */
import { MONITOR_ENTITY_SETS } from '@ctxsiem/emulator';
import { afterEach, describe, expect, it } from 'vitest';
import { monitorModel, parseMetadata } from '../src/odata-model.ts';
import { type MonitorHarness, monitorHarness } from './harness.ts';

let harness: MonitorHarness;
afterEach(async () => {
  await harness?.cleanup();
});

describe('entity sets discovered from $metadata', () => {
  it('lists every set the service publishes with its key, cursor column and lag, and what is collected', async () => {
    harness = await monitorHarness();
    const source = harness.source({ entities: ['Sessions', 'MachineMetric'] });
    const listed = await source.listStreams();
    expect(listed.map((s) => s.name)).toEqual(
      MONITOR_ENTITY_SETS.map((d) => d.name).sort((a, b) => a.localeCompare(b)),
    );
    expect(listed).toHaveLength(74);
    for (const set of MONITOR_ENTITY_SETS) {
      const stream = listed.find((s) => s.name === set.name)!;
      expect(stream, set.name).toMatchObject({
        key: set.keys.join(', '),
        cursorField: set.cursor,
        fields: set.properties.length,
        verifiedBy: set.model.keysInferred ? 'Citrix OpenAPI (key inferred)' : 'Citrix OpenAPI',
      });
      expect(stream.collected).toBe(['Sessions', 'MachineMetric'].includes(set.name));
      const collection = set.model.collection;
      if (collection.mode === 'snapshot') {
        expect(stream, set.name).toMatchObject({ snapshot: true, lagMinutes: 0 });
        continue;
      }
      // Modification and service-recorded times lag 10 minutes, event and sample times 30, a summary
      // slot its length and 30.
      const lag =
        collection.kind === 'summary'
          ? (collection.slotMinutes ?? 60) + 30
          : collection.kind === 'modified' || collection.cursor === 'CreatedDate'
            ? 10
            : 30;
      expect(stream.lagMinutes, set.name).toBe(lag);
    }
    expect(listed.filter((s) => s.snapshot).map((s) => s.name)).toEqual([
      'LhcReport',
      'ProbeRuleApplications',
      'ProbeRuleDesktop',
      'ProbeRuleEndpoints',
      'ProbeStages',
      'PublishedDesktopNames',
    ]);
    // One request, through the client: the lock, the token, the origin guard.
    expect(harness.emulator.stats().log.filter((e) => e.path === '/monitorodata/$metadata')).toHaveLength(1);
  });

  it('knows, without a call, the model the service publishes: the snapshot equals the served $metadata', async () => {
    harness = await monitorHarness();
    const served = parseMetadata(await harness.source().client.getText('monitorodata/$metadata'));
    expect([...served.keys()].sort()).toEqual([...monitorModel().keys()].sort());
    for (const [name, set] of served) expect(monitorModel().get(name), name).toEqual(set);
    expect(served.size).toBe(MONITOR_ENTITY_SETS.length);
  });

  it('says a set cannot be windowed when its cursor column is not among its properties', async () => {
    harness = await monitorHarness();
    const source = harness.source({ cursorColumns: { Users: 'LastSeenDate' }, lagMinutes: 5 });
    const users = (await source.listStreams()).find((s) => s.name === 'Users')!;
    expect(users).toMatchObject({ cursorField: undefined, lagMinutes: undefined, collected: true });
    const sessions = (await source.listStreams()).find((s) => s.name === 'Sessions')!;
    expect(sessions).toMatchObject({ cursorField: 'ModifiedDate', lagMinutes: 5 });
  });
});
