/** The `$metadata` EDMX (CSDL XML) document describing the emulated Monitor entity sets. */
import { ENTITY_SETS, MONITOR_NAMESPACE } from './monitor-schema.ts';

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function buildMetadataDocument(): string {
  const lines: string[] = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">',
    '  <edmx:DataServices>',
    `    <Schema Namespace="${MONITOR_NAMESPACE}" xmlns="http://docs.oasis-open.org/odata/ns/edm">`,
  ];
  const typeNameOf = new Map(ENTITY_SETS.map((d) => [d.name, d.typeName]));
  for (const def of ENTITY_SETS) {
    lines.push(`      <EntityType Name="${escapeXml(def.typeName)}">`);
    const refs = def.keys.map((k) => `<PropertyRef Name="${escapeXml(k)}"/>`).join('');
    lines.push(`        <Key>${refs}</Key>`);
    for (const p of def.properties) {
      const nullable = p.nullable ? '' : ' Nullable="false"';
      lines.push(`        <Property Name="${escapeXml(p.name)}" Type="${p.type}"${nullable}/>`);
    }
    for (const n of def.navigation) {
      const target = typeNameOf.get(n.target) ?? n.target;
      lines.push(
        `        <NavigationProperty Name="${escapeXml(n.name)}" Type="${MONITOR_NAMESPACE}.${target}">`,
      );
      lines.push(`          <ReferentialConstraint Property="${n.foreignKey}" ReferencedProperty="Id"/>`);
      lines.push('        </NavigationProperty>');
    }
    lines.push('      </EntityType>');
  }
  lines.push('    </Schema>');
  lines.push('    <Schema Namespace="Default" xmlns="http://docs.oasis-open.org/odata/ns/edm">');
  lines.push('      <EntityContainer Name="Container">');
  for (const def of ENTITY_SETS) {
    lines.push(`        <EntitySet Name="${def.name}" EntityType="${MONITOR_NAMESPACE}.${def.typeName}">`);
    for (const n of def.navigation) {
      lines.push(`          <NavigationPropertyBinding Path="${n.name}" Target="${n.target}"/>`);
    }
    lines.push('        </EntitySet>');
  }
  lines.push('      </EntityContainer>', '    </Schema>', '  </edmx:DataServices>', '</edmx:Edmx>', '');
  return lines.join('\n');
}
