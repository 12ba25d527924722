/**
 * An environment on Azure, for Microsoft Sentinel: a Log Analytics workspace with Sentinel on, the
 * custom tables and the data collection rule (endpoint, stream declarations, data flows) generated from
 * the sources' own column lists, a managed identity allowed to publish to that rule and to read its Key
 * Vault secrets, and a Container App running `ctxsiem serve` — the pull sources on their schedule, the
 * stream sources (Kafka) continuously — with its checkpoints on an Azure Files share.
 *
 * Secrets stay out of Terraform: every `env:NAME` reference in the collector's config (a tenant's client
 * secret, a Kafka password) is a Key Vault secret `name` the operator sets, handed to the container as
 * the variable NAME by Key Vault reference.
 */
import type { ContentPlan } from '@ctxsiem/content';
import type { AzureDcrDeclaration } from '@ctxsiem/registry';
import { TerraformOutput, TerraformResource, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { StateBackend } from '../backend.ts';
import { collectorConfig } from '../collector.ts';
import type { Environment } from '../environment.ts';
import { cronEvery } from '../schedule.ts';
import { ContainerApp } from './azurerm/container-app.ts';
import { ContainerAppEnvironment } from './azurerm/container-app-environment.ts';
import { ContainerAppEnvironmentStorage } from './azurerm/container-app-environment-storage.ts';
import { DataClientConfig } from './azurerm/data-client-config.ts';
import { KeyVault } from './azurerm/key-vault.ts';
import { KeyVaultSecret } from './azurerm/key-vault-secret.ts';
import { LogAnalyticsWorkspace } from './azurerm/log-analytics-workspace.ts';
import { LogAnalyticsWorkspaceTableCustomLog } from './azurerm/log-analytics-workspace-table-custom-log.ts';
import { MonitorDataCollectionEndpoint } from './azurerm/monitor-data-collection-endpoint.ts';
import { MonitorDataCollectionRule } from './azurerm/monitor-data-collection-rule.ts';
import { MonitorDiagnosticSetting } from './azurerm/monitor-diagnostic-setting.ts';
import { MonitorPrivateLinkScope } from './azurerm/monitor-private-link-scope.ts';
import { MonitorPrivateLinkScopedService } from './azurerm/monitor-private-link-scoped-service.ts';
import { AzurermProvider } from './azurerm/provider.ts';
import { ResourceGroup } from './azurerm/resource-group.ts';
import { RoleAssignment } from './azurerm/role-assignment.ts';
import { SentinelLogAnalyticsWorkspaceOnboarding } from './azurerm/sentinel-log-analytics-workspace-onboarding.ts';
import { StorageAccount } from './azurerm/storage-account.ts';
import { StorageShare } from './azurerm/storage-share.ts';
import { UserAssignedIdentity } from './azurerm/user-assigned-identity.ts';
import { PrivateNetwork } from './private-network.ts';
import { SentinelContentResources } from './sentinel-content.ts';

type AzureSettings = NonNullable<Environment['azure']>;

/** Where the container keeps its checkpoints and dead letters: the Azure Files share's mount. */
export const STATE_MOUNT = '/var/lib/ctxsiem';
/** How long the first apply waits for the deployer's Key Vault role to reach the data plane. */
export const RBAC_PROPAGATION_SECONDS = 90;
/** `serve`'s /healthz, /readyz and /metrics. */
export const HEALTH_PORT = 9464;
/** Built-in role ids (the same in every tenant). */
export const ROLES = {
  monitoringMetricsPublisher: 'Monitoring Metrics Publisher',
  keyVaultSecretsUser: 'Key Vault Secrets User',
  keyVaultSecretsOfficer: 'Key Vault Secrets Officer',
};

export interface AzureStackProps {
  name: string;
  environment: Environment;
  declaration: AzureDcrDeclaration;
  /** What of ctxsiem's Sentinel content the environment's tables support (`contentPlan`). */
  sentinelContent: ContentPlan;
}

/**
 * A column type as the table resource spells it: the DCR's stream declaration takes `datetime`, the
 * workspace table (azurerm's validation of the Tables API) `dateTime`.
 */
const tableColumnType = (type: string) => (type === 'datetime' ? 'dateTime' : type);

/** The client secret reference of a tenant on Azure: a variable the container gets from Key Vault. */
export const clientSecretVariable = (customerId: string) =>
  `CITRIX_CLIENT_SECRET_${customerId.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;

/** A Key Vault (and Container App) secret name for the variable `name`: lowercase, hyphens. */
export const secretNameOf = (variable: string) => variable.toLowerCase().replace(/[^a-z0-9]+/g, '-');

/** Every `env:NAME` the config refers to, `{tenant}` expanded for each tenant: the container's secrets. */
export function environmentReferences(config: object, tenants: readonly string[]): string[] {
  const names = new Set<string>();
  for (const [, name] of JSON.stringify(config).matchAll(/"env:([^"]+)"/g))
    for (const tenant of name!.includes('{tenant}') ? tenants : [''])
      names.add(name!.replaceAll('{tenant}', tenant));
  return [...names].sort();
}

export class AzureStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: AzureStackProps) {
    super(scope, id);
    const { name, environment, declaration, sentinelContent } = props;
    const azure = environment.azure as AzureSettings;
    const compact = name.toLowerCase().replace(/[^a-z0-9]/g, '');
    new StateBackend(this, id, environment.backend);
    new AzurermProvider(this, 'azurerm', { subscriptionId: azure.subscriptionId, features: {} });
    const client = new DataClientConfig(this, 'client', {});
    const tags = { application: 'ctxsiem', environment: name };
    const placed = { location: azure.location, tags };

    const group = new ResourceGroup(this, 'resource-group', { name: azure.resourceGroup, ...placed });
    const inGroup = { resourceGroupName: group.name, ...placed };
    // `network: private`: the app environment in a virtual network, the services it uses through private
    // endpoints, their public access off (Key Vault keeps the deployer's addresses, if any).
    const network =
      azure.network === 'private'
        ? new PrivateNetwork(this, 'private-network', {
            name,
            resourceGroupName: group.name,
            location: azure.location,
            tags,
            addressSpace: azure.addressSpace,
          })
        : undefined;
    const privateEndpoints: TerraformResource[] = [];

    const workspace = new LogAnalyticsWorkspace(this, 'workspace', {
      name: `log-ctxsiem-${name}`,
      ...inGroup,
      sku: 'PerGB2018',
      retentionInDays: azure.workspaceRetentionDays,
      // Data arrives through the Logs Ingestion API with Entra tokens, never with a workspace key.
      localAuthenticationEnabled: false,
    });
    const sentinel = new SentinelLogAnalyticsWorkspaceOnboarding(this, 'sentinel', {
      workspaceId: workspace.id,
    });

    const tableByName = new Map(
      Object.entries(declaration.tables).map(([table, { columns }]) => [
        table,
        new LogAnalyticsWorkspaceTableCustomLog(this, `table-${table}`, {
          name: table,
          workspaceId: workspace.id,
          plan: 'Analytics',
          column: columns.map((column) => ({ name: column.name, type: tableColumnType(column.type) })),
        }),
      ]),
    );
    const tables = [...tableByName.values()];
    new SentinelContentResources(this, 'sentinel-content', {
      plan: sentinelContent,
      workspaceId: workspace.id,
      resourceGroupName: group.name,
      location: azure.location,
      tags,
      tables: tableByName,
      sentinel,
      rulesEnabled: azure.sentinelContent.rulesEnabled,
    });
    const endpoint = new MonitorDataCollectionEndpoint(this, 'ingestion-endpoint', {
      name: `dce-ctxsiem-${name}`,
      ...inGroup,
      publicNetworkAccessEnabled: !network,
    });
    if (network) {
      // The ingestion endpoint is reached privately through an Azure Monitor Private Link Scope.
      const scope = new MonitorPrivateLinkScope(this, 'monitor-scope', {
        name: `ampls-ctxsiem-${name}`,
        resourceGroupName: group.name,
        ingestionAccessMode: 'PrivateOnly',
        queryAccessMode: 'Open',
        tags,
      });
      new MonitorPrivateLinkScopedService(this, 'monitor-scope-endpoint', {
        name: 'ingestion-endpoint',
        resourceGroupName: group.name,
        scopeName: scope.name,
        linkedResourceId: endpoint.id,
      });
      privateEndpoints.push(network.endpoint('monitor', scope.id, 'azuremonitor'));
    }
    const rule = new MonitorDataCollectionRule(this, 'collection-rule', {
      name: `dcr-ctxsiem-${name}`,
      ...inGroup,
      dataCollectionEndpointId: endpoint.id,
      destinations: { logAnalytics: [{ name: 'workspace', workspaceResourceId: workspace.id }] },
      streamDeclaration: Object.entries(declaration.streamDeclarations).map(([streamName, { columns }]) => ({
        streamName,
        column: columns.map((column) => ({ name: column.name, type: column.type })),
      })),
      dataFlow: declaration.dataFlows.map((flow) => ({
        streams: flow.streams,
        destinations: flow.destinations,
        transformKql: flow.transformKql,
        outputStream: flow.outputStream,
      })),
      dependsOn: tables,
    });

    const identity = new UserAssignedIdentity(this, 'identity', { name: `id-ctxsiem-${name}`, ...inGroup });
    // The Logs Ingestion API authorizes against the rule, not the workspace.
    new RoleAssignment(this, 'publishes-to-rule', {
      scope: rule.id,
      roleDefinitionName: ROLES.monitoringMetricsPublisher,
      principalId: identity.principalId,
      principalType: 'ServicePrincipal',
    });

    const vault = new KeyVault(this, 'key-vault', {
      name: azure.keyVaultName ?? `kv-ctxsiem-${compact}`.slice(0, 24),
      ...inGroup,
      tenantId: client.tenantId,
      skuName: 'standard',
      rbacAuthorizationEnabled: true,
      purgeProtectionEnabled: true,
      softDeleteRetentionDays: 90,
      ...(network
        ? {
            publicNetworkAccessEnabled: azure.deployerAddresses.length > 0,
            networkAcls: { defaultAction: 'Deny', bypass: 'AzureServices', ipRules: azure.deployerAddresses },
          }
        : {}),
    });
    if (network) privateEndpoints.push(network.endpoint('vault', vault.id, 'vault'));
    const readsSecrets = new RoleAssignment(this, 'reads-secrets', {
      scope: vault.id,
      roleDefinitionName: ROLES.keyVaultSecretsUser,
      principalId: identity.principalId,
      principalType: 'ServicePrincipal',
    });

    // Checkpoints and dead letters on a file share, which every replica mounts: the file store's
    // conditional writes are exclusive creations on it, so each stream has one holder at a time.
    const storage = new StorageAccount(this, 'state-storage', {
      name: azure.storageAccountName ?? `stctxsiem${compact}`.slice(0, 24),
      ...inGroup,
      accountTier: 'Standard',
      accountReplicationType: 'GRS',
      minTlsVersion: 'TLS1_2',
      httpsTrafficOnlyEnabled: true,
      allowNestedItemsToBePublic: false,
      infrastructureEncryptionEnabled: true,
      // The app environment mounts the share with the account key.
      sharedAccessKeyEnabled: true,
      // Deleted shares and blobs come back for a week; shared access signatures expire within a day.
      shareProperties: { retentionPolicy: { days: 7 } },
      blobProperties: { deleteRetentionPolicy: { days: 7 } },
      sasPolicy: { expirationPeriod: '1.00:00:00', expirationAction: 'Log' },
      publicNetworkAccessEnabled: !network,
    });
    if (network) privateEndpoints.push(network.endpoint('file', storage.id, 'file'));
    const share = new StorageShare(this, 'state-share', {
      name: 'ctxsiem-state',
      storageAccountId: storage.id,
      quota: 5,
    });
    // The environment's logs go through Azure Monitor (a diagnostic setting into the workspace): the
    // `log-analytics` destination ships them with the workspace's shared key, which it refuses.
    const apps = new ContainerAppEnvironment(this, 'apps', {
      name: `cae-ctxsiem-${name}`,
      ...inGroup,
      logsDestination: 'azure-monitor',
      ...(network
        ? { infrastructureSubnetId: network.appsSubnet.id, internalLoadBalancerEnabled: true }
        : {}),
    });
    new MonitorDiagnosticSetting(this, 'apps-logs', {
      name: 'ctxsiem-to-workspace',
      targetResourceId: apps.id,
      logAnalyticsWorkspaceId: workspace.id,
      enabledLog: [{ categoryGroup: 'allLogs' }],
    });
    const mount = new ContainerAppEnvironmentStorage(this, 'apps-state', {
      name: 'state',
      containerAppEnvironmentId: apps.id,
      accountName: storage.name,
      shareName: share.name,
      accessKey: storage.getStringAttribute('primary_access_key'),
      accessMode: 'ReadWrite',
    });

    // A getter makes a new token each call: take each once, so the samples below replace it.
    const ingestion = endpoint.logsIngestionEndpoint;
    const ruleId = rule.immutableId;
    const clientId = identity.clientId;
    const config = collectorConfig(
      environment,
      {
        sink: {
          type: 'azure-monitor',
          endpoint: ingestion,
          ruleId,
          clientId,
        },
        deadLetters: { type: 'file', directory: `${STATE_MOUNT}/deadletter` },
        checkpoint: { type: 'file', directory: `${STATE_MOUNT}/state` },
        secretOf: (customerId) => `env:${clientSecretVariable(customerId)}`,
        serve: {
          schedules: [{ cron: cronEvery(environment.schedule.everyMinutes), jitterSeconds: 30 }],
          port: HEALTH_PORT,
        },
      },
      {
        // Known once applied: the collector's schema checks the config with values of their shape.
        [ingestion]: 'https://sample-dce.westeurope-1.ingest.monitor.azure.com',
        [ruleId]: `dcr-${'0'.repeat(31)}1`,
        [clientId]: '00000000-0000-4000-8000-000000000001',
      },
    );
    const variables = environmentReferences(
      config,
      environment.tenants.map((tenant) => tenant.customerId),
    );

    const placeholders = this.#placeholderSecrets(
      vault,
      client,
      variables.map(secretNameOf),
      privateEndpoints,
    );

    const app = new ContainerApp(this, 'collector', {
      name: `ca-ctxsiem-${name}`.slice(0, 32),
      containerAppEnvironmentId: apps.id,
      resourceGroupName: group.name,
      tags,
      revisionMode: 'Single',
      identity: { type: 'UserAssigned', identityIds: [identity.id] },
      secret: variables.map((variable) => ({
        name: secretNameOf(variable),
        keyVaultSecretId: `${vault.vaultUri}secrets/${secretNameOf(variable)}`,
        identity: identity.id,
      })),
      template: {
        // A fixed count (`azure.replicas`): they share the streams by their leases, not by load.
        minReplicas: azure.replicas,
        maxReplicas: azure.replicas,
        container: {
          name: 'ctxsiem',
          image: azure.image,
          cpu: 0.5,
          memory: '1Gi',
          args: ['serve'],
          env: [
            { name: 'CTXSIEM_CONFIG', value: JSON.stringify(config) },
            { name: 'AZURE_CLIENT_ID', value: identity.clientId },
            ...variables.map((variable) => ({ name: variable, secretName: secretNameOf(variable) })),
          ],
          livenessProbe: { transport: 'HTTP', port: HEALTH_PORT, path: '/healthz' },
          readinessProbe: { transport: 'HTTP', port: HEALTH_PORT, path: '/readyz' },
          volumeMounts: [{ name: 'state', path: STATE_MOUNT }],
        },
        volume: [{ name: 'state', storageName: mount.name, storageType: 'AzureFile' }],
      },
      // The Key Vault references resolve when the app is created: after the identity may read them and
      // every secret exists (a placeholder until set).
      dependsOn: [...tables, readsSecrets, ...placeholders, ...privateEndpoints],
    });

    new TerraformOutput(this, 'resource_group', { value: group.name });
    new TerraformOutput(this, 'workspace_id', { value: workspace.workspaceId });
    new TerraformOutput(this, 'logs_ingestion_endpoint', { value: endpoint.logsIngestionEndpoint });
    new TerraformOutput(this, 'dcr_immutable_id', { value: rule.immutableId });
    new TerraformOutput(this, 'container_app', { value: app.name });
    new TerraformOutput(this, 'key_vault', { value: vault.name });
    new TerraformOutput(this, 'key_vault_secrets', {
      value: variables.map(secretNameOf),
      description:
        'Set each: az keyvault secret set --vault-name <key_vault> --name <secret> --value <value>',
    });
  }

  /**
   * Each secret the app references, created as a placeholder the first time (`value_wo`: write-only,
   * never in Terraform state; Terraform ≥ 1.11 or OpenTofu ≥ 1.11) and never touched again, so the
   * operator's value (`az keyvault secret set`) stays. The deployer may set them: Key Vault Secrets
   * Officer on this vault, given time to propagate before the placeholders are written.
   */
  #placeholderSecrets(
    vault: KeyVault,
    client: DataClientConfig,
    names: readonly string[],
    after: readonly TerraformResource[],
  ): KeyVaultSecret[] {
    const deployerSets = new RoleAssignment(this, 'deployer-sets-secrets', {
      scope: vault.id,
      roleDefinitionName: ROLES.keyVaultSecretsOfficer,
      principalId: client.objectId,
    });
    // Azure RBAC takes a while to reach Key Vault's data plane: a secret written at once may be refused.
    const propagation = new TerraformResource(this, 'deployer-role-propagation', {
      terraformResourceType: 'terraform_data',
      dependsOn: [deployerSets],
      provisioners: [{ type: 'local-exec', command: `sleep ${RBAC_PROPAGATION_SECONDS}` }],
    });
    propagation.addOverride('triggers_replace', [deployerSets.id]);
    return names.map(
      (name) =>
        new KeyVaultSecret(this, `placeholder-${name}`, {
          name,
          keyVaultId: vault.id,
          valueWo: 'unset: az keyvault secret set this secret',
          valueWoVersion: 1,
          contentType: 'text/plain',
          lifecycle: { ignoreChanges: 'all' },
          dependsOn: [propagation, ...after],
        }),
    );
  }
}
