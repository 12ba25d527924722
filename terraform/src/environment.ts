/**
 * An environment: `terraform/environments/<name>.json`, what one deployment of ctxsiem is — its Citrix
 * tenants (never their secrets: each cloud's stack makes a secret per tenant, whose value is set out of
 * band), its sources and schedule, and per cloud where it runs, where the data goes and which SIEM feed
 * reads it. One stack is synthesized per environment × cloud. This zod schema is the single source of
 * the file's type, defaults and messages: an invalid file is refused naming the field.
 */
import { ConfigError, type ConfigIssue, parseConfig } from '@ctxsiem/core';
import { MINIMUM_MEMORY_MB } from '@ctxsiem/deployment';
import { RunnerConfigSchema, SourceConfigSchema, siemDeclarations, TenantSchema } from '@ctxsiem/registry';
import { z } from 'zod';
import { isCronInterval } from './schedule.ts';
import { rulesDeployConflict, SecOpsRulesSchema } from './secops/chronicle-rules.ts';

/** SecOps regions and log types, as the SecOps sink declares them (through the registry). */
const secopsDeclarations = siemDeclarations('secops');

/**
 * A tenant as an environment names it: the API client, never its secret — a `clientSecret` is refused
 * saying why (it would be in git and in Terraform's state) and where the secret goes instead.
 */
export const EnvironmentTenantSchema = TenantSchema.omit({ clientSecret: true })
  .extend({
    clientSecret: z
      .never({
        error:
          'does not belong in an environment file (it would be in git and in Terraform state): the stack creates a secret per tenant; set its value after apply (terraform/README.md, step 4)',
      })
      .optional(),
  })
  .strict();

const bucketName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
    'must be a bucket name: 3–63 lowercase letters, digits, dots and hyphens',
  );

const prefix = z
  .string()
  .regex(/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/, 'must be folder names joined by "/", without edge slashes')
  .default('citrix')
  .describe('Folder the data goes under: `<prefix>/<stream>/year=…/…`, one SIEM feed per stream folder.');

/** Google SecOps: the instance the feeds ingest into, or the Google Cloud collector sends to (`gcp.delivery`). */
export const SecOpsSchema = z
  .object({
    project: z.string().min(1).describe('The Google Cloud project of the SecOps instance.'),
    location: z
      .string()
      .refine(secopsDeclarations.isRegion, secopsDeclarations.regionMessage)
      .default('us')
      .describe(
        'The SecOps instance’s region as the console names it (`us`, `europe`, `europe-west2`, …); the feeds, rules and `gcp.delivery: "udm"` go to its Chronicle API location (`europe` → `eu`).',
      ),
    instance: z
      .uuid({ message: 'must be the SecOps customer id (a UUID)' })
      .describe('The SecOps customer id.'),
    namespace: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Asset namespace the feeds (or, with `gcp.delivery: "udm"`, the function) label their logs with.',
      ),
    logTypes: z
      .record(
        z.string(),
        z.string().regex(/^[A-Z0-9_]+$/, 'must be a SecOps log type such as CITRIX_MONITOR'),
      )
      .default({})
      .describe(
        'Log type per `source/stream` or `source`, over the defaults of the SecOps sink (log types SecOps parses). A source without one (daasconfiglog, licensing) needs a custom log type named here by source: no feed is made for a log type that does not exist.',
      ),
    rules: SecOpsRulesSchema.prefault({}).describe(
      'The YARA-L rules (content/secops/README.md) the Google Cloud stack creates in the instance, each switchable; only with `gcp.delivery: "udm"`, whose UDM events they read.',
    ),
  })
  .strict();

export const AwsSchema = z
  .object({
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1')
      .describe('Where the bucket, the function and its schedules live.'),
    bucket: z
      .object({
        name: bucketName.describe('The bucket the stack creates (globally unique).'),
        prefix,
        encryption: z
          .discriminatedUnion('type', [
            z.object({ type: z.literal('sse-s3') }).strict(),
            z
              .object({
                type: z.literal('sse-kms'),
                kmsKeyArn: z
                  .string()
                  .regex(/^arn:aws[\w-]*:kms:/, 'must be a KMS key ARN')
                  .optional()
                  .describe('A key of your own; without it the stack creates one (rotation on).'),
              })
              .strict(),
          ])
          .default({ type: 'sse-kms' })
          .describe(
            'Default encryption: `{"type":"sse-kms"}` (a rotated key of the stack’s, or `kmsKeyArn`) or `{"type":"sse-s3"}`.',
          ),
        retentionDays: z.int().min(1).default(400).describe('Objects expire after this many days.'),
        noncurrentDays: z
          .int()
          .min(1)
          .default(30)
          .describe('Overwritten or deleted versions are kept this long.'),
        accessLogs: z
          .object({
            bucket: bucketName.describe(
              'An existing bucket in the same account and region that accepts S3 server access logs (SSE-S3).',
            ),
            prefix: z
              .string()
              .min(1)
              .optional()
              .describe('Default `<bucket name>/` (the collector bucket’s name).'),
          })
          .strict()
          .optional()
          .describe(
            'Record every request to the bucket (S3 server access logging) into this bucket. Without it, audit reads and writes with CloudTrail S3 data events of your own trail.',
          ),
      })
      .strict()
      .describe('The bucket the collector writes and SecOps reads.'),
    lambda: z
      .object({
        zip: z
          .string()
          .default('apps/lambda/dist/lambda.zip')
          .describe('The artifact, from the repository root.'),
        // Below the measured minimum a catch-up is killed for lack of memory (test/bench/function-memory.ts).
        memoryMb: z
          .int()
          .min(MINIMUM_MEMORY_MB.lambda)
          .max(10240)
          .default(512)
          .describe('The function’s memory.'),
        timeoutSeconds: z
          .int()
          .min(30)
          .max(900)
          .default(300)
          .describe('The function’s timeout; a run stops cleanly before it and the next continues.'),
        architecture: z.enum(['arm64', 'x86_64']).default('arm64').describe('The function’s processor.'),
        logRetentionDays: z
          .int()
          .min(1)
          .default(365)
          .describe('How long the function’s log group keeps logs.'),
        reservedConcurrency: z
          .int()
          .min(1)
          .max(1000)
          .optional()
          .describe(
            'Reserve this many concurrent executions (two per tenant keeps a retry beside each schedule). Unset by default: an account whose concurrency limit is still 10 refuses any reservation.',
          ),
      })
      .strict()
      .default({
        zip: 'apps/lambda/dist/lambda.zip',
        memoryMb: 512,
        timeoutSeconds: 300,
        architecture: 'arm64',
        logRetentionDays: 365,
      })
      .describe('The collector function.'),
    alarms: z
      .object({
        checkpointAgeMinutes: z
          .int()
          .min(15)
          .default(180)
          .describe('Alarm when the furthest-behind stream is delivered up to longer ago than this.'),
        snsTopicArn: z
          .string()
          .regex(/^arn:aws[\w-]*:sns:/, 'must be an SNS topic ARN')
          .optional()
          .describe('Where the alarms notify, and when they clear.'),
      })
      .strict()
      .default({ checkpointAgeMinutes: 180 })
      .describe('CloudWatch alarms on failed invocations and on checkpoint age.'),
    secopsReader: z
      .object({
        googleSubjectId: z
          .string()
          .regex(/^\d{10,30}$/, 'must be the numeric subject id of the SecOps feed’s Google service account')
          .describe(
            'The numeric id (`uniqueId`) of the SecOps instance’s feed service account: the feed reads the bucket by assuming a role trusted for this Google identity (no access keys). SecOps shows it when adding an Amazon S3 V2 feed; `gcloud iam service-accounts describe <email> --format="value(uniqueId)"` prints it.',
          ),
      })
      .strict()
      .optional()
      .describe('With `secops` (required then): the role the SecOps feeds assume to read the bucket.'),
  })
  .strict();

export const GcpSchema = z
  .object({
    project: z
      .string()
      .regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'must be a Google Cloud project id')
      .describe('The project the collector runs in.'),
    region: z.string().min(1).describe('Where the bucket, function and scheduler live (e.g. europe-west1).'),
    bucket: z
      .object({
        name: bucketName.describe('The bucket the stack creates (globally unique).'),
        prefix,
        retentionDays: z.int().min(1).default(400).describe('Objects expire after this many days.'),
      })
      .strict()
      .describe('The bucket the collector writes (and, with `delivery: "feeds"`, SecOps reads).'),
    function: z
      .object({
        zip: z
          .string()
          .default('apps/cloud-function/dist/function.zip')
          .describe('The artifact, from the repository root.'),
        memory: z
          .string()
          .regex(/^\d+(Mi|Gi)$/, 'must be like 512Mi or 1Gi')
          .refine(
            (memory) =>
              Number.parseInt(memory, 10) * (memory.endsWith('Gi') ? 1024 : 1) >=
              MINIMUM_MEMORY_MB['cloud-function'],
            `must be at least ${MINIMUM_MEMORY_MB['cloud-function']}Mi, the measured minimum (test/bench/function-memory.ts)`,
          )
          .default('512Mi')
          .describe('The function’s memory.'),
        timeoutSeconds: z
          .int()
          .min(30)
          .max(3600)
          .default(540)
          .describe('The function’s timeout; a run stops cleanly before it and the next continues.'),
      })
      .strict()
      .default({ zip: 'apps/cloud-function/dist/function.zip', memory: '512Mi', timeoutSeconds: 540 })
      .describe('The collector function (Cloud Run functions).'),
    delivery: z
      .enum(['feeds', 'udm'])
      .default('feeds')
      .describe(
        'With `secops`, how the data reaches it. `feeds`: the function writes the bucket and a SecOps GCS feed per stream reads it (Google’s parsers normalise the raw logs; ctxsiem’s rules are not created). `udm`: the function sends to the instance itself with the SecOps sink (`api: import`, `format: udm`) as its own service account, granted Chronicle API Editor on the SecOps project; the streams ctxsiem maps become UDM events — what ctxsiem’s rules read — and the others raw logs of their log types; no feeds; the bucket keeps state and dead letters.',
      ),
    secopsImportRole: z
      .string()
      .regex(
        /^(roles\/[\w.]+|projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/roles\/[\w.]+|organizations\/\d+\/roles\/[\w.]+)$/,
        'must be a role: roles/…, projects/<project>/roles/… or organizations/<id>/roles/…',
      )
      .optional()
      .describe(
        'With `delivery: "udm"`: the role the function’s service account is granted on the SecOps project. Default `roles/chronicle.editor` (Chronicle API Editor, the narrowest predefined role with `chronicle.events.import` and `chronicle.logs.import`); a custom role of those two permissions, made beforehand, is narrower.',
      ),
    secopsReader: z
      .object({
        serviceAccount: z
          .string()
          .regex(
            /^[a-z0-9._-]+@[a-z0-9.-]+\.gserviceaccount\.com$/,
            'must be the email of the SecOps instance’s feed service account',
          )
          .describe(
            'The service account SecOps reads GCS feeds as (SecOps: Settings → Feeds → add a GCS V2 feed shows it): granted read on the stream folders before the feeds are created.',
          ),
      })
      .strict()
      .optional()
      .describe(
        'With `secops` and `delivery: "feeds"` (required then; refused with `udm`, which makes no feeds): who the SecOps feeds read the bucket as.',
      ),
  })
  .strict();

/** Which of ctxsiem's Sentinel content (`content/sentinel/`) an Azure stack creates. */
export const SentinelContentSchema = z
  .object({
    functions: z
      .boolean()
      .default(true)
      .describe(
        'The ASIM parsers and the latest-version function of each Monitor table (workspace functions).',
      ),
    asimUnifyingParsers: z
      .boolean()
      .default(true)
      .describe(
        'Microsoft’s custom unifying parsers (`Im_AuthenticationCustom`, `ASim_AuditEventCustom`, …) with the Citrix parsers in them, so Microsoft’s ASIM rules read Citrix data. They replace such functions the workspace already has: set false and add the Citrix parsers to yours.',
      ),
    rules: z
      .union([z.boolean(), z.array(z.string().regex(/^[a-z][a-z-]*$/)).min(1)])
      .default(true)
      .describe(
        'Analytic rules: true, every rule the collected data supports; false, none; or a list of rule names (content/sentinel/rules/<name>.yaml), each of which must be supported.',
      ),
    rulesEnabled: z.boolean().default(true).describe('Whether the rules are created enabled.'),
    hunting: z.boolean().default(true).describe('Hunting queries.'),
    workbooks: z.boolean().default(true).describe('Workbooks (the DaaS experience workbook).'),
  })
  .strict();

export const AzureSchema = z
  .object({
    subscriptionId: z
      .uuid({ message: 'must be the Azure subscription id (a UUID)' })
      .describe('The subscription the stack deploys into.'),
    location: z
      .string()
      .regex(/^[a-z0-9]+$/, 'must be an Azure region name such as westeurope')
      .describe('The Azure region of every resource.'),
    resourceGroup: z
      .string()
      .regex(/^[\w.()-]{1,90}$/, 'must be a resource group name')
      .describe('The resource group the stack creates, holding everything else.'),
    workspaceRetentionDays: z
      .int()
      .min(30)
      .max(730)
      .default(90)
      .describe('Log Analytics retention, in days.'),
    image: z
      .string()
      .regex(
        /^[\w.-]+(:\d+)?(\/[\w.-]+)+(:[\w.-]+|@sha256:[0-9a-f]{64})$/,
        'must be an image with its tag or digest',
      )
      .describe('The ctxsiem container image (apps/container/Dockerfile), with its tag or digest.'),
    keyVaultName: z
      .string()
      .regex(
        /^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/,
        'must be a Key Vault name: 3–24 letters, digits and hyphens',
      )
      .optional()
      .describe('Globally unique; default `kv-ctxsiem-<environment>` shortened to 24 characters.'),
    storageAccountName: z
      .string()
      .regex(/^[a-z0-9]{3,24}$/, 'must be a storage account name: 3–24 lowercase letters and digits')
      .optional()
      .describe(
        'Globally unique; holds the checkpoints (an Azure Files share). Default `stctxsiem<environment>`.',
      ),
    network: z
      .enum(['public', 'private'])
      .default('public')
      .describe(
        '`public`: every service over its public endpoint (Entra ID, TLS). `private` (for production): the Container Apps environment in a virtual network, Key Vault, the state storage and the ingestion endpoint through private endpoints, their public access off.',
      ),
    addressSpace: z
      .string()
      .regex(/^(\d{1,3}\.){3}\d{1,3}\/(8|9|1\d|2[0-2])$/, 'must be an IPv4 address space of /22 or larger')
      .default('10.60.0.0/22')
      .describe(
        'With `private`: the virtual network (its first /23 for the apps, the next /24 for endpoints).',
      ),
    deployerAddresses: z
      .array(z.string().regex(/^(\d{1,3}\.){3}\d{1,3}(\/\d{1,2})?$/, 'must be an IPv4 address or range'))
      .default([])
      .describe(
        'With `private`: where Terraform and `az keyvault secret set` run from, admitted by Key Vault’s firewall; empty when they run inside the network.',
      ),
    replicas: z
      .int()
      .min(1)
      .max(10)
      .default(1)
      .describe(
        'Replicas of the collector (`ctxsiem serve`), sharing the state share and each Kafka group: every stream held by one at a time, a stopped one’s streams taken over when its leases end. Raise it when one replica’s collections outlast the schedule, its lag keeps growing, or it stays near its CPU or memory (apps/container/README.md, “Replicas”).',
      ),
    sentinelContent: SentinelContentSchema.prefault({}).describe(
      'The Sentinel content (content/README.md) the stack creates in the workspace; each item only when the sources collect every table it reads (the others are listed in the output `sentinel_content_not_deployed`).',
    ),
  })
  .strict();

/** Where a stack keeps its Terraform state: never in `cdktf.out`, which `make clean` deletes. */
export const BackendSchema = z
  .discriminatedUnion('type', [
    z
      .object({
        type: z.literal('local'),
        path: z
          .string()
          .min(1)
          .optional()
          .describe('Default `terraform/state/<stack>/terraform.tfstate` (git-ignored, kept by make clean).'),
      })
      .strict(),
    z
      .object({
        type: z.literal('s3'),
        bucket: bucketName.describe('An existing, versioned bucket for state.'),
        region: z
          .string()
          .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1')
          .describe('The state bucket’s region.'),
        key: z.string().min(1).optional().describe('Default `ctxsiem/<stack>/terraform.tfstate`.'),
        kmsKeyId: z.string().min(1).optional().describe('Encrypt the state with this KMS key.'),
        dynamodbTable: z
          .string()
          .min(1)
          .optional()
          .describe('A lock table, for Terraform before 1.10 (the S3 lock file is always on).'),
      })
      .strict(),
    z
      .object({
        type: z.literal('gcs'),
        bucket: bucketName.describe('An existing, versioned bucket for state (GCS locks natively).'),
        prefix: z.string().min(1).optional().describe('Default `ctxsiem/<stack>`.'),
      })
      .strict(),
    z
      .object({
        type: z.literal('azurerm'),
        resourceGroup: z
          .string()
          .regex(/^[\w.()-]{1,90}$/, 'must be a resource group name')
          .describe('The state storage account’s resource group.'),
        storageAccount: z
          .string()
          .regex(/^[a-z0-9]{3,24}$/, 'must be a storage account name: 3–24 lowercase letters and digits')
          .describe('An existing storage account (Entra ID auth: Storage Blob Data Contributor).'),
        container: z
          .string()
          .regex(/^[a-z0-9](-?[a-z0-9]){2,62}$/, 'must be a blob container name')
          .describe('Its blob container.'),
        key: z
          .string()
          .min(1)
          .optional()
          .describe('Default `ctxsiem/<stack>.tfstate` (blob leases lock it).'),
      })
      .strict(),
  ])
  .describe(
    'Where the stacks keep Terraform state: `{"type":"local"}` (a file under terraform/state/), `s3` (with its lock file), `gcs` or `azurerm` — in a bucket or account that exists before the first apply.',
  );

export const EnvironmentSchema = z
  .object({
    description: z.string().optional().describe('What this environment is, for readers of the file.'),
    tenants: z
      .array(EnvironmentTenantSchema)
      .min(1, 'must list at least one tenant')
      .describe('Citrix Cloud tenants: `customerId`, `clientId`, `region` (or `apiBase`); never the secret.'),
    sources: z
      .array(SourceConfigSchema)
      .min(1, 'must list at least one source')
      .describe(
        'The collector’s source sections (`ctxsiem config schema`); secrets as references (`env:…`).',
      ),
    schedule: z
      .object({
        everyMinutes: z
          .int()
          .min(5)
          .max(1440)
          .default(60)
          .refine(
            isCronInterval,
            'must divide an hour (5, 10, 15, 20, 30) or be whole hours dividing a day (60, 120, 180, 240, 360, 480, 720, 1440)',
          )
          .describe('How often each tenant’s pull sources are collected (one schedule per tenant).'),
      })
      .strict()
      .default({ everyMinutes: 60 })
      .describe('When each tenant’s pull sources are collected.'),
    runner: RunnerConfigSchema.partial().default({}).describe('The collector’s runner settings.'),
    backend: BackendSchema,
    secops: SecOpsSchema.optional().describe(
      'The Google SecOps instance: fed from the AWS or Google Cloud bucket, or sent to by the Google Cloud function (`gcp.delivery: "udm"`).',
    ),
    aws: AwsSchema.optional().describe('Deploy on AWS: the `<environment>-aws` stack.'),
    gcp: GcpSchema.optional().describe('Deploy on Google Cloud: the `<environment>-gcp` stack.'),
    azure: AzureSchema.optional().describe(
      'Deploy on Azure for Microsoft Sentinel: the `<environment>-azure` stack.',
    ),
  })
  .strict()
  .superRefine((environment, context) => {
    if (!environment.aws && !environment.gcp && !environment.azure)
      context.addIssue({
        code: 'custom',
        path: ['aws'],
        message: 'name at least one cloud: aws, gcp or azure',
      });
    const seen = new Set<string>();
    for (const [index, tenant] of environment.tenants.entries()) {
      if (seen.has(tenant.customerId))
        context.addIssue({
          code: 'custom',
          path: ['tenants', index, 'customerId'],
          message: 'appears twice',
        });
      seen.add(tenant.customerId);
    }
    // A feed needs a log type that exists: a source without one is refused here, never at apply.
    if (environment.secops)
      for (const source of secopsDeclarations.sourcesWithoutLogType(
        environment.sources.map((entry) => entry.type),
        environment.secops.logTypes,
      ))
        context.addIssue({
          code: 'custom',
          path: ['secops', 'logTypes'],
          message: secopsDeclarations.noLogTypeMessage(source),
        });
    // A SecOps instance with no reader would synthesize no feed: refuse it instead of saying nothing.
    const readers = {
      aws: 'through a role trusted for the feed service account’s googleSubjectId',
      gcp: 'as the feed service account (serviceAccount)',
    } as const;
    const feeds = { aws: true, gcp: environment.gcp?.delivery !== 'udm' };
    for (const cloud of ['aws', 'gcp'] as const)
      if (environment.secops && environment[cloud] && feeds[cloud] && !environment[cloud].secopsReader)
        context.addIssue({
          code: 'custom',
          path: [cloud, 'secopsReader'],
          message: `required with secops: the SecOps feeds read the bucket ${readers[cloud]}`,
        });
    if (environment.gcp?.delivery === 'udm') {
      if (!environment.secops)
        context.addIssue({
          code: 'custom',
          path: ['gcp', 'delivery'],
          message: '"udm" sends to a SecOps instance: name it in secops (project, location, instance)',
        });
      if (environment.gcp.secopsReader)
        context.addIssue({
          code: 'custom',
          path: ['gcp', 'secopsReader'],
          message: 'not used with delivery "udm": no SecOps feed reads the bucket (remove it)',
        });
    }
    if (environment.gcp?.secopsImportRole && environment.gcp.delivery !== 'udm')
      context.addIssue({
        code: 'custom',
        path: ['gcp', 'secopsImportRole'],
        message: 'only used with delivery "udm": with feeds the function does not import into SecOps',
      });
    // ctxsiem's rules read the UDM the collector sends itself: never created where they cannot fire.
    const conflict =
      environment.secops && rulesDeployConflict(environment.secops.rules.deploy, environment.gcp?.delivery);
    if (conflict)
      context.addIssue({ code: 'custom', path: ['secops', 'rules', 'deploy'], message: conflict });
    // Static membership names one member per id: replicas sharing one configuration would fence each other.
    if (environment.azure && environment.azure.replicas > 1)
      for (const [index, source] of environment.sources.entries())
        if ('groupInstanceId' in source && source.groupInstanceId !== undefined)
          context.addIssue({
            code: 'custom',
            path: ['azure', 'replicas'],
            message: `must be 1 with sources[${index}].groupInstanceId: every replica would join its group under that one id and fence the others`,
          });
    if (environment.aws && environment.aws.alarms.checkpointAgeMinutes <= environment.schedule.everyMinutes)
      context.addIssue({
        code: 'custom',
        path: ['aws', 'alarms', 'checkpointAgeMinutes'],
        message: `must be longer than schedule.everyMinutes (${environment.schedule.everyMinutes}): a checkpoint is that old before every run`,
      });
  });

export type Environment = z.output<typeof EnvironmentSchema>;
export type Cloud = 'aws' | 'gcp' | 'azure';
export const CLOUDS: readonly Cloud[] = ['aws', 'gcp', 'azure'];

/**
 * The longest environment name each cloud's resource names leave room for: AWS `ctxsiem-<name>-secops-reader`
 * (an IAM role, 64), Google Cloud `ctxsiem-<name>` (the function's Cloud Run service, 49), Azure
 * `ca-ctxsiem-<name>` (a Container App, 32).
 */
export const NAME_LIMITS: Record<Cloud, number> = { aws: 42, gcp: 41, azure: 21 };
/** EventBridge Scheduler and Lambda: `ctxsiem-<name>-<tenant>` is a schedule's name (64). */
const AWS_SCHEDULE_NAME = 64;

/**
 * Whether `name` (an environment file's name without `.json`) can name every resource of the clouds the
 * environment deploys to: lowercase letters, digits and inner hyphens, no longer than the tightest
 * cloud allows. Checked before synthesis: a name a provider would refuse only at `validate` or `apply`.
 */
export function environmentNameIssues(name: string, environment: Environment): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (!/^[a-z]([a-z0-9-]*[a-z0-9])?$/.test(name) || name.includes('--'))
    issues.push({
      path: '(file name)',
      reason: `"${name}" must be lowercase letters, digits and single inner hyphens, starting with a letter (it names the stack and every resource in it)`,
    });
  for (const cloud of CLOUDS)
    if (environment[cloud] && name.length > NAME_LIMITS[cloud])
      issues.push({
        path: '(file name)',
        reason: `"${name}" is ${name.length} characters; ${cloud} resource names leave room for ${NAME_LIMITS[cloud]}`,
      });
  if (environment.aws)
    for (const [index, tenant] of environment.tenants.entries()) {
      const schedule = `ctxsiem-${name}-${tenant.customerId}`;
      if (schedule.length > AWS_SCHEDULE_NAME)
        issues.push({
          path: `tenants[${index}].customerId`,
          reason: `with the environment's name makes the schedule name ${schedule} (${schedule.length} characters; AWS allows ${AWS_SCHEDULE_NAME})`,
        });
    }
  return issues;
}

/** The environment in `text` (the file `name`), validated; a ConfigError names each bad field. */
export function parseEnvironment(name: string, text: string): Environment {
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(name, [{ path: '(file)', reason: `not valid JSON: ${(error as Error).message}` }]);
  }
  return parseConfig(name, EnvironmentSchema, input);
}
