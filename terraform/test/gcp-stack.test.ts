/**
 * The Google Cloud stack as synthesized: a private, versioned, expiring bucket; the function from the
 * built zip, callable only by the scheduler's identity with an OIDC token; its service account able to
 * create and read objects and to replace only state and dead letters; secrets by reference; with
 * `gcp.delivery: "feeds"` a GCS feed per stream with read access for the feed's service account and no
 * rule; with `"udm"` the SecOps sink as the function's account, no feed, and ctxsiem's YARA-L rules.
 */
import { ConfigError } from '@ctxsiem/core';
import { DeploymentConfigSchema } from '@ctxsiem/registry';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseEnvironment } from '../src/environment.ts';
import { SECOPS_IMPORT_ROLE } from '../src/gcp/gcp-stack.ts';
import { GOOGLE_MINIMUM } from '../src/providers.ts';
import {
  ADMIN_MACHINE_RULE,
  ADMIN_MACHINES_LIST,
  CHRONICLE_RULE_MINIMUM,
  SecOpsRulesSchema,
  secopsRuleFiles,
} from '../src/secops/chronicle-rules.ts';
import { exampleEnvironment, synthVariant, withUdmDelivery } from './gcp-variants.ts';
import { type Json, type SynthesizedStack, synth } from './synth.ts';

/** prod-gcp.json (feeds) as a test edits it. */
type Example = Json & {
  secops: Json & { rules?: Json };
  gcp: Json & { delivery?: string; secopsReader?: Json };
};
const example = () => exampleEnvironment('prod-gcp') as Example;
const udmExample = () => withUdmDelivery(example());

/** The issues of an environment that must not validate, as `path: reason` lines. */
function refusal(environment: Example): string[] {
  try {
    parseEnvironment('environments/prod-gcp.json', JSON.stringify(environment));
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues.map((issue) => `${issue.path}: ${issue.reason}`);
  }
  throw new Error('the environment validated');
}

let prod: SynthesizedStack;
let udm: SynthesizedStack;
beforeAll(async () => {
  prod = (await synth(['prod-gcp'])).get('prod-gcp')!;
  udm = await synthVariant('prod-gcp', udmExample());
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

  it('with delivery "udm", creates ctxsiem’s YARA-L rules in the SecOps instance, each deployed; the admin-machine rule only with known machines', () => {
    const rules = udm.resources('google_chronicle_rule');
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
        udm.resource('google_chronicle_rule_deployment', `secops-rule-deployment-${name}`),
      ).toMatchObject({
        rule: `\${google_chronicle_rule.secops-rule-${name}.rule_id}`,
        enabled: true,
        alerting: true,
      });
    }
    expect(udm.resources('google_chronicle_reference_list')).toEqual({});
    expect(udm.json.output).toMatchObject({ secops_rules_not_deployed: { value: [ADMIN_MACHINE_RULE] } });
    // The resources shipped in google 6.28.0: the stack pins no older google.
    const version = (v: string) => v.split('.').map(Number) as [number, number, number];
    const [major, minor] = version(GOOGLE_MINIMUM);
    const [needMajor, needMinor] = version(CHRONICLE_RULE_MINIMUM);
    expect(major * 1000 + minor).toBeGreaterThanOrEqual(needMajor * 1000 + needMinor);
    expect((udm.json.terraform as Json).required_providers).toMatchObject({
      google: { version: `>= ${GOOGLE_MINIMUM}, < 8.0.0` },
    });
  });

  it('switches rules in the environment file, and gives the admin-machine rule its reference list', async () => {
    const environment = udmExample();
    environment.secops.rules = {
      deploy: [ADMIN_MACHINE_RULE, 'citrix_cloud_api_client_created'],
      alerting: false,
      knownAdminMachines: ['10.20.0.0/24', '192.0.2.15'],
    };
    const stack = await synthVariant('prod-gcp', environment);
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

  it('with delivery "feeds" (the default), creates no rule and says why in the output', () => {
    expect(prod.resources('google_chronicle_rule')).toEqual({});
    expect(prod.resources('google_chronicle_rule_deployment')).toEqual({});
    expect(prod.resources('google_chronicle_reference_list')).toEqual({});
    const output = (prod.json.output as Record<string, Json>).secops_rules_not_deployed!;
    expect(output.value).toEqual(secopsRuleFiles().map((rule) => rule.name));
    expect(output.description).toMatch(/gcp\.delivery "feeds".*never produce/);
    expect(prod.json.output).not.toHaveProperty('secops_rules');
    expect(prod.resources('google_project_iam_member')).not.toHaveProperty('runtime-imports-secops');
  });

  it('refuses rules asked for with delivery "feeds", naming the field, why and what to set', () => {
    const message = (kind: string) =>
      `secops.rules.deploy: cannot be ${kind} with gcp.delivery "feeds": the rules read the UDM events the collector sends to SecOps itself (gcp.delivery "udm"), and the GCS feeds' logs are normalised by Google's parsers into UDM the rules do not read, so they would never fire. Set gcp.delivery to "udm", or leave secops.rules.deploy unset (no rules with feeds)`;
    const asking = (deploy: unknown, delivery?: string) => {
      const environment = example();
      if (delivery) environment.gcp.delivery = delivery;
      environment.secops.rules = { deploy };
      return environment;
    };
    expect(refusal(asking(true))).toEqual([message('true')]);
    expect(refusal(asking(['citrix_cloud_api_client_created'], 'feeds'))).toEqual([message('a list')]);
    // Saying none, or leaving it to the delivery, is accepted.
    expect(() => parseEnvironment('prod-gcp.json', JSON.stringify(asking(false)))).not.toThrow();
    expect(() => parseEnvironment('prod-gcp.json', JSON.stringify(example()))).not.toThrow();
  });

  it('refuses delivery "udm" without a SecOps instance, and a feed reader it would not use', () => {
    const withoutSecops = udmExample();
    delete (withoutSecops as Json).secops;
    expect(refusal(withoutSecops)).toEqual([
      'gcp.delivery: "udm" sends to a SecOps instance: name it in secops (project, location, instance)',
    ]);
    const withReader = udmExample();
    withReader.gcp.secopsReader = example().gcp.secopsReader!;
    expect(refusal(withReader)).toEqual([
      'gcp.secopsReader: not used with delivery "udm": no SecOps feed reads the bucket (remove it)',
    ]);
  });

  it('with delivery "udm", hands the function the SecOps sink (UDM, import API), dead letters to the bucket', () => {
    const config = DeploymentConfigSchema.parse(
      JSON.parse(udm.resource('google_storage_bucket_object', 'collector-config').content as string),
    );
    expect(config.sink).toMatchObject({
      type: 'secops',
      api: 'import',
      format: 'udm',
      region: 'us',
      project: 'acme-secops',
      instance: '7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d',
    });
    // No key: Application Default Credentials, the function's own service account.
    expect(config.sink).not.toHaveProperty('serviceAccountKey');
    // Dead letters where the runtime may replace them; checkpoints as with feeds.
    expect(config.deadLetters).toMatchObject({
      type: 'gcs',
      bucket: 'acme-ctxsiem-prod',
      deadLetterPrefix: 'citrix/_deadletter',
    });
    expect(config.checkpoint).toMatchObject({
      type: 'gcs',
      bucket: 'acme-ctxsiem-prod',
      prefix: 'citrix/_state',
    });
    expect(udm.resource('google_cloudfunctions2_function', 'collector').description).toBe(
      'ctxsiem prod-gcp: Citrix Cloud telemetry into Google SecOps 7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d',
    );
  });

  it('with delivery "udm", lets the function import into the SecOps project, and makes no feed', () => {
    const grant = udm.resource('google_project_iam_member', 'runtime-imports-secops');
    expect(grant).toMatchObject({
      project: 'acme-secops',
      role: 'roles/chronicle.editor',
      member: 'serviceAccount:${google_service_account.runtime.email}',
    });
    expect(SECOPS_IMPORT_ROLE).toBe('roles/chronicle.editor');
    // The function is deployed after the grant it imports with.
    expect(udm.resource('google_cloudfunctions2_function', 'collector').depends_on).toContain(
      'google_project_iam_member.runtime-imports-secops',
    );
    expect(udm.resources('google_chronicle_feed')).toEqual({});
    expect(udm.resources('google_storage_bucket_iam_member')).not.toHaveProperty('secops-reads-streams');
    expect(udm.json.output).not.toHaveProperty('secops_feeds');
    // The grant is only made with udm.
    expect(prod.resources('google_project_iam_member')).not.toHaveProperty('runtime-imports-secops');
  });

  it('grants a narrower role of your own instead, only with delivery "udm"; labels with the namespace', async () => {
    const role = 'projects/acme-secops/roles/ctxsiemImporter';
    const environment = udmExample();
    environment.gcp.secopsImportRole = role;
    environment.secops.namespace = 'citrix-prod';
    const stack = await synthVariant('prod-gcp', environment);
    const config = JSON.parse(
      stack.resource('google_storage_bucket_object', 'collector-config').content as string,
    );
    expect(config.sink.namespace).toBe('citrix-prod');
    expect(udm.resource('google_storage_bucket_object', 'collector-config').content).not.toContain(
      'namespace',
    );
    expect(stack.resource('google_project_iam_member', 'runtime-imports-secops')).toMatchObject({
      project: 'acme-secops',
      role,
    });
    const feeds = example();
    feeds.gcp.secopsImportRole = role;
    expect(refusal(feeds)).toEqual([
      'gcp.secopsImportRole: only used with delivery "udm": with feeds the function does not import into SecOps',
    ]);
    environment.gcp.secopsImportRole = 'chronicle.editor';
    expect(refusal(environment)).toEqual([expect.stringMatching(/^gcp\.secopsImportRole: must be a role/)]);
  });
});
