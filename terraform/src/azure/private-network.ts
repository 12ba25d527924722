/**
 * The Azure stack's private network (`azure.network: "private"`): a virtual network whose first /23 holds
 * the Container Apps environment and whose next /24 holds private endpoints — for Key Vault, the state
 * share's storage account and, through an Azure Monitor Private Link Scope, the data collection endpoint
 * — each with its private DNS zone linked to the network, so the app resolves those services to private
 * addresses.
 */
import { Construct } from 'constructs';
import { NetworkSecurityGroup } from './azurerm/network-security-group.ts';
import { PrivateDnsZone } from './azurerm/private-dns-zone.ts';
import { PrivateDnsZoneVirtualNetworkLink } from './azurerm/private-dns-zone-virtual-network-link.ts';
import { PrivateEndpoint } from './azurerm/private-endpoint.ts';
import { Subnet } from './azurerm/subnet.ts';
import { SubnetNetworkSecurityGroupAssociation } from './azurerm/subnet-network-security-group-association.ts';
import { VirtualNetwork } from './azurerm/virtual-network.ts';

/** The private DNS zones each private endpoint's sub-resource is resolved through. */
export const PRIVATE_DNS_ZONES = {
  vault: ['privatelink.vaultcore.azure.net'],
  file: ['privatelink.file.core.windows.net'],
  azuremonitor: [
    'privatelink.monitor.azure.com',
    'privatelink.oms.opinsights.azure.com',
    'privatelink.ods.opinsights.azure.com',
    'privatelink.agentsvc.azure-automation.net',
    'privatelink.blob.core.windows.net',
  ],
} as const;
export type PrivateSubresource = keyof typeof PRIVATE_DNS_ZONES;

/** The subnets of an address space of /22 or larger: the apps' /23 first, then the endpoints' /24. */
export function privateSubnets(addressSpace: string): { apps: string; endpoints: string } {
  const [address, bits] = addressSpace.split('/');
  const prefix = Number(bits);
  const octets = address!.split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !(o >= 0 && o <= 255)) || !(prefix >= 8 && prefix <= 22))
    throw new Error(`${addressSpace} is no IPv4 address space of /22 or larger`);
  const base = octets.reduce((value, octet) => value * 256 + octet, 0);
  const start = base - (base % 2 ** (32 - prefix));
  const text = (value: number) =>
    [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
  return { apps: `${text(start)}/23`, endpoints: `${text(start + 512)}/24` };
}

export interface PrivateNetworkProps {
  name: string;
  resourceGroupName: string;
  location: string;
  tags: Record<string, string>;
  addressSpace: string;
}

export class PrivateNetwork extends Construct {
  readonly network: VirtualNetwork;
  /** The Container Apps environment's infrastructure subnet (a /23, as a consumption environment needs). */
  readonly appsSubnet: Subnet;
  readonly endpointsSubnet: Subnet;
  readonly #props: PrivateNetworkProps;
  readonly #zones = new Map<string, PrivateDnsZone>();

  constructor(scope: Construct, id: string, props: PrivateNetworkProps) {
    super(scope, id);
    this.#props = props;
    const { name, resourceGroupName, location, tags } = props;
    const subnets = privateSubnets(props.addressSpace);
    this.network = new VirtualNetwork(this, 'network', {
      name: `vnet-ctxsiem-${name}`,
      resourceGroupName,
      location,
      tags,
      addressSpace: [props.addressSpace],
    });
    const inNetwork = { resourceGroupName, virtualNetworkName: this.network.name };
    this.appsSubnet = new Subnet(this, 'apps', {
      name: 'apps',
      ...inNetwork,
      addressPrefixes: [subnets.apps],
    });
    this.endpointsSubnet = new Subnet(this, 'endpoints', {
      name: 'private-endpoints',
      ...inNetwork,
      addressPrefixes: [subnets.endpoints],
    });
    // Azure's default rules — traffic within the network and from its load balancer in, anything out —
    // and nothing from the Internet: the app takes no inbound traffic (it calls out: Citrix Cloud, Kafka).
    const rules = new NetworkSecurityGroup(this, 'rules', {
      name: `nsg-ctxsiem-${name}`,
      resourceGroupName,
      location,
      tags,
      securityRule: [
        {
          name: 'deny-internet-inbound',
          priority: 4000,
          direction: 'Inbound',
          access: 'Deny',
          protocol: '*',
          source_address_prefix: 'Internet',
          source_port_range: '*',
          destination_address_prefix: '*',
          destination_port_range: '*',
          // An attribute, not a block: JSON gives every field of its object type.
          description: 'The app takes no inbound traffic from the Internet',
          source_address_prefixes: [],
          source_port_ranges: [],
          source_application_security_group_ids: [],
          destination_address_prefixes: [],
          destination_port_ranges: [],
          destination_application_security_group_ids: [],
        },
      ],
    });
    for (const [subnetId, subnet] of [
      ['apps', this.appsSubnet],
      ['endpoints', this.endpointsSubnet],
    ] as const)
      new SubnetNetworkSecurityGroupAssociation(this, `${subnetId}-rules`, {
        subnetId: subnet.id,
        networkSecurityGroupId: rules.id,
      });
  }

  /** A private DNS zone, created once and linked to the network. */
  #zone(zoneName: string): PrivateDnsZone {
    const known = this.#zones.get(zoneName);
    if (known) return known;
    const { resourceGroupName, tags } = this.#props;
    const id = zoneName.replace(/^privatelink\./, '').replace(/\./g, '-');
    const zone = new PrivateDnsZone(this, `zone-${id}`, { name: zoneName, resourceGroupName, tags });
    new PrivateDnsZoneVirtualNetworkLink(this, `zone-${id}-link`, {
      name: `vnet-ctxsiem-${this.#props.name}`,
      privateDnsZoneId: zone.id,
      virtualNetworkId: this.network.id,
      registrationEnabled: false,
      tags,
    });
    this.#zones.set(zoneName, zone);
    return zone;
  }

  /** A private endpoint in the endpoints subnet for `target`'s `subresource`, registered in its zones. */
  endpoint(id: string, target: string, subresource: PrivateSubresource): PrivateEndpoint {
    const { name, resourceGroupName, location, tags } = this.#props;
    return new PrivateEndpoint(this, `endpoint-${id}`, {
      name: `pe-ctxsiem-${name}-${id}`,
      resourceGroupName,
      location,
      tags,
      subnetId: this.endpointsSubnet.id,
      privateServiceConnection: {
        name: `ctxsiem-${name}-${id}`,
        isManualConnection: false,
        privateConnectionResourceId: target,
        subresourceNames: [subresource],
      },
      privateDnsZoneGroup: {
        name: subresource,
        privateDnsZoneIds: PRIVATE_DNS_ZONES[subresource].map((zone) => this.#zone(zone).id),
      },
    });
  }
}
