/**
 * The Google Cloud stack as synthesized: a private, versioned, expiring bucket; the function from the
 * built zip, callable only by the scheduler's identity with an OIDC token; its service account able to
 * create and read objects and to replace only state and dead letters; secrets by reference; a GCS feed
 * per stream with read access for the feed's service account; ctxsiem's YARA-L rules, each deployed.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeploymentConfigSchema } from '@ctxsiem/registry';
import { beforeAll, describe, expect, it } from 'vitest';
import { GOOGLE_MINIMUM } from '../src/providers.ts';
import {
  ADMIN_MACHINE_RULE,
  ADMIN_MACHINES_LIST,
  CHRONICLE_RULE_MINIMUM,
  SecOpsRulesSchema,
  secopsRuleFiles,
} from '../src/secops/chronicle-rules.ts';
import { type Json, type SynthesizedStack, synth, TERRAFORM } from './synth.ts';

let prod: SynthesizedStack;
beforeAll(async () => {
  prod = (await synth(['prod-gcp'])).get('prod-gcp')!;
});

describe('the Google Cloud stack', () => {
  it('keeps the bucket private, uniform, versioned and expiring', () => {
    expect(prod.resource('google_storage_bucket', 'collector-bucket')).toMatchObject({
      name: 'acme-ctxsiem-prod',
      uniform_bucket_level_access: true,
      public_access_prevention: 'enforced',
      versioning: { enabled: true },
      lifecycle_rule: [
        { action: { type: 'Delete' }, condition: { age: 400, matches_prefix: ['citrix/'] } },
        { action: { type: 'Delete' }, condition: { days_since_noncurrent_time: 30 } },
      ],
    });
  });

  it('runs the built function as its own service account, callable only by the scheduler', () => {
    const fn = prod.resource('google_cloudfunctions2_function', 'collector');
    expect(fn).toMatchObject({
      name: 'ctxsiem-prod-gcp',
      build_config: { runtime: 'nodejs24', entry_point: 'collect' },
      service_config: {
        service_account_email: '${google_service_account.runtime.email}',
        max_instance_count: 2,
        environment_variables: { CTXSIEM_CONFIG: 'gs://acme-ctxsiem-prod/_ctxsiem/config.json' },
      },
    });
    const source = prod.resource('google_storage_bucket_object', 'function-source');
    expect(source.name).toMatch(
      /^_ctxsiem\/function-\$\{filemd5\("assets\/function-zip\/[0-9A-F]+\/function\.zip"\)\}\.zip$/,
    );
    expect(Object.values(prod.resources('google_cloud_run_v2_service_iam_member'))).toEqual([
      expect.objectContaining({
        role: 'roles/run.invoker',
        member: 'serviceAccount:${google_service_account.invoker.email}',
      }),
    ]);
    const [job] = Object.values(prod.resources('google_cloud_scheduler_job'));
    expect(job).toMatchObject({
      schedule: '*/30 * * * *',
      time_zone: 'Etc/UTC',
      http_target: {
        http_method: 'POST',
        uri: '${google_cloudfunctions2_function.collector.service_config[0].uri}',
        oidc_token: { service_account_email: '${google_service_account.invoker.email}' },
      },
    });
    const body = Buffer.from(String((job!.http_target as Json).body), 'base64').toString();
    expect(JSON.parse(body)).toEqual({ tenants: ['acmeprod'] });
  });

  it('lets the function create and read objects, and replace only state, dead letters and probes', () => {
    const grants = Object.values(prod.resources('google_storage_bucket_iam_member')).filter((grant) =>
      String(grant.member).includes('runtime'),
    );
    expect(grants.map((grant) => grant.role).toSorted()).toEqual([
      'roles/storage.objectCreator',
      'roles/storage.objectUser',
      'roles/storage.objectViewer',
    ]);
    const replace = grants.find((grant) => grant.role === 'roles/storage.objectUser')!;
    expect((replace.condition as Json).expression).toBe(
      ['_state', '_deadletter', '_probe']
        .map((f) => `resource.name.startsWith("projects/_/buckets/acme-ctxsiem-prod/objects/citrix/${f}/")`)
        .join(' || '),
    );
  });

  it('hands the function a config it accepts, its secret by reference, readable by it alone', () => {
    const config = DeploymentConfigSchema.parse(
      JSON.parse(prod.resource('google_storage_bucket_object', 'collector-config').content as string),
    );
    expect(config.tenants[0]!.clientSecret).toBe(
      'gcpsecret:projects/acme-ctxsiem-prod/secrets/ctxsiem-prod-gcp-acmeprod/versions/latest',
    );
    expect(config.sink).toMatchObject({ type: 'gcs', bucket: 'acme-ctxsiem-prod', prefix: 'citrix' });
    expect(prod.resource('google_secret_manager_secret', 'secret-acmeprod')).toMatchObject({
      secret_id: 'ctxsiem-prod-gcp-acmeprod',
    });
    expect(prod.resource('google_secret_manager_secret_iam_member', 'secret-acmeprod-reader')).toMatchObject({
      role: 'roles/secretmanager.secretAccessor',
      member: 'serviceAccount:${google_service_account.runtime.email}',
    });
    expect(prod.resources('google_secret_manager_secret_version')).toEqual({});
  });

  it('feeds SecOps from each stream’s folder, with read access for the feed', () => {
    const feeds = Object.entries(prod.resources('google_chronicle_feed'));
    expect(feeds.map(([id]) => id)).toEqual([
      'feed-analytics-machines',
      'feed-analytics-sessions',
      'feed-analytics-users',
      'feed-monitor-Applications',
      'feed-monitor-Connections',
      'feed-monitor-Machines',
      'feed-monitor-Sessions',
      'feed-monitor-Users',
    ]);
    const [id, sessions] = feeds.find(([key]) => key === 'feed-monitor-Sessions')!;
    const [details] = sessions.details as Json[];
    expect(details).toMatchObject({
      feed_source_type: 'GOOGLE_CLOUD_STORAGE_V2',
      log_type:
        'projects/acme-secops/locations/us/instances/7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d/logTypes/CITRIX_MONITOR',
      gcs_v2_settings: [
        { bucket_uri: 'gs://acme-ctxsiem-prod/citrix/Sessions/', source_deletion_option: 'NEVER' },
      ],
    });
    expect(id).toBe('feed-monitor-Sessions');
    expect(prod.resource('google_storage_bucket_iam_member', 'secops-reads-streams')).toMatchObject({
      role: 'roles/storage.objectViewer',
      member: 'serviceAccount:chronicle-feeds-7a6b5c4d@chronicle-prod.iam.gserviceaccount.com',
    });
  });

  it('creates ctxsiem’s YARA-L rules in the SecOps instance, each deployed; the admin-machine rule only with known machines', () => {
    const rules = prod.resources('google_chronicle_rule');
    const files = secopsRuleFiles().filter((rule) => rule.name !== ADMIN_MACHINE_RULE);
    expect(Object.keys(rules).sort()).toEqual(files.map((rule) => `secops-rule-${rule.name}`).sort());
    for (const { name, text } of files) {
      expect(rules[`secops-rule-${name}`]).toMatchObject({
        project: 'acme-secops',
        location: 'us',
        instance: '7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d',
        text,
      });
      expect(
        prod.resource('google_chronicle_rule_deployment', `secops-rule-deployment-${name}`),
      ).toMatchObject({
        rule: `\${google_chronicle_rule.secops-rule-${name}.rule_id}`,
        enabled: true,
        alerting: true,
      });
    }
    expect(prod.resources('google_chronicle_reference_list')).toEqual({});
    expect(prod.json.output).toMatchObject({ secops_rules_not_deployed: { value: [ADMIN_MACHINE_RULE] } });
    // The resources shipped in google 6.28.0: the stack pins no older google.
    const version = (v: string) => v.split('.').map(Number) as [number, number, number];
    const [major, minor] = version(GOOGLE_MINIMUM);
    const [needMajor, needMinor] = version(CHRONICLE_RULE_MINIMUM);
    expect(major * 1000 + minor).toBeGreaterThanOrEqual(needMajor * 1000 + needMinor);
    expect((prod.json.terraform as Json).required_providers).toMatchObject({
      google: { version: `>= ${GOOGLE_MINIMUM}, < 8.0.0` },
    });
  });

  it('switches rules in the environment file, and gives the admin-machine rule its reference list', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'ctxsiem-secops-rules-'));
    const environment = JSON.parse(readFileSync(join(TERRAFORM, 'environments', 'prod-gcp.json'), 'utf8'));
    environment.secops.rules = {
      deploy: [ADMIN_MACHINE_RULE, 'citrix_cloud_api_client_created'],
      alerting: false,
      knownAdminMachines: ['10.20.0.0/24', '192.0.2.15'],
    };
    writeFileSync(join(folder, 'prod-gcp.json'), JSON.stringify(environment));
    const stack = (await synth(['prod-gcp'], folder)).get('prod-gcp')!;
    expect(Object.keys(stack.resources('google_chronicle_rule')).sort()).toEqual([
      'secops-rule-citrix_cloud_api_client_created',
      `secops-rule-${ADMIN_MACHINE_RULE}`,
    ]);
    expect(stack.resource('google_chronicle_reference_list', 'secops-list-admin-machines')).toMatchObject({
      reference_list_id: ADMIN_MACHINES_LIST,
      syntax_type: 'REFERENCE_LIST_SYNTAX_TYPE_CIDR',
      entries: [{ value: '10.20.0.0/24' }, { value: '192.0.2.15' }],
    });
    expect(stack.resource('google_chronicle_rule', `secops-rule-${ADMIN_MACHINE_RULE}`).depends_on).toEqual([
      'google_chronicle_reference_list.secops-list-admin-machines',
    ]);
    expect(
      stack.resource(
        'google_chronicle_rule_deployment',
        'secops-rule-deployment-citrix_cloud_api_client_created',
      ),
    ).toMatchObject({ enabled: true, alerting: false });
    // The list the rule reads is the one created.
    expect(secopsRuleFiles().find((rule) => rule.name === ADMIN_MACHINE_RULE)!.text).toContain(
      `%${ADMIN_MACHINES_LIST}`,
    );
  });

  it('refuses an unknown rule, a bad address, and the admin-machine rule named without machines', () => {
    const issues = (input: unknown) =>
      SecOpsRulesSchema.safeParse(input).error?.issues.map(
        (issue) => `${issue.path.join('.')}: ${issue.message}`,
      ) ?? [];
    expect(issues({})).toEqual([]);
    expect(issues({ deploy: ['citrix_no_such_rule'] })[0]).toMatch(/^deploy: /);
    expect(issues({ knownAdminMachines: ['10.0.0.0/8', 'admin-pc'] })).toEqual([
      'knownAdminMachines.1: must be an IP address or a CIDR range',
    ]);
    expect(issues({ deploy: [ADMIN_MACHINE_RULE] })).toEqual([
      `knownAdminMachines: ${ADMIN_MACHINE_RULE} needs the known admin machines (its reference list cannot be empty)`,
    ]);
  });
});
