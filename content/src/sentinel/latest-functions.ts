/**
 * One function per Monitor table, `CitrixMonitor<Set>Latest`: the latest version of each row. A Monitor
 * table holds every version the collector saw of a row (a session's state, a machine's registration, a
 * connection's logon phases, each change a new row: `docs/architecture.md`, "Records and their
 * versions"), so "the sessions" are the latest row per key and tenant:
 *
 *     CitrixMonitorSessions_CL | summarize arg_max(ModifiedDate, *) by SessionKey, citrix_customer_id
 *
 * Keys are Citrix's, from the model of the Monitor Service (`@ctxsiem/monitor-model`, derived from
 * Citrix's OpenAPI), stored as the table names them (`Id` → `Id_citrix`, a name Log Analytics reserves);
 * the version is the row's `ModifiedDate` where the set has one, else the time it was received.
 * Generated for the tables a deployment has, never written by hand.
 */
import { monitorEntitySet } from '@ctxsiem/monitor-model';
import { storedColumnName } from '@ctxsiem/sink-azure-monitor';
import type { KqlFunction, KqlTable } from './kql-workspace.ts';

const MONITOR_TABLE = /^CitrixMonitor(\w+)_CL$/;
/** The column every ctxsiem row carries its tenant in. */
export const TENANT_COLUMN = 'citrix_customer_id';

export interface LatestFunction extends KqlFunction {
  table: string;
  keys: string[];
}

/** A `…Latest` function for each Monitor table of `tables` whose entity set Citrix's model knows. */
export function latestFunctions(tables: readonly KqlTable[]): LatestFunction[] {
  return tables.flatMap((table) => {
    const setName = MONITOR_TABLE.exec(table.name)?.[1];
    const set = setName ? monitorEntitySet(setName) : undefined;
    if (!set) return [];
    const columns = new Set(table.columns.map((column) => column.name));
    const keys = set.keys.map(storedColumnName);
    const missing = keys.filter((key) => !columns.has(key));
    if (missing.length > 0) throw new Error(`${table.name}: no key column ${missing.join(', ')}`);
    const version = columns.has('ModifiedDate') ? 'ModifiedDate' : 'TimeGenerated';
    return [
      {
        name: `CitrixMonitor${setName}Latest`,
        table: table.name,
        keys,
        parameters: '',
        body: `${table.name}\n| summarize arg_max(${version}, *) by ${[...keys, TENANT_COLUMN].join(', ')}`,
      },
    ];
  });
}
