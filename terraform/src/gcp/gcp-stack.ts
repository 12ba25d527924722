/**
 * An environment on Google Cloud: the collector bucket (uniform access, public access prevented,
 * versioned, expiring), a Secret Manager secret per tenant (its value set out of band), the Cloud Run
 * function (nodejs24) from `apps/cloud-function/dist/function.zip` as its own service account, a Cloud
 * Scheduler job per tenant calling it with an OIDC token, and — with a SecOps instance — either
 * (`gcp.delivery: "feeds"`) one GCS feed per stream, its service account allowed to read the bucket, or
 * (`"udm"`) the function sending to the instance itself with the SecOps sink (`format: udm`) as its own
 * service account, and ctxsiem's YARA-L rules (`secops.rules`), which read those UDM events.
 */
import { createHash } from 'node:crypto';
import { ArtifactRegistryRepository } from '@cdktf/provider-google/lib/artifact-registry-repository/index.js';
import { ArtifactRegistryRepositoryIamMember } from '@cdktf/provider-google/lib/artifact-registry-repository-iam-member/index.js';
import { CloudRunV2ServiceIamMember } from '@cdktf/provider-google/lib/cloud-run-v2-service-iam-member/index.js';
import { CloudSchedulerJob } from '@cdktf/provider-google/lib/cloud-scheduler-job/index.js';
import { Cloudfunctions2Function } from '@cdktf/provider-google/lib/cloudfunctions2-function/index.js';
import { ProjectIamAuditConfig } from '@cdktf/provider-google/lib/project-iam-audit-config/index.js';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member/index.js';
import { ProjectService } from '@cdktf/provider-google/lib/project-service/index.js';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider/index.js';
import { SecretManagerSecret } from '@cdktf/provider-google/lib/secret-manager-secret/index.js';
import { SecretManagerSecretIamMember } from '@cdktf/provider-google/lib/secret-manager-secret-iam-member/index.js';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account/index.js';
import { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket/index.js';
import { StorageBucketIamMember } from '@cdktf/provider-google/lib/storage-bucket-iam-member/index.js';
import { StorageBucketObject } from '@cdktf/provider-google/lib/storage-bucket-object/index.js';
import { Fn, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { deployArtifact } from '../artifact.ts';
import { StateBackend } from '../backend.ts';
import { collectorConfig, type StreamRef } from '../collector.ts';
import type { Environment } from '../environment.ts';
import { GOOGLE_VERSION, pinGoogleProviders } from '../providers.ts';
import { cronEvery } from '../schedule.ts';
import { secopsFeeds } from '../secops/chronicle-feed.ts';
import {
  type ResolvedSecOpsRules,
  resolveSecOpsRules,
  type SecOpsDelivery,
  secopsRules,
  selectedRules,
} from '../secops/chronicle-rules.ts';

type GcpSettings = NonNullable<Environment['gcp']>;

/** The collector's own objects (its config, the function's source): outside the data prefix. */
const OWN_FOLDER = '_ctxsiem';

/**
 * What the function's service account is granted on the SecOps project with `gcp.delivery: "udm"`: the
 * SecOps sink calls `events:import` (permission `chronicle.events.import`) and `logs:import`
 * (`chronicle.logs.import`), and Google's page on those methods says to grant "the Chronicle API Editor
 * IAM (Identity and Access Management) role" to call them
 * (https://docs.cloud.google.com/chronicle/docs/reference/ingestion-methods, as quoted in
 * google/secops-wrapper issue #173). It is the narrowest predefined role with them: the roles reference
 * lists `chronicle.events.import` in Owner, Editor, Chronicle API Admin and Chronicle API Editor
 * (https://cloud.google.com/iam/docs/roles-permissions/chronicle; the predefined roles are summarised in
 * https://cloud.google.com/chronicle/docs/onboard/configure-feature-access-control-using-iam). A custom
 * role of the two permissions is narrower: `gcp.secopsImportRole` names one made beforehand.
 */
export const SECOPS_IMPORT_ROLE = 'roles/chronicle.editor';

const SERVICES = [
  'cloudfunctions.googleapis.com',
  'run.googleapis.com',
  'cloudbuild.googleapis.com',
  'artifactregistry.googleapis.com',
  'cloudscheduler.googleapis.com',
  'secretmanager.googleapis.com',
  'storage.googleapis.com',
];

export interface GcpStackProps {
  name: string;
  environment: Environment;
  streams: readonly StreamRef[];
  root: string;
}

/** What each of the stack's service accounts does: the last part of its id. */
export type ServiceAccountRole = 'run' | 'sched' | 'build';

/**
 * A service account id (6–30 characters, a lowercase letter first, a letter or digit last) for the
 * environment's `role`: `ctxsiem-<environment>-<role>` when that fits, otherwise the environment's name
 * cut short, a hash of the whole name, and the role — so two environments, or two roles of one, never
 * share an id, and an id never ends in a hyphen where the name was cut.
 */
export function serviceAccountId(environment: string, role: ServiceAccountRole): string {
  const full = `ctxsiem-${environment}-${role}`;
  if (full.length <= 30) return full;
  const hash = createHash('sha256').update(environment).digest('hex').slice(0, 6);
  const room = 30 - 'ctxsiem-'.length - `-${hash}-${role}`.length;
  const cut = environment.slice(0, room).replace(/-+$/, '');
  return `ctxsiem-${cut}-${hash}-${role}`;
}

/** `ctxsiem-<environment>-<tenant>`: the secret holding a tenant's API client secret. */
export const gcpSecretId = (environment: string, customerId: string) =>
  `ctxsiem-${environment}-${customerId}`;

export class GcpStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: GcpStackProps) {
    super(scope, id);
    const { name, environment, streams } = props;
    const gcp = environment.gcp as GcpSettings;
    const { prefix } = gcp.bucket;
    new StateBackend(this, id, environment.backend);
    new GoogleProvider(this, 'google', {
      project: gcp.project,
      region: gcp.region,
      defaultLabels: { application: 'ctxsiem', environment: name },
    });
    // The prebuilt bindings are google 6.50.0; the stack pins the releases google-beta's feeds need.
    this.addOverride('terraform.required_providers.google.version', GOOGLE_VERSION);
    const services = SERVICES.map(
      (service) =>
        new ProjectService(this, `service-${service.split('.')[0]}`, { service, disableOnDestroy: false }),
    );

    const bucket = new StorageBucket(this, 'collector-bucket', {
      name: gcp.bucket.name,
      location: gcp.region,
      uniformBucketLevelAccess: true,
      publicAccessPrevention: 'enforced',
      forceDestroy: false,
      versioning: { enabled: true },
      lifecycleRule: [
        {
          condition: { age: gcp.bucket.retentionDays, matchesPrefix: [`${prefix}/`] },
          action: { type: 'Delete' },
        },
        { condition: { daysSinceNoncurrentTime: 30 }, action: { type: 'Delete' } },
      ],
      dependsOn: services,
    });

    const runtime = new ServiceAccount(this, 'runtime', {
      accountId: serviceAccountId(name, 'run'),
      displayName: `ctxsiem ${name}: the collector function`,
    });
    const invoker = new ServiceAccount(this, 'invoker', {
      accountId: serviceAccountId(name, 'sched'),
      displayName: `ctxsiem ${name}: Cloud Scheduler calling the collector`,
    });
    const builder = new ServiceAccount(this, 'builder', {
      accountId: serviceAccountId(name, 'build'),
      displayName: `ctxsiem ${name}: Cloud Build building the collector function`,
    });
    // Who reads and writes the collector bucket is recorded: Cloud Storage data-access audit logs are
    // off by default. (Authoritative for storage.googleapis.com in the project.)
    new ProjectIamAuditConfig(this, 'storage-data-access-audit', {
      project: gcp.project,
      service: 'storage.googleapis.com',
      auditLogConfig: [{ logType: 'DATA_READ' }, { logType: 'DATA_WRITE' }],
    });
    const runtimeMember = `serviceAccount:${runtime.email}`;

    // Create parts and read them back, anywhere in the bucket…
    new StorageBucketIamMember(this, 'runtime-creates', {
      bucket: bucket.name,
      role: 'roles/storage.objectCreator',
      member: runtimeMember,
    });
    new StorageBucketIamMember(this, 'runtime-reads', {
      bucket: bucket.name,
      role: 'roles/storage.objectViewer',
      member: runtimeMember,
    });
    // …and replace or delete objects only where state, dead letters and probes live.
    const replaceable = ['_state', '_deadletter', '_probe']
      .map(
        (folder) =>
          `resource.name.startsWith("projects/_/buckets/${gcp.bucket.name}/objects/${prefix}/${folder}/")`,
      )
      .join(' || ');
    new StorageBucketIamMember(this, 'runtime-replaces-state', {
      bucket: bucket.name,
      role: 'roles/storage.objectUser',
      member: runtimeMember,
      condition: {
        title: 'state-dead-letters-probes',
        description: 'Checkpoints, manifests, dead letters and probe objects are replaced or deleted',
        expression: replaceable,
      },
    });

    const secrets = environment.tenants.map((tenant) => {
      const secret = new SecretManagerSecret(this, `secret-${tenant.customerId}`, {
        secretId: gcpSecretId(name, tenant.customerId),
        replication: { auto: {} },
        labels: { tenant: tenant.customerId.toLowerCase() },
        dependsOn: services,
      });
      new SecretManagerSecretIamMember(this, `secret-${tenant.customerId}-reader`, {
        secretId: secret.id,
        role: 'roles/secretmanager.secretAccessor',
        member: runtimeMember,
      });
      return secret;
    });

    const delivery: SecOpsDelivery = environment.secops ? gcp.delivery : 'feeds';
    const secops = environment.secops;
    const checkpoint = { type: 'gcs', bucket: gcp.bucket.name, prefix: `${prefix}/_state` };
    const secretOf = (customerId: string) =>
      `gcpsecret:projects/${gcp.project}/secrets/${gcpSecretId(name, customerId)}/versions/latest`;
    const config = collectorConfig(
      environment,
      delivery === 'udm' && secops
        ? {
            sink: secopsSink(secops),
            // The SecOps sink keeps no dead letters: the bucket does, where the runtime may replace them.
            deadLetters: {
              type: 'gcs',
              bucket: gcp.bucket.name,
              prefix,
              deadLetterPrefix: `${prefix}/_deadletter`,
            },
            checkpoint,
            secretOf,
          }
        : { sink: { type: 'gcs', bucket: gcp.bucket.name, prefix }, checkpoint, secretOf },
    );
    // The SecOps sink authenticates with Application Default Credentials — the function's service
    // account (packages/sink-secops/src/auth.ts) — allowed to import into the instance's project.
    const importGrant =
      delivery === 'udm' && secops
        ? new ProjectIamMember(this, 'runtime-imports-secops', {
            project: secops.project,
            role: gcp.secopsImportRole ?? SECOPS_IMPORT_ROLE,
            member: runtimeMember,
          })
        : undefined;
    const configObject = new StorageBucketObject(this, 'collector-config', {
      bucket: bucket.name,
      name: `${OWN_FOLDER}/config.json`,
      content: `${JSON.stringify(config, null, 2)}\n`,
      contentType: 'application/json',
    });

    const zip = deployArtifact(this, 'function-zip', props.root, gcp.function.zip, 'make build');
    // Named after its content: a new build is a new object, and the function redeploys.
    const source = new StorageBucketObject(this, 'function-source', {
      bucket: bucket.name,
      name: `${OWN_FOLDER}/function-${Fn.filemd5(zip.path)}.zip`,
      source: zip.path,
    });
    // The build runs as its own account: it reads the source zip, writes the image to the stack's
    // repository and its logs — the default Compute Engine account's Editor is not needed.
    const builderMember = `serviceAccount:${builder.email}`;
    const images = new ArtifactRegistryRepository(this, 'function-images', {
      repositoryId: `ctxsiem-${name}`,
      location: gcp.region,
      format: 'DOCKER',
      description: `ctxsiem ${name}: the collector function's images`,
      dependsOn: services,
    });
    const builderGrants = [
      new StorageBucketIamMember(this, 'builder-reads-source', {
        bucket: bucket.name,
        role: 'roles/storage.objectViewer',
        member: builderMember,
        condition: {
          title: 'function-source',
          description: 'The function source zips only',
          expression: `resource.name.startsWith("projects/_/buckets/${gcp.bucket.name}/objects/${OWN_FOLDER}/function-")`,
        },
      }),
      new ArtifactRegistryRepositoryIamMember(this, 'builder-writes-images', {
        location: gcp.region,
        repository: images.name,
        role: 'roles/artifactregistry.writer',
        member: builderMember,
      }),
      new ProjectIamMember(this, 'builder-writes-logs', {
        project: gcp.project,
        role: 'roles/logging.logWriter',
        member: builderMember,
      }),
    ];
    const collector = new Cloudfunctions2Function(this, 'collector', {
      name: `ctxsiem-${name}`,
      location: gcp.region,
      description:
        delivery === 'udm' && secops
          ? `ctxsiem ${name}: Citrix Cloud telemetry into Google SecOps ${secops.instance}`
          : `ctxsiem ${name}: Citrix Cloud telemetry into gs://${gcp.bucket.name}/${prefix}/`,
      buildConfig: {
        runtime: 'nodejs24',
        entryPoint: 'collect',
        source: { storageSource: { bucket: bucket.name, object: source.name } },
        serviceAccount: builder.id,
        dockerRepository: images.id,
      },
      serviceConfig: {
        serviceAccountEmail: runtime.email,
        availableMemory: gcp.function.memory,
        timeoutSeconds: gcp.function.timeoutSeconds,
        maxInstanceCount: environment.tenants.length * 2,
        maxInstanceRequestConcurrency: 1,
        // Cloud Scheduler's calls count as internal: nothing outside Google Cloud reaches the function.
        ingressSettings: 'ALLOW_INTERNAL_ONLY',
        allTrafficOnLatestRevision: true,
        environmentVariables: {
          CTXSIEM_CONFIG: `gs://${gcp.bucket.name}/${OWN_FOLDER}/config.json`,
          FUNCTION_TIMEOUT_SECONDS: String(gcp.function.timeoutSeconds),
        },
      },
      dependsOn: [
        configObject,
        ...secrets,
        ...services,
        ...builderGrants,
        ...(importGrant ? [importGrant] : []),
      ],
    });
    // Only the scheduler's identity may call it: no public access.
    new CloudRunV2ServiceIamMember(this, 'invoker-runs', {
      name: collector.name,
      location: gcp.region,
      role: 'roles/run.invoker',
      member: `serviceAccount:${invoker.email}`,
    });
    const schedule = cronEvery(environment.schedule.everyMinutes);
    for (const tenant of environment.tenants)
      new CloudSchedulerJob(this, `schedule-${tenant.customerId}`, {
        name: `ctxsiem-${name}-${tenant.customerId}`,
        description: `Collect ${tenant.customerId} every ${environment.schedule.everyMinutes} minutes`,
        region: gcp.region,
        schedule,
        timeZone: 'Etc/UTC',
        attemptDeadline: `${Math.min(1800, gcp.function.timeoutSeconds + 30)}s`,
        retryConfig: {
          retryCount: 3,
          minBackoffDuration: '60s',
          maxBackoffDuration: '600s',
          maxDoublings: 3,
        },
        httpTarget: {
          uri: collector.serviceConfig.uri,
          httpMethod: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: Buffer.from(JSON.stringify({ tenants: [tenant.customerId] })).toString('base64'),
          oidcToken: { serviceAccountEmail: invoker.email, audience: collector.serviceConfig.uri },
        },
        dependsOn: services,
      });

    const feeds =
      environment.secops && delivery === 'feeds' ? this.#feeds(name, environment, streams, bucket) : [];
    if (feeds.length > 0) pinGoogleProviders(this, { google: true });

    new TerraformOutput(this, 'bucket', { value: bucket.name });
    new TerraformOutput(this, 'function_name', { value: collector.name });
    new TerraformOutput(this, 'function_uri', { value: collector.serviceConfig.uri });
    new TerraformOutput(this, 'tenant_secrets', {
      value: Object.fromEntries(environment.tenants.map((t, i) => [t.customerId, secrets[i]!.secretId])),
      description: 'Set each value: printf %s "$SECRET" | gcloud secrets versions add <id> --data-file=-',
    });
    if (feeds.length > 0)
      new TerraformOutput(this, 'secops_feeds', {
        value: Object.fromEntries(feeds.map(({ stream, feed }) => [stream, feed.feedName])),
      });
    if (secops) this.#rules(secops, resolveSecOpsRules(secops.rules, delivery), delivery);
  }

  /**
   * ctxsiem's YARA-L rules in the SecOps instance (`secops.rules`), each deployed. They read the UDM
   * events of the SecOps sink's `format: udm` (content/secops/README.md): with `delivery: "feeds"`, whose
   * raw logs Google's own parsers normalise into UDM the rules do not target, none is created unless
   * asked — and asking is refused by the environment's schema.
   */
  #rules(
    secops: NonNullable<Environment['secops']>,
    settings: ResolvedSecOpsRules,
    delivery: SecOpsDelivery,
  ) {
    const rules = secopsRules(this, {
      project: secops.project,
      location: secops.location,
      instance: secops.instance,
      rules: settings,
    });
    if (rules.length > 0)
      new TerraformOutput(this, 'secops_rules', {
        value: Object.fromEntries(rules.map(({ name, rule }) => [name, rule.name])),
      });
    const { notDeployed } = selectedRules(settings);
    if (notDeployed.length > 0)
      new TerraformOutput(this, 'secops_rules_not_deployed', {
        value: notDeployed,
        description:
          delivery === 'feeds'
            ? 'No rule is created with gcp.delivery "feeds": the rules read the UDM events of gcp.delivery "udm", which the feeds never produce.'
            : 'Rules secops.rules leaves out (deploy false or not listed; the admin-machine rule needs knownAdminMachines).',
      });
  }

  /**
   * A GCS feed per stream, read as the SecOps feed service account: one grant, made before the feeds,
   * limited by an IAM condition to the stream folders (objects under them, and listing with one of them
   * as the prefix) — not the collector's state, dead letters, probes, config or function source.
   */
  #feeds(name: string, environment: Environment, streams: readonly StreamRef[], bucket: StorageBucket) {
    const secops = environment.secops!;
    const gcp = environment.gcp!;
    const reader = gcp.secopsReader!.serviceAccount;
    const folders = [...new Set(streams.map(({ stream }) => `${gcp.bucket.prefix}/${stream}/`))];
    const grant = new StorageBucketIamMember(this, 'secops-reads-streams', {
      bucket: bucket.name,
      role: 'roles/storage.objectViewer',
      member: `serviceAccount:${reader}`,
      condition: {
        title: 'stream-folders',
        description: 'The stream folders SecOps feeds read',
        expression: secopsReadCondition(gcp.bucket.name, folders),
      },
    });
    const feeds = secopsFeeds(this, name, secops, streams, (stream) => ({
      type: 'GOOGLE_CLOUD_STORAGE_V2',
      bucketUri: `gs://${gcp.bucket.name}/${gcp.bucket.prefix}/${stream}/`,
    }));
    // Terraform's own form of a dependency, `type.name` (what `dependsOn` in a config becomes).
    const onGrant = `${grant.terraformResourceType}.${grant.friendlyUniqueId}`;
    for (const { feed } of feeds) feed.dependsOn = [...(feed.dependsOn ?? []), onGrant];
    return feeds;
  }
}

/**
 * The IAM condition letting a reader get objects under `folders` and list with one of them as the
 * prefix: a list is authorized on the bucket, whose name is no object's, so it is matched on the
 * request's list prefix instead.
 */
export function secopsReadCondition(bucket: string, folders: readonly string[]): string {
  const objects = folders.map(
    (folder) => `resource.name.startsWith("projects/_/buckets/${bucket}/objects/${folder}")`,
  );
  const lists = folders.map(
    (folder) => `api.getAttribute("storage.googleapis.com/objectListPrefix", "").startsWith("${folder}")`,
  );
  return [...objects, `(resource.type == "storage.googleapis.com/Bucket" && (${lists.join(' || ')}))`].join(
    ' || ',
  );
}

/**
 * The collector's sink with `gcp.delivery: "udm"`: the SecOps sink on the Chronicle API (`api: import`)
 * sending UDM events for the streams ctxsiem maps and raw logs of their log types for the others
 * (packages/sink-secops/README.md), to the instance `secops` names; no key — Application Default
 * Credentials.
 */
export function secopsSink(secops: NonNullable<Environment['secops']>): Record<string, unknown> {
  return {
    type: 'secops',
    api: 'import',
    format: 'udm',
    region: secops.location,
    project: secops.project,
    instance: secops.instance,
    ...(secops.namespace ? { namespace: secops.namespace } : {}),
    logTypes: secops.logTypes,
  };
}
