/**
 * What installed sinks declare in their SIEM, read from their manifests' `declarations` — so that the
 * deployment package (`ctxsiem azure dcr`) and the Terraform app import no sink: the Azure data
 * collection rule and tables for a set of streams (`azureDcr`), the SecOps log type per source and the
 * feed settings (`secops`). Each member is named by the sink that has it; like everything here it is
 * derived from the generated list of manifests.
 */
import type { InstalledOfKind } from './registry.ts';
import { sinkConnectors } from './registry.ts';

type Declaring = Extract<InstalledOfKind<'sink'>, { declarations: object }>;
type AnyDeclarations = Declaring['declarations'];
type KeysOf<T> = T extends unknown ? keyof T : never;

/** What a SIEM declaration is called (`azureDcr`, `secops`). */
export type SiemDeclarationKey = KeysOf<AnyDeclarations>;
/** The declarations under `key`, as the sink that has them types them. */
export type SiemDeclarations<K extends SiemDeclarationKey> = AnyDeclarations extends infer D
  ? D extends Record<K, infer V>
    ? V
    : never
  : never;

/** The declaration of an Azure data collection rule and its custom tables (`ctxsiem azure dcr`). */
export type AzureDcrDeclaration = ReturnType<SiemDeclarations<'azureDcr'>['dcr']>;

/** The declarations under `key` of the installed sink that has them; throws when none does. */
export function siemDeclarations<K extends SiemDeclarationKey>(key: K): SiemDeclarations<K> {
  for (const sink of sinkConnectors) {
    const declarations = 'declarations' in sink ? (sink.declarations as Record<string, unknown>) : {};
    if (Object.hasOwn(declarations, key)) return declarations[key] as SiemDeclarations<K>;
  }
  throw new Error(`no installed sink declares "${key}" (its connector manifest's \`declarations\`)`);
}
