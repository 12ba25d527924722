/**
 * The `$metadata` document (EDMX 4.0, CSDL XML) of a Monitor model: one `Schema` per namespace of the
 * entity types, their keys, properties (`Nullable="false"` for what [OA] requires) and navigations with
 * their referential constraints, and an entity container `Default.Container` binding each set. The
 * emulator serves it; the source parses a service's own (`parseMetadata` in source-monitor).
 */
import type { MonitorEntitySet } from './monitor-model.ts';

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const qualified = (set: MonitorEntitySet) => `${set.namespace}.${set.typeName}`;

function entityType(set: MonitorEntitySet, byName: ReadonlyMap<string, MonitorEntitySet>): string[] {
  const lines = [`      <EntityType Name="${escapeXml(set.typeName)}">`];
  lines.push(`        <Key>${set.keys.map((k) => `<PropertyRef Name="${escapeXml(k)}"/>`).join('')}</Key>`);
  for (const p of set.properties) {
    const notNull = p.required || set.keys.includes(p.name) ? ' Nullable="false"' : '';
    lines.push(`        <Property Name="${escapeXml(p.name)}" Type="${escapeXml(p.type)}"${notNull}/>`);
  }
  for (const n of set.navigations) {
    const target = byName.get(n.target);
    if (!target) continue;
    lines.push(`        <NavigationProperty Name="${escapeXml(n.name)}" Type="${qualified(target)}">`);
    const referenced = target.keys[0] ?? 'Id';
    lines.push(
      `          <ReferentialConstraint Property="${n.foreignKey}" ReferencedProperty="${referenced}"/>`,
    );
    lines.push('        </NavigationProperty>');
  }
  lines.push('      </EntityType>');
  return lines;
}

/** The EDMX document of `sets` (in their order), navigations only to sets among them. */
export function metadataDocument(sets: readonly MonitorEntitySet[]): string {
  const byName = new Map(sets.map((set) => [set.name, set]));
  const namespaces = [...new Set(sets.map((set) => set.namespace))];
  const lines: string[] = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">',
    '  <edmx:DataServices>',
  ];
  for (const namespace of namespaces) {
    lines.push(`    <Schema Namespace="${namespace}" xmlns="http://docs.oasis-open.org/odata/ns/edm">`);
    for (const set of sets) if (set.namespace === namespace) lines.push(...entityType(set, byName));
    lines.push('    </Schema>');
  }
  lines.push('    <Schema Namespace="Default" xmlns="http://docs.oasis-open.org/odata/ns/edm">');
  lines.push('      <EntityContainer Name="Container">');
  for (const set of sets) {
    lines.push(`        <EntitySet Name="${set.name}" EntityType="${qualified(set)}">`);
    for (const n of set.navigations)
      if (byName.has(n.target))
        lines.push(`          <NavigationPropertyBinding Path="${n.name}" Target="${n.target}"/>`);
    lines.push('        </EntitySet>');
  }
  lines.push('      </EntityContainer>', '    </Schema>', '  </edmx:DataServices>', '</edmx:Edmx>', '');
  return lines.join('\n');
}
