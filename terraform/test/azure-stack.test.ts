/**
 * The Azure stack, verified for real with no network: OpenTofu and azurerm (v5) built from the Go module
 * proxy by `obtain.sh`, `tofu init` from the filesystem mirror, `validate`, `plan -out` with a managed
 * identity whose token comes from a local stub, `show -json` — and assertions on the plan: the resources,
 * the roles and their scopes, the DCR's streams and the tables generated from the sources, the container's
 * secrets by Key Vault reference. The bindings are regenerated from the built provider's schema and must
 * be the committed ones.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONTENT_MONITOR_SETS, sentinelContent } from '@ctxsiem/content';
import { DeploymentConfigSchema } from '@ctxsiem/registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateAll } from '../scripts/generate-azurerm.ts';
import { HUNTING_CATEGORY } from '../src/azure/sentinel-content.ts';
import { azureDeclaration } from '../src/collector.ts';
import { parseEnvironment } from '../src/environment.ts';
import { type Json, type SynthesizedStack, synth, TERRAFORM } from './synth.ts';
import { type Plan, planQueries, startMsiStub, type TofuStack, tofuStack } from './tofu.ts';

let stub: Awaited<ReturnType<typeof startMsiStub>>;
let stack: SynthesizedStack;
let tofu: TofuStack;
let plan: Plan;
const timings: Record<string, number> = {};

async function timed<T>(name: string, step: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await step();
  } finally {
    timings[name] = Math.round(performance.now() - started);
  }
}

beforeAll(async () => {
  stub = await startMsiStub();
  stack = (await synth(['prod-azure'])).get('prod-azure')!;
  // The first run on a machine builds OpenTofu and azurerm (~10 min), then they are cached.
  tofu = await timed('obtain', () => tofuStack(stack.dir, stub.url));
  await timed('init', () => tofu.tofu('init', '-input=false', '-no-color'));
  await timed('validate', () => tofu.tofu('validate', '-no-color'));
  await timed('plan', () => tofu.tofu('plan', '-input=false', '-lock=false', '-no-color', '-out=plan.bin'));
  plan = JSON.parse(await timed('show', () => tofu.tofu('show', '-json', 'plan.bin')));
  console.log(`tofu on prod-azure (ms): ${JSON.stringify(timings)}`);
}, 45 * 60_000);
afterAll(async () => {
  await stub?.close();
});

const { planned, references } = planQueries(() => plan);
/** The addresses a resource's `depends_on` names. */
const dependsOn = (address: string): string[] =>
  plan.configuration.root_module.resources.find((r) => r.address === address)?.depends_on ?? [];

describe('the Azure stack under OpenTofu and azurerm v5', () => {
  it('plans every resource to be created, authenticated by a managed identity with no network', () => {
    const counts: Record<string, number> = {};
    for (const change of plan.resource_changes) {
      expect(change.change.actions, change.address).toEqual(['create']);
      const type = change.address.split('.')[0]!;
      counts[type] = (counts[type] ?? 0) + 1;
    }
    console.log(`plan prod-azure: ${plan.resource_changes.length} to add ${JSON.stringify(counts)}`);
    expect(counts).toEqual({
      azurerm_container_app: 1,
      azurerm_container_app_environment: 1,
      azurerm_container_app_environment_storage: 1,
      azurerm_key_vault: 1,
      azurerm_key_vault_secret: 2,
      azurerm_log_analytics_workspace: 1,
      azurerm_log_analytics_workspace_table_custom_log: 18,
      azurerm_log_analytics_saved_search: 28,
      azurerm_sentinel_alert_rule_scheduled: 10,
      azurerm_application_insights_workbook: 1,
      azurerm_monitor_data_collection_endpoint: 1,
      azurerm_monitor_data_collection_rule: 1,
      azurerm_monitor_diagnostic_setting: 1,
      azurerm_resource_group: 1,
      azurerm_role_assignment: 3,
      azurerm_sentinel_log_analytics_workspace_onboarding: 1,
      azurerm_storage_account: 1,
      azurerm_storage_share: 1,
      azurerm_user_assigned_identity: 1,
      terraform_data: 1,
    });
    expect(stub.requests).toBeGreaterThan(0);
  });

  it('creates ctxsiem’s Sentinel content: functions, rules, hunting queries and the workbook, as the content files say', () => {
    const content = sentinelContent();
    const searches = planned('azurerm_log_analytics_saved_search');
    const functions = searches.filter((search) => search.values.function_alias);
    expect(functions.map((fn) => fn.values.function_alias).sort()).toEqual(
      [
        ...content.functions.map(({ content: fn }) => fn.name),
        ...CONTENT_MONITOR_SETS.map((set) => `CitrixMonitor${set}Latest`),
      ].sort(),
    );
    const parser = functions.find((fn) => fn.values.function_alias === 'vimAuthenticationCitrixDaaS')!;
    expect(parser.values.function_parameters).toContain("eventresult:string='*'");
    // Created after the functions it calls and the tables they read.
    const calls = dependsOn(parser.address).map(
      (address) => /function-(\w+?)(_[0-9A-F]+)?$/.exec(address)?.[1],
    );
    expect(calls.filter(Boolean).sort()).toEqual([
      'CitrixConnectionFailureReasons',
      'CitrixMonitorConnectionFailureLogsLatest',
      'CitrixMonitorConnectionsLatest',
      'CitrixMonitorMachinesLatest',
      'CitrixMonitorSessionsLatest',
      'CitrixMonitorUsersLatest',
    ]);
    const hunting = searches.filter((search) => search.values.category === HUNTING_CATEGORY);
    expect(hunting).toHaveLength(content.hunting.length);
    for (const query of hunting) {
      const tags = query.values.tags as Record<string, string>;
      expect(Buffer.byteLength(tags.description!)).toBeLessThanOrEqual(256);
      expect(tags.tactics).toMatch(/^[A-Za-z]+(,[A-Za-z]+)*$/);
    }
    const rules = planned('azurerm_sentinel_alert_rule_scheduled');
    expect(rules.map((rule) => rule.values.display_name).sort()).toEqual(
      content.rules.map(({ content: rule }) => rule.name).sort(),
    );
    const travel = rules.find((rule) => rule.values.name === '4f0c8e2a-6b1d-4c3e-9a57-1d2e3f4a5b60')!;
    expect(travel.values).toMatchObject({
      query_frequency: 'PT1H',
      query_period: 'PT1H',
      trigger_operator: 'GreaterThan',
      enabled: true,
      entity_mapping: [
        { entity_type: 'Account', field_mapping: [{ identifier: 'Name', column_name: 'TargetUsername' }] },
        { entity_type: 'IP', field_mapping: [{ identifier: 'Address', column_name: 'SrcIpAddr' }] },
        { entity_type: 'IP', field_mapping: [{ identifier: 'Address', column_name: 'NextIpAddr' }] },
      ],
    });
    expect(dependsOn(travel.address)).toEqual(
      expect.arrayContaining([
        'azurerm_sentinel_log_analytics_workspace_onboarding.sentinel',
        expect.stringContaining('function-vimAuthenticationCitrixDaaS'),
      ]),
    );
    const [workbook] = planned('azurerm_application_insights_workbook');
    expect(workbook!.values).toMatchObject({
      category: 'sentinel',
      display_name: expect.stringContaining('DaaS'),
    });
    expect(references(workbook!.address, 'source_id')).toContain(
      'azurerm_log_analytics_workspace.workspace.id',
    );
    // prod-azure collects every table the content reads: nothing is left out.
    expect(plan.planned_values.outputs?.sentinel_content_not_deployed?.value).toEqual([]);
  });

  it('lets the app’s identity publish to the rule and read the vault’s secrets, nothing wider', () => {
    const roles = planned('azurerm_role_assignment')
      .filter((r) => r.name !== 'deployer-sets-secrets')
      .map((r) => ({
        role: r.values.role_definition_name,
        scope: references(r.address, 'scope'),
        principal: references(r.address, 'principal_id'),
      }));
    expect(roles).toEqual([
      {
        role: 'Monitoring Metrics Publisher',
        scope: [
          'azurerm_monitor_data_collection_rule.collection-rule.id',
          'azurerm_monitor_data_collection_rule.collection-rule',
        ],
        principal: [
          'azurerm_user_assigned_identity.identity.principal_id',
          'azurerm_user_assigned_identity.identity',
        ],
      },
      {
        role: 'Key Vault Secrets User',
        scope: ['azurerm_key_vault.key-vault.id', 'azurerm_key_vault.key-vault'],
        principal: [
          'azurerm_user_assigned_identity.identity.principal_id',
          'azurerm_user_assigned_identity.identity',
        ],
      },
    ]);
    const [vault] = planned('azurerm_key_vault');
    expect(vault!.values).toMatchObject({ rbac_authorization_enabled: true, purge_protection_enabled: true });
    const [workspace] = planned('azurerm_log_analytics_workspace');
    expect(workspace!.values).toMatchObject({ local_authentication_enabled: false, retention_in_days: 90 });
  });

  it('declares in the rule exactly the streams and tables generated from the sources', async () => {
    const environment = parseEnvironment(
      'prod-azure',
      readFileSync(join(TERRAFORM, 'environments', 'prod-azure.json'), 'utf8'),
    );
    const declaration = await azureDeclaration(environment);
    const [rule] = planned('azurerm_monitor_data_collection_rule');
    const streams = rule!.values.stream_declaration as { stream_name: string; column: Json[] }[];
    expect(streams.map((s) => s.stream_name).toSorted()).toEqual(
      Object.keys(declaration.streamDeclarations).toSorted(),
    );
    for (const stream of streams)
      expect(stream.column, stream.stream_name).toEqual(
        declaration.streamDeclarations[stream.stream_name]!.columns,
      );
    const flows = rule!.values.data_flow as { output_stream: string; streams: string[] }[];
    const tables = planned('azurerm_log_analytics_workspace_table_custom_log');
    expect(tables.map((t) => t.values.name).toSorted()).toEqual(Object.keys(declaration.tables).toSorted());
    expect(flows.map((f) => f.output_stream.replace(/^Custom-/, '')).toSorted()).toEqual(
      tables.map((t) => t.values.name).toSorted(),
    );
    const sessions = tables.find((t) => t.values.name === 'CitrixMonitorSessions_CL')!;
    expect((sessions.values.column as Json[])[0]).toMatchObject({ name: 'TimeGenerated', type: 'dateTime' });
    // Every row's record id has a column in every stream and table, Citrix's CCF tables included.
    expect(tables.map((t) => t.values.name)).toContain('CitrixAnalytics_SPA_Events_V1_CL');
    for (const table of tables)
      expect(table.values.column as Json[], String(table.values.name)).toContainEqual(
        expect.objectContaining({ name: 'CtxsiemRecordId', type: 'string' }),
      );
    for (const stream of streams)
      expect(stream.column, stream.stream_name).toContainEqual({ name: 'CtxsiemRecordId', type: 'string' });
  });

  it('runs ctxsiem serve with its config, secrets by Key Vault reference and its state on the share', () => {
    const [app] = planned('azurerm_container_app');
    const [template] = app!.values.template as Json[];
    const [container] = (template as Json).container as Json[];
    expect(template).toMatchObject({ min_replicas: 1, max_replicas: 1 });
    expect(container).toMatchObject({ image: 'ghcr.io/acme/ctxsiem:0.1.0', args: ['serve'] });
    const env = (container as Json).env as { name: string; value?: string; secret_name?: string }[];
    expect(env.map((e) => [e.name, e.secret_name ?? 'value']).toSorted()).toEqual([
      ['AZURE_CLIENT_ID', 'value'],
      ['CAS_PASSWORD_acmeeu', 'cas-password-acmeeu'],
      ['CITRIX_CLIENT_SECRET_ACMEEU', 'citrix-client-secret-acmeeu'],
      ['CTXSIEM_CONFIG', 'value'],
    ]);
    expect(app!.values.secret).toEqual([
      expect.objectContaining({ name: 'cas-password-acmeeu' }),
      expect.objectContaining({ name: 'citrix-client-secret-acmeeu' }),
    ]);
    for (const secret of app!.values.secret as Json[]) expect(secret.value ?? '').toBe('');
    // The config is known but for what Azure assigns (the endpoint, the rule, the identity): check its shape.
    const config = stack.resource('azurerm_container_app', 'collector');
    const [synthTemplate] = config.template as Json[];
    const [synthContainer] = (synthTemplate as Json).container as Json[];
    const document = ((synthContainer as Json).env as { name: string; value: string }[]).find(
      (e) => e.name === 'CTXSIEM_CONFIG',
    )!.value;
    const sample = document
      .replace(
        '${azurerm_monitor_data_collection_endpoint.ingestion-endpoint.logs_ingestion_endpoint}',
        'https://x.westeurope-1.ingest.monitor.azure.com',
      )
      .replace(
        '${azurerm_monitor_data_collection_rule.collection-rule.immutable_id}',
        `dcr-${'a'.repeat(32)}`,
      )
      .replace(
        '${azurerm_user_assigned_identity.identity.client_id}',
        '00000000-0000-4000-8000-000000000009',
      );
    const parsed = DeploymentConfigSchema.parse(JSON.parse(sample));
    expect(parsed.sink).toMatchObject({
      type: 'azure-monitor',
      clientId: '00000000-0000-4000-8000-000000000009',
    });
    expect(parsed.checkpoint).toEqual({ type: 'file', directory: '/var/lib/ctxsiem/state' });
    expect(parsed.serve.schedules).toEqual([{ cron: '*/15 * * * *', jitterSeconds: 30 }]);
    expect(template).toMatchObject({
      volume: [expect.objectContaining({ name: 'state', storage_type: 'AzureFile' })],
    });
  });

  it('uses bindings that are the built provider’s schema, regenerated unchanged', async () => {
    const schema = join(tofu.dir, 'schema.json');
    writeFileSync(schema, await tofu.tofu('providers', 'schema', '-json'));
    const folder = join(TERRAFORM, 'src', 'azure', 'azurerm');
    const generated = generateAll(readFileSync(schema, 'utf8'), '5.2.1');
    expect(Object.keys(generated).toSorted()).toEqual(readdirSync(folder).toSorted());
    for (const [file, text] of Object.entries(generated))
      expect(text, `${file}: run node terraform/scripts/generate-azurerm.ts`).toBe(
        readFileSync(join(folder, file), 'utf8'),
      );
  });

  it('lets the deployer set the vault’s secrets (README’s az keyvault secret set), waiting for the role', () => {
    const [deployer] = planned('azurerm_role_assignment').filter((r) => r.name === 'deployer-sets-secrets');
    expect(deployer!.values.role_definition_name).toBe('Key Vault Secrets Officer');
    expect(references(deployer!.address, 'scope')).toContain('azurerm_key_vault.key-vault.id');
    expect(references(deployer!.address, 'principal_id')).toContain(
      'data.azurerm_client_config.client.object_id',
    );
    const wait = plan.configuration.root_module.resources.find((r) =>
      r.address.startsWith('terraform_data.'),
    )!;
    expect(wait.address).toBe('terraform_data.deployer-role-propagation');
  });

  it('creates every referenced secret before the app, as a write-only placeholder kept out of state', () => {
    const secrets = planned('azurerm_key_vault_secret');
    expect(secrets.map((s) => s.values.name).toSorted()).toEqual([
      'cas-password-acmeeu',
      'citrix-client-secret-acmeeu',
    ]);
    for (const secret of secrets) {
      // Write-only: the plan (like the state) holds no value.
      expect(secret.values.value ?? null, secret.address).toBeNull();
      expect(secret.values.value_wo ?? null, secret.address).toBeNull();
      expect(secret.values.value_wo_version).toBe(1);
    }
    const synthesized = stack.resources('azurerm_key_vault_secret');
    for (const [id, secret] of Object.entries(synthesized)) {
      expect(secret.lifecycle, id).toEqual({ ignore_changes: 'all' });
      expect(secret.depends_on, id).toEqual(['terraform_data.deployer-role-propagation']);
    }
    const app = stack.resource('azurerm_container_app', 'collector');
    expect(app.depends_on).toEqual(
      expect.arrayContaining([
        'azurerm_role_assignment.reads-secrets',
        ...Object.keys(synthesized).map((id) => `azurerm_key_vault_secret.${id}`),
      ]),
    );
  });

  it('sends the app environment’s logs through Azure Monitor, not with the workspace key it refuses', () => {
    const [environment] = planned('azurerm_container_app_environment');
    expect(environment!.values.logs_destination).toBe('azure-monitor');
    expect(environment!.values.log_analytics_workspace_id ?? null).toBeNull();
    const [setting] = planned('azurerm_monitor_diagnostic_setting');
    expect(references(setting!.address, 'target_resource_id')).toContain(
      'azurerm_container_app_environment.apps.id',
    );
    expect(references(setting!.address, 'log_analytics_workspace_id')).toContain(
      'azurerm_log_analytics_workspace.workspace.id',
    );
    expect(setting!.values.enabled_log).toEqual([expect.objectContaining({ category_group: 'allLogs' })]);
  });
});
