/**
 * No AWS or Google provider builds here, so the AWS and Google Cloud stacks cannot be planned: every
 * attribute and block they synthesize is checked against the schema of the provider version their
 * prebuilt bindings were generated from — the names each binding documents with a link to that
 * version's registry page (`…/hashicorp/aws/6.25.0/docs/resources/lambda_function#timeout`).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { GOOGLE_VERSION } from '../src/providers.ts';
import { exampleEnvironment, synthVariant, withUdmDelivery } from './gcp-variants.ts';
import { type Json, type SynthesizedStack, synth } from './synth.ts';

const require = createRequire(import.meta.url);
/** Keys Terraform itself defines on every resource, and cdktf's metadata. */
const META = new Set(['//', 'depends_on', 'provider', 'lifecycle', 'count', 'for_each']);
/** Map attributes: their keys are the user's (tag names, header names), not the schema's. */
const USER_KEYED = new Set([
  'tags',
  'labels',
  'default_labels',
  'variables',
  'environment_variables',
  'dimensions',
  'headers',
]);
/**
 * The provider versions the prebuilt bindings document, and what the stacks pin: google is pinned to the
 * releases with `google_chronicle_feed` (like google-beta), newer than its frozen bindings — its names
 * are checked against 6.50.0, not against 7.x (no google provider builds here).
 */
const BINDINGS = { aws: '6.25.0', google: '6.50.0' };
const PINNED = { aws: '6.25.0', google: GOOGLE_VERSION };
/** Resources with no prebuilt binding: written as typed constructs (see src/secops/chronicle-feed.ts). */
const UNBOUND = new Set(['google_chronicle_feed']);

interface Binding {
  version: string;
  names: Set<string>;
}

/** The names a resource's prebuilt binding documents, and the provider version of its links. */
function binding(provider: 'aws' | 'google', type: string, data: boolean): Binding {
  const root = dirname(require.resolve(`@cdktf/provider-${provider}/package.json`));
  // lib/lambda-function for aws_lambda_function; lib/data-aws-caller-identity for data.aws_caller_identity.
  const folder = (data ? `data_${type}` : type.replace(/^(aws|google)_/, '')).replace(/_/g, '-');
  const text = readFileSync(join(root, 'lib', folder, 'index.d.ts'), 'utf8');
  const links = [
    ...text.matchAll(
      /registry\.terraform\.io\/providers\/hashicorp\/(?:aws|google)\/([\d.]+)\/docs\/[\w-]+\/\w+#(\w+)/g,
    ),
  ];
  return { version: links[0]?.[1] ?? 'none', names: new Set(links.map((link) => link[2]!)) };
}

/** Every key of a synthesized block, nested blocks included, as `path.to.key`. */
function keys(value: Json, path = ''): string[] {
  return Object.entries(value).flatMap(([key, inner]) => {
    if (META.has(key)) return [];
    const here = path ? `${path}.${key}` : key;
    const blocks = (Array.isArray(inner) ? inner : [inner]).filter(
      (item): item is Json => typeof item === 'object' && item !== null && !Array.isArray(item),
    );
    return [here, ...blocks.flatMap((block) => keys(block, here))];
  });
}

/**
 * prod-gcp with `gcp.delivery: "udm"` and every rule (the admin-machine rule's reference list too): the
 * resources the feeds example does not make.
 */
async function gcpUdm(): Promise<SynthesizedStack> {
  const environment = withUdmDelivery(exampleEnvironment('prod-gcp'));
  environment.secops = { ...(environment.secops as Json), rules: { knownAdminMachines: ['10.20.0.0/24'] } };
  return { ...(await synthVariant('prod-gcp', environment)), name: 'prod-gcp (udm)' };
}

let stacks: SynthesizedStack[];
beforeAll(async () => {
  stacks = [...(await synth(['dev-aws', 'msp-aws', 'prod-gcp'])).values(), await gcpUdm()];
});

describe('the AWS and Google Cloud stacks against their providers’ schemas', () => {
  it('use only attributes and blocks the pinned provider versions have', () => {
    const unknown: string[] = [];
    const versions = new Set<string>();
    let checked = 0;
    for (const stack of stacks)
      for (const [kind, group] of [
        ['resource', stack.json.resource],
        ['data', stack.json.data ?? {}],
      ] as const)
        for (const [type, resources] of Object.entries(group)) {
          if (UNBOUND.has(type)) continue;
          const provider = type.startsWith('aws_') ? 'aws' : 'google';
          const schema = binding(provider, type, kind === 'data');
          const pinned = (stack.json.terraform as { required_providers: Record<string, { version: string }> })
            .required_providers[provider]!.version;
          expect(schema.version, `${type}'s binding`).toBe(BINDINGS[provider]);
          expect(pinned, `the ${provider} provider's pin`).toBe(PINNED[provider]);
          versions.add(`${provider} ${schema.version} pinned ${pinned}`);
          for (const [id, resource] of Object.entries(resources))
            for (const key of keys(resource)) {
              checked++;
              const last = key.split('.').at(-1)!;
              const parent = key.split('.').at(-2);
              if (parent && USER_KEYED.has(parent)) continue;
              if (!schema.names.has(last)) unknown.push(`${stack.name}: ${type}.${id}: ${key}`);
            }
        }
    expect(unknown).toEqual([]);
    // Both Google deliveries are checked: the feeds' grant, the rules, their list and the import grant.
    const types = new Set(stacks.flatMap((stack) => Object.keys(stack.json.resource)));
    for (const type of [
      'google_chronicle_rule',
      'google_chronicle_rule_deployment',
      'google_chronicle_reference_list',
      'google_project_iam_member',
      'google_storage_bucket_iam_member',
    ])
      expect(types, type).toContain(type);
    expect([...versions].toSorted()).toEqual([
      'aws 6.25.0 pinned 6.25.0',
      `google 6.50.0 pinned ${GOOGLE_VERSION}`,
    ]);
    expect(checked).toBeGreaterThan(300);
  });
});
