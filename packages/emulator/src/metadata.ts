/**
 * The `$metadata` EDMX (CSDL XML) document of the emulated Monitor service: Citrix's model
 * (`@ctxsiem/monitor-model`), declaring the navigations the emulator resolves.
 */
import { metadataDocument } from '@ctxsiem/monitor-model';
import { ENTITY_SETS } from './monitor-schema.ts';

let document: string | undefined;

export function buildMetadataDocument(): string {
  document ??= metadataDocument(ENTITY_SETS.map((def) => ({ ...def.model, navigations: def.navigation })));
  return document;
}
