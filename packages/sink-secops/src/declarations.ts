/**
 * What a deployment declares in Google SecOps for this sink, exposed by its connector manifest
 * (`declarations`) so that the Terraform app reads it through the registry, importing no sink: the log
 * type of each source's records (`log-types.ts`) and the feed settings of an instance's region
 * (`regions.ts`). Cheap to load: no SDK.
 */
import type { PartName } from '@ctxsiem/core';
import { logTypeOf, noLogTypeMessage, sourcesWithoutLogType } from './log-types.ts';
import { chronicleLocation, isSecOpsRegion, REGION_MESSAGE } from './regions.ts';

export interface SecOpsDeclarations {
  /** The log type a stream's records are ingested as: `overrides` (per `source/stream`, per source), else the source's default. */
  logTypeOf(part: Pick<PartName, 'source' | 'stream'>, overrides: Readonly<Record<string, string>>): string;
  /** The source types among `sourceTypes` whose records would have no log type. */
  sourcesWithoutLogType(
    sourceTypes: readonly string[],
    overrides: Readonly<Record<string, string>>,
  ): string[];
  /** Why a source has no log type, and what to do about it. */
  noLogTypeMessage(source: string): string;
  /** Whether Google lists `region` (as the console and `CHRONICLE_REGION` name it). */
  isRegion(region: string): boolean;
  /** The message for a region Google does not list. */
  regionMessage: string;
  /** A feed's Chronicle API location for the instance's region (`europe` → `eu`). */
  feedLocation(region: string): string;
}

export const secopsDeclarations: SecOpsDeclarations = {
  logTypeOf,
  sourcesWithoutLogType,
  noLogTypeMessage,
  isRegion: isSecOpsRegion,
  regionMessage: REGION_MESSAGE,
  feedLocation: chronicleLocation,
};
