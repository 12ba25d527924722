/**
 * What the generated azurerm bindings share: each binding carries its resource's schema (attribute and
 * block names, as the provider declares them), and `toTerraform` turns a typed config — camelCase
 * properties, blocks as objects or arrays — into the resource's Terraform JSON. The base classes take
 * Terraform's meta-arguments (depends_on, count, provider, …) off the config and synthesize the rest.
 */
import { TerraformDataSource, type TerraformMetaArguments, TerraformResource } from 'cdktf';
import type { Construct } from 'constructs';

/** The meta-arguments of a config, for the resource's constructor, and the resource's own arguments. */
function split<C extends TerraformMetaArguments>(config: C) {
  const { dependsOn, count, provider, lifecycle, forEach, provisioners, connection, ...own } = config;
  return { meta: { dependsOn, count, provider, lifecycle, forEach, provisioners, connection }, own };
}

const METADATA = { providerName: 'azurerm' };

export abstract class AzurermResource<C extends TerraformMetaArguments> extends TerraformResource {
  readonly #own: object;
  readonly #fields: Fields;

  constructor(scope: Construct, id: string, type: string, fields: Fields, config: C) {
    const { meta, own } = split(config);
    super(scope, id, { terraformResourceType: type, terraformGeneratorMetadata: METADATA, ...meta });
    this.#own = own;
    this.#fields = fields;
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return toTerraform(this.#fields, this.#own, this.terraformResourceType);
  }
}

export abstract class AzurermDataSource<C extends TerraformMetaArguments> extends TerraformDataSource {
  readonly #own: object;
  readonly #fields: Fields;

  constructor(scope: Construct, id: string, type: string, fields: Fields, config: C) {
    const { meta, own } = split(config);
    super(scope, id, { terraformResourceType: type, terraformGeneratorMetadata: METADATA, ...meta });
    this.#own = own;
    this.#fields = fields;
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return toTerraform(this.#fields, this.#own, `data.${this.terraformResourceType}`);
  }
}

/** A block's or resource's fields, by their camelCase property name. */
export type Fields = Readonly<Record<string, Field>>;

export type Field =
  /** An attribute: its Terraform name; its value is synthesized as given (objects and maps included). */
  | readonly [name: string]
  /** A nested block: its Terraform name, whether it holds at most one, and its fields. */
  | readonly [name: string, single: boolean, fields: Fields];

/** The Terraform JSON of `config` under `fields`; properties the schema does not have are an error. */
export function toTerraform(fields: Fields, config: object, where: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined) continue;
    const field = fields[key];
    if (!field) throw new Error(`${where}: the provider's schema has no "${key}"`);
    const [name, single, nested] = field;
    if (!nested) {
      out[name] = value;
      continue;
    }
    const items = Array.isArray(value) ? value : [value];
    if (single && items.length > 1) throw new Error(`${where}.${key}: at most one block`);
    out[name] = items.map((item, index) => toTerraform(nested, item as object, `${where}.${key}[${index}]`));
  }
  return out;
}
