/**
 * An environment on AWS: the collector bucket, a Secrets Manager secret per tenant (its value set out
 * of band), the Lambda from `apps/lambda/dist/lambda.zip` with a least-privilege role, an EventBridge
 * Scheduler schedule per tenant with a retry policy and an SQS dead-letter queue, alarms on errors and on
 * checkpoint age, and — with a SecOps instance — a reader role and one SecOps feed per stream.
 */
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group/index.js';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm/index.js';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity/index.js';
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document/index.js';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function/index.js';
import { LambdaFunctionEventInvokeConfig } from '@cdktf/provider-aws/lib/lambda-function-event-invoke-config/index.js';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { S3Object } from '@cdktf/provider-aws/lib/s3-object/index.js';
import { SchedulerSchedule } from '@cdktf/provider-aws/lib/scheduler-schedule/index.js';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret/index.js';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue/index.js';
import { TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { deployArtifact } from '../artifact.ts';
import { StateBackend } from '../backend.ts';
import { collectorConfig, type StreamRef } from '../collector.ts';
import type { Environment } from '../environment.ts';
import { pinGoogleProviders } from '../providers.ts';
import { secopsFeeds } from '../secops/chronicle-feed.ts';
import { CollectorBucket } from './collector-bucket.ts';

type AwsSettings = NonNullable<Environment['aws']>;

/** The key of the collector's config document: outside the data prefix, which the collector writes. */
export const CONFIG_KEY = '_ctxsiem/config.json';

export interface AwsStackProps {
  name: string;
  environment: Environment;
  streams: readonly StreamRef[];
  /** The repository's root: where the artifact paths of the environment start. */
  root: string;
}

/** The statement letting a role encrypt and decrypt with the stack's key; none with SSE-S3. */
function keyUse(kmsKeyArn: string | undefined) {
  return kmsKeyArn
    ? [
        {
          sid: 'UseTheKey',
          effect: 'Allow',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [kmsKeyArn],
        },
      ]
    : [];
}

/**
 * A role only `service` can assume (its policy is attached separately) — with `sourceAccount`, only on
 * behalf of that account (the confused-deputy guard for services that act for any account).
 */
function serviceRole(
  scope: Construct,
  id: string,
  name: string,
  service: string,
  sourceAccount?: string,
): IamRole {
  const trust = new DataAwsIamPolicyDocument(scope, `${id}-trust`, {
    statement: [
      {
        effect: 'Allow',
        actions: ['sts:AssumeRole'],
        principals: [{ type: 'Service', identifiers: [service] }],
        ...(sourceAccount
          ? {
              condition: [{ test: 'StringEquals', variable: 'aws:SourceAccount', values: [sourceAccount] }],
            }
          : {}),
      },
    ],
  });
  return new IamRole(scope, id, { name, assumeRolePolicy: trust.json });
}

/**
 * The checkpoint-age alarm's window for a schedule of every `everyMinutes` (with up to `flexMinutes` of
 * flexible window) and runs of up to `timeoutSeconds`: one period per scheduled interval, and as many
 * periods, all of them missing or breaching, as the longest gap between two runs' metrics can span — so
 * a run that is merely late (or a period that falls between two runs) never alarms, and no run at all
 * alarms within that gap. CloudWatch's limits: a period of at least an hour may be evaluated over 7 days,
 * a shorter one over 1 day.
 */
export function checkpointAlarmWindow(everyMinutes: number, flexMinutes: number, timeoutSeconds: number) {
  const period = everyMinutes * 60;
  const longestGap = period + flexMinutes * 60 + timeoutSeconds;
  const evaluationPeriods = Math.ceil(longestGap / period);
  const limit = period >= 3600 ? 7 * 86400 : 86400;
  if (period * evaluationPeriods > limit)
    throw new Error(
      `a checkpoint-age alarm over ${period * evaluationPeriods} s exceeds CloudWatch's ${limit} s`,
    );
  return { period, evaluationPeriods, datapointsToAlarm: evaluationPeriods };
}

/** How late EventBridge Scheduler may start a run (spreading the tenants' schedules). */
const flexMinutes = (environment: Environment) => Math.min(15, environment.schedule.everyMinutes);

/** `ctxsiem/<environment>/<tenant>`: the secret holding a tenant's API client secret. */
export const awsSecretName = (environment: string, customerId: string) =>
  `ctxsiem/${environment}/${customerId}`;

export class AwsStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: AwsStackProps) {
    super(scope, id);
    const { name, environment, streams } = props;
    const aws = environment.aws as AwsSettings;
    const prefix = aws.bucket.prefix;
    new StateBackend(this, id, environment.backend);
    new AwsProvider(this, 'aws', {
      region: aws.region,
      defaultTags: [{ tags: { application: 'ctxsiem', environment: name } }],
    });
    const account = new DataAwsCallerIdentity(this, 'account');
    const partition = new DataAwsPartition(this, 'partition');
    const functionName = `ctxsiem-${name}`;
    const logGroupName = `/aws/lambda/${functionName}`;

    const storage = new CollectorBucket(this, 'collector-bucket', aws.bucket, {
      environmentName: name,
      accountId: account.accountId,
      partition: partition.partition,
      region: aws.region,
      logGroupArn: `arn:${partition.partition}:logs:${aws.region}:${account.accountId}:log-group:${logGroupName}`,
    });
    const { bucket, kmsKeyArn } = storage;
    const encrypted = kmsKeyArn ? { serverSideEncryption: 'aws:kms', kmsKeyId: kmsKeyArn } : {};

    const secrets = environment.tenants.map(
      (tenant) =>
        new SecretsmanagerSecret(this, `secret-${tenant.customerId}`, {
          name: awsSecretName(name, tenant.customerId),
          description: `Citrix Cloud API client secret of ${tenant.customerId} (client id ${tenant.clientId}); value set out of band`,
          kmsKeyId: kmsKeyArn,
          recoveryWindowInDays: 7,
        }),
    );

    const config = collectorConfig(environment, {
      sink: { type: 's3', bucket: aws.bucket.name, prefix, region: aws.region },
      checkpoint: { type: 's3', bucket: aws.bucket.name, prefix: `${prefix}/_state`, region: aws.region },
      secretOf: (customerId) => `secretsmanager:${awsSecretName(name, customerId)}`,
    });
    const configObject = new S3Object(this, 'collector-config', {
      bucket: bucket.id,
      key: CONFIG_KEY,
      content: `${JSON.stringify(config, null, 2)}\n`,
      contentType: 'application/json',
      ...encrypted,
    });

    const logGroup = new CloudwatchLogGroup(this, 'logs', {
      name: logGroupName,
      retentionInDays: aws.lambda.logRetentionDays,
      kmsKeyId: kmsKeyArn,
    });
    const deadLetters = new SqsQueue(this, 'dead-letters', {
      name: `${functionName}-failed-invocations`,
      messageRetentionSeconds: 14 * 24 * 3600,
      ...(kmsKeyArn ? { kmsMasterKeyId: kmsKeyArn } : { sqsManagedSseEnabled: true }),
    });

    // The collector's role: exactly what the Lambda does, nothing more.
    const role = serviceRole(this, 'collector-role', `${functionName}-collector`, 'lambda.amazonaws.com');
    const data = `${bucket.arn}/${prefix}`;
    const collectorPolicy = new DataAwsIamPolicyDocument(this, 'collector-policy', {
      statement: [
        {
          sid: 'WriteAndReadBackParts',
          effect: 'Allow',
          actions: ['s3:PutObject', 's3:GetObject'],
          resources: [`${data}/*`],
        },
        {
          sid: 'ReplaceStateAndDeadLetters',
          effect: 'Allow',
          actions: ['s3:DeleteObject'],
          resources: [`${data}/_state/*`, `${data}/_deadletter/*`, `${data}/_probe/*`],
        },
        {
          // With no condition: S3 answers a GET of a missing key 404 only to a caller that may list the
          // bucket, and a GET carries no s3:prefix — a prefix-conditioned ListBucket turns the first read
          // of every new stream's checkpoint into 403 (CHECKPOINT_READ_FAILED). Listing names objects;
          // reading them is still only under the data prefix and the config.
          sid: 'ListBucketForNotFound',
          effect: 'Allow',
          actions: ['s3:ListBucket'],
          resources: [bucket.arn],
        },
        {
          sid: 'ReadConfig',
          effect: 'Allow',
          actions: ['s3:GetObject'],
          resources: [`${bucket.arn}/${CONFIG_KEY}`],
        },
        {
          sid: 'ReadTenantSecrets',
          effect: 'Allow',
          actions: ['secretsmanager:GetSecretValue'],
          resources: secrets.map((secret) => secret.arn),
        },
        {
          sid: 'OwnLogGroup',
          effect: 'Allow',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [`${logGroup.arn}:*`],
        },
        {
          sid: 'FailedInvocations',
          effect: 'Allow',
          actions: ['sqs:SendMessage'],
          resources: [deadLetters.arn],
        },
        {
          // tracing_config Active: the runtime sends segments as the function's role. X-Ray has no
          // resource-level permissions for these actions, so "*" is the only resource they take.
          sid: 'SendTraces',
          effect: 'Allow',
          actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
          resources: ['*'],
        },
        ...keyUse(kmsKeyArn),
      ],
    });
    new IamRolePolicy(this, 'collector-role-policy', { role: role.id, policy: collectorPolicy.json });

    const zip = deployArtifact(this, 'lambda-zip', props.root, aws.lambda.zip, 'make build');
    const collector = new LambdaFunction(this, 'collector', {
      functionName,
      description: `ctxsiem ${name}: Citrix Cloud telemetry into s3://${aws.bucket.name}/${prefix}/`,
      role: role.arn,
      runtime: 'nodejs24.x',
      handler: 'index.handler',
      architectures: [aws.lambda.architecture],
      filename: zip.path,
      sourceCodeHash: zip.sha256,
      memorySize: aws.lambda.memoryMb,
      timeout: aws.lambda.timeoutSeconds,
      // Unreserved unless the environment asks: a new account (concurrency limit 10) refuses any
      // reservation, as reserving would leave fewer than 10 unreserved.
      ...(aws.lambda.reservedConcurrency === undefined
        ? {}
        : { reservedConcurrentExecutions: aws.lambda.reservedConcurrency }),
      kmsKeyArn,
      environment: {
        variables: {
          CTXSIEM_CONFIG: `s3://${aws.bucket.name}/${CONFIG_KEY}`,
          POWERTOOLS_SERVICE_NAME: functionName,
          POWERTOOLS_METRICS_NAMESPACE: 'ctxsiem',
        },
      },
      loggingConfig: { logFormat: 'JSON', logGroup: logGroup.name },
      deadLetterConfig: { targetArn: deadLetters.arn },
      tracingConfig: { mode: 'Active' },
      dependsOn: [configObject],
    });
    new LambdaFunctionEventInvokeConfig(this, 'async-retries', {
      functionName: collector.functionName,
      maximumRetryAttempts: 2,
      maximumEventAgeInSeconds: 3600,
      destinationConfig: { onFailure: { destination: deadLetters.arn } },
    });

    this.#schedules(environment, functionName, collector, deadLetters, kmsKeyArn, account.accountId);
    this.#alarms(environment, functionName, collector);
    const feeds =
      environment.secops && aws.secopsReader ? this.#secops(name, environment, streams, storage) : [];
    if (feeds.length > 0) pinGoogleProviders(this, { google: false });

    new TerraformOutput(this, 'bucket', { value: bucket.bucket });
    new TerraformOutput(this, 'function_name', { value: collector.functionName });
    new TerraformOutput(this, 'dead_letter_queue', { value: deadLetters.url });
    new TerraformOutput(this, 'tenant_secrets', {
      value: Object.fromEntries(environment.tenants.map((t, i) => [t.customerId, secrets[i]!.name])),
      description:
        'Set each value: aws secretsmanager put-secret-value --secret-id <name> --secret-string <secret>',
    });
    if (feeds.length > 0)
      new TerraformOutput(this, 'secops_feeds', {
        value: Object.fromEntries(feeds.map(({ stream, feed }) => [stream, feed.feedName])),
      });
  }

  /** One EventBridge Scheduler schedule per tenant, selecting that tenant (the handler's event input). */
  #schedules(
    environment: Environment,
    functionName: string,
    collector: LambdaFunction,
    deadLetters: SqsQueue,
    kmsKeyArn: string | undefined,
    accountId: string,
  ): void {
    const role = serviceRole(
      this,
      'scheduler-role',
      `${functionName}-scheduler`,
      'scheduler.amazonaws.com',
      accountId,
    );
    const invoke = new DataAwsIamPolicyDocument(this, 'scheduler-policy', {
      statement: [
        {
          sid: 'InvokeCollector',
          effect: 'Allow',
          actions: ['lambda:InvokeFunction'],
          resources: [collector.arn],
        },
        {
          sid: 'UndeliveredInvocations',
          effect: 'Allow',
          actions: ['sqs:SendMessage'],
          resources: [deadLetters.arn],
        },
        ...keyUse(kmsKeyArn),
      ],
    });
    new IamRolePolicy(this, 'scheduler-role-policy', { role: role.id, policy: invoke.json });
    for (const tenant of environment.tenants)
      new SchedulerSchedule(this, `schedule-${tenant.customerId}`, {
        name: `${functionName}-${tenant.customerId}`,
        description: `Collect ${tenant.customerId} every ${environment.schedule.everyMinutes} minutes`,
        scheduleExpression: `rate(${environment.schedule.everyMinutes} minutes)`,
        kmsKeyArn,
        flexibleTimeWindow: { mode: 'FLEXIBLE', maximumWindowInMinutes: flexMinutes(environment) },
        target: {
          arn: collector.arn,
          roleArn: role.arn,
          input: JSON.stringify({ tenants: [tenant.customerId] }),
          retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
          deadLetterConfig: { arn: deadLetters.arn },
        },
      });
  }

  /** Errors of the function, and the age of the furthest-behind checkpoint (the Lambda's own metric). */
  #alarms(environment: Environment, functionName: string, collector: LambdaFunction): void {
    const aws = environment.aws as AwsSettings;
    const actions = aws.alarms.snsTopicArn
      ? { alarmActions: [aws.alarms.snsTopicArn], okActions: [aws.alarms.snsTopicArn] }
      : {};
    new CloudwatchMetricAlarm(this, 'errors-alarm', {
      alarmName: `${functionName}-errors`,
      alarmDescription:
        'An invocation failed: a stream could not be collected (its checkpoint did not move).',
      namespace: 'AWS/Lambda',
      metricName: 'Errors',
      dimensions: { FunctionName: collector.functionName },
      statistic: 'Sum',
      period: 300,
      evaluationPeriods: 1,
      comparisonOperator: 'GreaterThanThreshold',
      threshold: 0,
      treatMissingData: 'notBreaching',
      ...actions,
    });
    new CloudwatchMetricAlarm(this, 'checkpoint-age-alarm', {
      alarmName: `${functionName}-checkpoint-age`,
      alarmDescription: `The furthest-behind stream is delivered up to more than ${aws.alarms.checkpointAgeMinutes} minutes ago, or no run reported.`,
      namespace: 'ctxsiem',
      metricName: 'CheckpointAgeSeconds',
      dimensions: { service: functionName },
      statistic: 'Maximum',
      // A run reports once per schedule: periods as long as the schedule's interval, alarming when
      // every period of the longest gap between two runs is stale or has no run at all.
      ...checkpointAlarmWindow(
        environment.schedule.everyMinutes,
        flexMinutes(environment),
        aws.lambda.timeoutSeconds,
      ),
      comparisonOperator: 'GreaterThanThreshold',
      threshold: aws.alarms.checkpointAgeMinutes * 60,
      // No data means no run reported: as alarming as a stale checkpoint.
      treatMissingData: 'breaching',
      ...actions,
    });
  }

  /** A role SecOps assumes to read the bucket (no access keys), and a feed per stream. */
  #secops(name: string, environment: Environment, streams: readonly StreamRef[], storage: CollectorBucket) {
    const secops = environment.secops!;
    const aws = environment.aws!;
    const subjectId = aws.secopsReader!.googleSubjectId;
    const { bucket, kmsKeyArn } = storage;
    const trust = new DataAwsIamPolicyDocument(this, 'secops-trust', {
      statement: [
        {
          effect: 'Allow',
          actions: ['sts:AssumeRoleWithWebIdentity'],
          principals: [{ type: 'Federated', identifiers: ['accounts.google.com'] }],
          condition: [{ test: 'StringEquals', variable: 'accounts.google.com:sub', values: [subjectId] }],
        },
      ],
    });
    const reader = new IamRole(this, 'secops-reader', {
      name: `ctxsiem-${name}-secops-reader`,
      assumeRolePolicy: trust.json,
    });
    // The stream folders the feeds read, and nothing else: not the collector's state, dead letters,
    // probes or config.
    const folders = [...new Set(streams.map(({ stream }) => `${aws.bucket.prefix}/${stream}/`))];
    const read = new DataAwsIamPolicyDocument(this, 'secops-reader-policy', {
      statement: [
        {
          sid: 'ReadStreamFolders',
          effect: 'Allow',
          actions: ['s3:GetObject'],
          resources: folders.map((folder) => `${bucket.arn}/${folder}*`),
        },
        {
          sid: 'ListStreamFolders',
          effect: 'Allow',
          actions: ['s3:ListBucket'],
          resources: [bucket.arn],
          condition: [
            { test: 'StringLike', variable: 's3:prefix', values: folders.map((folder) => `${folder}*`) },
          ],
        },
        {
          sid: 'BucketRegion',
          effect: 'Allow',
          actions: ['s3:GetBucketLocation'],
          resources: [bucket.arn],
        },
        ...(kmsKeyArn
          ? [
              {
                sid: 'DecryptThroughS3',
                effect: 'Allow',
                actions: ['kms:Decrypt'],
                resources: [kmsKeyArn],
                condition: [
                  {
                    test: 'StringEquals',
                    variable: 'kms:ViaService',
                    values: [`s3.${aws.region}.amazonaws.com`],
                  },
                ],
              },
            ]
          : []),
      ],
    });
    new IamRolePolicy(this, 'secops-reader-policy-attachment', { role: reader.id, policy: read.json });
    return secopsFeeds(this, name, secops, streams, (stream) => ({
      type: 'AMAZON_S3_V2',
      s3Uri: `s3://${aws.bucket.name}/${aws.bucket.prefix}/${stream}/`,
      awsIamRoleArn: reader.arn,
      subjectId,
    }));
  }
}
