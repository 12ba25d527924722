/**
 * What a deployment declares in Azure for this sink, exposed by its connector manifest (`declarations`)
 * so that `@ctxsiem/deployment` (`ctxsiem azure dcr`) and the Terraform app read it through the
 * registry, importing no sink: the data collection rule's stream declarations and data flows, and the
 * custom tables, for a set of streams (`dcr-declaration.ts`). Cheap to load: no SDK.
 */
import type { AzureMonitorSinkConfig } from './config.ts';
import {
  type DcrDeclaration,
  type DcrOptions,
  type DcrStreamInput,
  dcrDeclaration,
  declarationProblems,
} from './dcr-declaration.ts';

/** The sink config fields that shape the declaration: stream names, Sentinel tables, the record id column. */
export type DcrSinkSettings = Pick<AzureMonitorSinkConfig, 'streams' | 'sentinelTables' | 'recordIdColumn'>;

export interface AzureDeclarations {
  /**
   * The DCR and tables for `streams` (once per `{source}/{stream}`), named and shaped by the sink's
   * config when the deployment sends to Azure (`sink`), else by the defaults.
   */
  dcr(streams: readonly DcrStreamInput[], sink?: Partial<DcrSinkSettings>): DcrDeclaration;
  /** What Azure would refuse in a declaration; empty when it is valid. */
  problems(declaration: DcrDeclaration): string[];
}

/** The options of `dcrDeclaration` a sink config gives. */
export function dcrOptions(sink: Partial<DcrSinkSettings> | undefined): DcrOptions {
  return {
    streams: sink?.streams ?? {},
    ...(sink?.sentinelTables ? { sentinelTables: sink.sentinelTables } : {}),
    // Every stream and table declares the column the sink puts each row's record id in.
    ...(sink?.recordIdColumn ? { recordIdColumn: sink.recordIdColumn } : {}),
  };
}

export const azureDeclarations: AzureDeclarations = {
  dcr: (streams, sink) => dcrDeclaration(streams, dcrOptions(sink)),
  problems: declarationProblems,
};
