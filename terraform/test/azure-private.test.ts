/**
 * The Azure stack with `network: private`, planned offline like the public one (OpenTofu and azurerm v5
 * from obtain.sh, a local managed-identity token stub): the Container Apps environment in a virtual
 * network, private endpoints for Key Vault, the state storage and (through an Azure Monitor Private Link
 * Scope) the ingestion endpoint, each in its private DNS zones linked to the network, public access off.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRIVATE_DNS_ZONES, privateSubnets } from '../src/azure/private-network.ts';
import { type Json, synth } from './synth.ts';
import { type Plan, planQueries, startMsiStub, tofuStack } from './tofu.ts';

let stub: Awaited<ReturnType<typeof startMsiStub>>;
let plan: Plan;
beforeAll(async () => {
  stub = await startMsiStub();
  const stack = (await synth(['prod-private-azure'])).get('prod-private-azure')!;
  const tofu = await tofuStack(stack.dir, stub.url);
  await tofu.tofu('init', '-input=false', '-no-color');
  await tofu.tofu('validate', '-no-color');
  await tofu.tofu('plan', '-input=false', '-lock=false', '-no-color', '-out=plan.bin');
  plan = JSON.parse(await tofu.tofu('show', '-json', 'plan.bin'));
}, 45 * 60_000);
afterAll(async () => {
  await stub?.close();
});

const { planned, references } = planQueries(() => plan);
const one = (type: string) => {
  const found = planned(type);
  expect(found, type).toHaveLength(1);
  return found[0]!;
};

describe('the Azure stack on a private network', () => {
  it('splits the address space: a /23 for the apps, the next /24 for endpoints', () => {
    expect(privateSubnets('10.60.0.0/22')).toEqual({ apps: '10.60.0.0/23', endpoints: '10.60.2.0/24' });
    expect(privateSubnets('172.16.4.0/16')).toEqual({ apps: '172.16.0.0/23', endpoints: '172.16.2.0/24' });
    expect(() => privateSubnets('10.0.0.0/24')).toThrow(/\/22 or larger/);
  });

  it('puts the Container Apps environment in the network, with no public ingress', () => {
    expect(one('azurerm_virtual_network').values.address_space).toEqual(['10.60.0.0/22']);
    const subnets = planned('azurerm_subnet').map((s) => [s.values.name, s.values.address_prefixes]);
    expect(subnets.toSorted()).toEqual([
      ['apps', ['10.60.0.0/23']],
      ['private-endpoints', ['10.60.2.0/24']],
    ]);
    const environment = one('azurerm_container_app_environment');
    expect(environment.values).toMatchObject({
      internal_load_balancer_enabled: true,
      logs_destination: 'azure-monitor',
    });
    // Both subnets behind a security group refusing the Internet inbound.
    const [rule] = one('azurerm_network_security_group').values.security_rule as Json[];
    expect(rule).toMatchObject({ direction: 'Inbound', access: 'Deny', source_address_prefix: 'Internet' });
    const associated = planned('azurerm_subnet_network_security_group_association').flatMap((a) =>
      references(a.address, 'subnet_id').filter((r) => r.endsWith('.id')),
    );
    expect(associated.toSorted()).toEqual(
      planned('azurerm_subnet')
        .map((s) => `${s.address}.id`)
        .toSorted(),
    );
    expect(
      references(environment.address, 'infrastructure_subnet_id').some((r) =>
        /private-network_apps.*\.id$/.test(r),
      ),
    ).toBe(true);
  });

  it('reaches Key Vault, the state share and the ingestion endpoint through private endpoints only', () => {
    const endpoints = planned('azurerm_private_endpoint').map((e) => {
      const [connection] = e.values.private_service_connection as Json[];
      return (connection!.subresource_names as string[])[0];
    });
    expect(endpoints.toSorted()).toEqual(['azuremonitor', 'file', 'vault']);
    const dce = one('azurerm_monitor_data_collection_endpoint');
    expect(dce.values.public_network_access_enabled).toBe(false);
    expect(one('azurerm_storage_account').values.public_network_access_enabled).toBe(false);
    const vault = one('azurerm_key_vault');
    // Public access only for the deployer's addresses (placeholders, az keyvault secret set).
    expect(vault.values.network_acls).toEqual([
      expect.objectContaining({
        default_action: 'Deny',
        bypass: 'AzureServices',
        ip_rules: ['203.0.113.0/28'],
      }),
    ]);
    const scope = one('azurerm_monitor_private_link_scope');
    expect(scope.values).toMatchObject({ ingestion_access_mode: 'PrivateOnly' });
    const scoped = one('azurerm_monitor_private_link_scoped_service');
    expect(references(scoped.address, 'linked_resource_id')).toContain(
      'azurerm_monitor_data_collection_endpoint.ingestion-endpoint.id',
    );
  });

  it('resolves each service privately: its zones exist, are linked to the network, and hold its endpoint', () => {
    const zones = planned('azurerm_private_dns_zone').map((z) => z.values.name);
    const needed = [...new Set(Object.values(PRIVATE_DNS_ZONES).flat())];
    expect(zones.toSorted()).toEqual(needed.toSorted());
    const links = planned('azurerm_private_dns_zone_virtual_network_link');
    expect(links).toHaveLength(needed.length);
    for (const link of links)
      expect(
        references(link.address, 'virtual_network_id').some(
          (r) => r.endsWith('.id') && r.includes('network'),
        ),
      ).toBe(true);
    for (const endpoint of planned('azurerm_private_endpoint')) {
      const [group] = endpoint.values.private_dns_zone_group as Json[];
      expect(group, endpoint.address).toBeDefined();
    }
  });

  it('creates the app and the placeholder secrets after the private endpoints', () => {
    const dependencies = (address: string) =>
      (
        plan.configuration.root_module.resources.find((r) => r.address === address) as {
          depends_on?: string[];
        }
      )?.depends_on ?? [];
    const endpoints = planned('azurerm_private_endpoint').map((e) => e.address);
    expect(endpoints).toHaveLength(3);
    for (const dependent of [
      'azurerm_container_app.collector',
      ...planned('azurerm_key_vault_secret').map((s) => s.address),
    ])
      expect(dependencies(dependent), dependent).toEqual(expect.arrayContaining(endpoints));
    expect(plan.resource_changes.every((c) => c.change.actions.join() === 'create')).toBe(true);
  });
});
