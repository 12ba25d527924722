/**
 * Generates typed bindings for the azurerm resources the Azure stack uses, from the schema of the
 * provider build itself (`tofu providers schema -json`): the prebuilt `@cdktf/provider-azurerm` is
 * azurerm 4.55 and emits v4 names that the v5 provider refuses (`enable_rbac_authorization`, …).
 *
 *   node terraform/scripts/generate-azurerm.ts <schema.json> [--out DIR]   (default terraform/src/azure/azurerm)
 *
 * Each binding is a config interface (every argument of the resource, camelCase, typed from the schema,
 * with the provider's description), a class with a getter per attribute the provider computes, and the
 * schema's names for `toTerraform`. The output is committed; a test regenerates it from the provider
 * the tests build and requires it unchanged, so the bindings are the provider's schema.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

/** The resources and data sources the Azure stack uses. */
export const AZURERM_RESOURCES = [
  'azurerm_resource_group',
  'azurerm_log_analytics_workspace',
  'azurerm_sentinel_log_analytics_workspace_onboarding',
  'azurerm_log_analytics_workspace_table_custom_log',
  'azurerm_monitor_data_collection_endpoint',
  'azurerm_monitor_data_collection_rule',
  'azurerm_user_assigned_identity',
  'azurerm_role_assignment',
  'azurerm_key_vault',
  'azurerm_key_vault_secret',
  'azurerm_monitor_diagnostic_setting',
  'azurerm_storage_account',
  'azurerm_storage_share',
  'azurerm_container_app_environment',
  'azurerm_container_app_environment_storage',
  'azurerm_container_app',
  'azurerm_virtual_network',
  'azurerm_subnet',
  'azurerm_network_security_group',
  'azurerm_subnet_network_security_group_association',
  'azurerm_private_endpoint',
  'azurerm_private_dns_zone',
  'azurerm_private_dns_zone_virtual_network_link',
  'azurerm_monitor_private_link_scope',
  'azurerm_monitor_private_link_scoped_service',
  'azurerm_log_analytics_saved_search',
  'azurerm_sentinel_alert_rule_scheduled',
  'azurerm_application_insights_workbook',
] as const;
export const AZURERM_DATA_SOURCES = ['azurerm_client_config'] as const;

type SchemaType = string | [string, SchemaType] | [string, Record<string, SchemaType>];
interface Attribute {
  type?: SchemaType;
  description?: string;
  required?: boolean;
  optional?: boolean;
  computed?: boolean;
  sensitive?: boolean;
  deprecated?: boolean;
  write_only?: boolean;
}
interface Block {
  attributes?: Record<string, Attribute>;
  block_types?: Record<
    string,
    { nesting_mode: string; block: Block; min_items?: number; max_items?: number }
  >;
  description?: string;
}
interface ProviderSchema {
  provider: { block: Block };
  resource_schemas: Record<string, { block: Block }>;
  data_source_schemas: Record<string, { block: Block }>;
}

const camel = (name: string) => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const pascal = (name: string) => camel(name).replace(/^./, (c) => c.toUpperCase());
const kebab = (name: string) => name.replace(/_/g, '-');
const doc = (text: string | undefined, indent: string) =>
  text ? `${indent}/** ${text.replace(/\*\//g, '*\\/').replace(/\s+/g, ' ').trim()} */\n` : '';

function tsType(type: SchemaType | undefined): string {
  if (type === undefined) return 'unknown';
  if (typeof type === 'string')
    return type === 'string'
      ? 'string'
      : type === 'number'
        ? 'number'
        : type === 'bool'
          ? 'boolean'
          : 'unknown';
  const [kind, inner] = type;
  if (kind === 'list' || kind === 'set') return `${tsType(inner as SchemaType)}[]`;
  if (kind === 'map') return `Record<string, ${tsType(inner as SchemaType)}>`;
  if (kind === 'object')
    return `{ ${Object.entries(inner as Record<string, SchemaType>)
      .map(([key, value]) => `${key}?: ${tsType(value)}`)
      .join('; ')} }`;
  return 'unknown';
}

/** Whether an argument can be set (not purely computed, not deprecated). */
const settable = (attribute: Attribute) =>
  (attribute.required || attribute.optional) && !attribute.deprecated;

interface Emitted {
  interfaces: string[];
  fields: string;
}

/** The config interface of `block` named `name`, its nested blocks' interfaces, and its fields literal. */
function emitBlock(name: string, block: Block, extendsMeta: boolean): Emitted {
  const interfaces: string[] = [];
  const members: string[] = [];
  const fields: string[] = [];
  for (const [attr, attribute] of Object.entries(block.attributes ?? {}).sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    if (attr === 'id' || !settable(attribute)) continue;
    members.push(
      `${doc(attribute.description, '  ')}  readonly ${camel(attr)}${attribute.required ? '' : '?'}: ${tsType(attribute.type)};`,
    );
    fields.push(`${camel(attr)}: [${JSON.stringify(attr)}]`);
  }
  for (const [blockName, nested] of Object.entries(block.block_types ?? {}).sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    if (blockName === 'timeouts') continue;
    const nestedName = `${name}${pascal(blockName)}`;
    const inner = emitBlock(nestedName, nested.block, false);
    interfaces.push(...inner.interfaces);
    const single = nested.max_items === 1;
    const required = (nested.min_items ?? 0) > 0;
    members.push(
      `${doc(nested.block.description, '  ')}  readonly ${camel(blockName)}${required ? '' : '?'}: ${single ? nestedName : `${nestedName} | ${nestedName}[]`};`,
    );
    fields.push(`${camel(blockName)}: [${JSON.stringify(blockName)}, ${single}, ${inner.fields}]`);
  }
  interfaces.unshift(
    `export interface ${name}${extendsMeta ? ' extends TerraformMetaArguments' : ''} {\n${members.join('\n')}\n}`,
  );
  return { interfaces, fields: `{ ${fields.join(', ')} }` };
}

/** A getter per plain attribute (`id`, what the provider computes, what was set): references to it. */
function getters(block: Block): string {
  return Object.entries(block.attributes ?? {})
    .filter(([, attribute]) => !attribute.sensitive && !attribute.deprecated)
    .filter(([, attribute]) => ['string', 'number', 'bool'].includes(String(attribute.type)))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([attr, attribute]) => {
      const getter =
        attribute.type === 'number'
          ? 'getNumberAttribute'
          : attribute.type === 'bool'
            ? 'getBooleanAttribute'
            : 'getStringAttribute';
      const type =
        attribute.type === 'number' ? 'number' : attribute.type === 'bool' ? 'IResolvable' : 'string';
      return `${doc(attribute.description, '  ')}  get ${camel(attr)}(): ${type} {\n    return this.${getter}(${JSON.stringify(attr)});\n  }`;
    })
    .join('\n\n');
}

export function generateBinding(
  type: string,
  block: Block,
  kind: 'resource' | 'data',
  version: string,
): string {
  const base = type.replace(/^azurerm_/, '');
  const className = kind === 'data' ? `Data${pascal(base)}` : pascal(base);
  const { interfaces, fields } = emitBlock(`${className}Config`, block, true);
  const superClass = kind === 'data' ? 'AzurermDataSource' : 'AzurermResource';
  const accessors = getters(block);
  return `// Generated by terraform/scripts/generate-azurerm.ts from the schema of azurerm ${version}: do not edit.
import type { ${accessors.includes('IResolvable') ? 'IResolvable, ' : ''}TerraformMetaArguments } from 'cdktf';
import type { Construct } from 'constructs';
import { ${superClass}, type Fields } from '../azurerm-runtime.ts';

${interfaces.join('\n\n')}

const FIELDS: Fields = ${fields};

${doc(`\`${type}\`${block.description ? `: ${block.description}` : ''}`, '')}export class ${className} extends ${superClass}<${className}Config> {
  static readonly tfResourceType = ${JSON.stringify(type)};

  constructor(scope: Construct, id: string, config: ${className}Config) {
    super(scope, id, ${className}.tfResourceType, FIELDS, config);
  }

${accessors}
}
`;
}

export function generateProvider(block: Block, version: string): string {
  const { interfaces, fields } = emitBlock('AzurermProviderConfig', block, false);
  return `// Generated by terraform/scripts/generate-azurerm.ts from the schema of azurerm ${version}: do not edit.
import { TerraformProvider } from 'cdktf';
import type { Construct } from 'constructs';
import { type Fields, toTerraform } from '../azurerm-runtime.ts';

/** The version the bindings were generated from; stacks require \`~> \` its major.minor. */
export const AZURERM_VERSION = ${JSON.stringify(version)};

${interfaces.join('\n\n')}

const FIELDS: Fields = ${fields};

export class AzurermProvider extends TerraformProvider {
  readonly #config: AzurermProviderConfig & { alias?: string };

  constructor(scope: Construct, id: string, config: AzurermProviderConfig & { alias?: string }) {
    super(scope, id, {
      terraformResourceType: 'azurerm',
      terraformProviderSource: 'hashicorp/azurerm',
      terraformGeneratorMetadata: {
        providerName: 'azurerm',
        providerVersionConstraint: \`~> \${AZURERM_VERSION.split('.').slice(0, 2).join('.')}\`,
      },
    });
    this.#config = config;
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    const { alias, ...rest } = this.#config;
    return { ...toTerraform(FIELDS, rest, 'provider azurerm'), ...(alias ? { alias } : {}) };
  }
}
`;
}

/** Every binding's file name → text, from a `providers schema -json` document. */
export function generateAll(schemaJson: string, version: string): Record<string, string> {
  const document = JSON.parse(schemaJson) as { provider_schemas: Record<string, ProviderSchema> };
  const provider = Object.entries(document.provider_schemas).find(([address]) =>
    address.endsWith('/azurerm'),
  )?.[1];
  if (!provider) throw new Error('the schema holds no azurerm provider');
  const files: Record<string, string> = { 'provider.ts': generateProvider(provider.provider.block, version) };
  for (const type of AZURERM_RESOURCES) {
    const schema = provider.resource_schemas[type];
    if (!schema) throw new Error(`azurerm ${version} has no resource ${type}`);
    files[`${kebab(type.replace(/^azurerm_/, ''))}.ts`] = generateBinding(
      type,
      schema.block,
      'resource',
      version,
    );
  }
  for (const type of AZURERM_DATA_SOURCES) {
    const schema = provider.data_source_schemas[type];
    if (!schema) throw new Error(`azurerm ${version} has no data source ${type}`);
    files[`data-${kebab(type.replace(/^azurerm_/, ''))}.ts`] = generateBinding(
      type,
      schema.block,
      'data',
      version,
    );
  }
  return files;
}

if (import.meta.main) {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { out: { type: 'string' }, version: { type: 'string' } },
  });
  const [schemaFile] = positionals;
  if (!schemaFile || !values.version) {
    console.error(
      'usage: node terraform/scripts/generate-azurerm.ts <schema.json> --version X.Y.Z [--out DIR]',
    );
    process.exit(2);
  }
  const out = values.out ? resolve(values.out) : join(import.meta.dirname, '..', 'src', 'azure', 'azurerm');
  mkdirSync(out, { recursive: true });
  const files = generateAll(readFileSync(schemaFile, 'utf8'), values.version);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(out, name), text);
  console.log(`${Object.keys(files).length} bindings in ${out}`);
}
