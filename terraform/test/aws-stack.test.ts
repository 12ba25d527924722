/**
 * The AWS stacks as synthesized: a hardened bucket, the Lambda from the built zip with a role that can
 * do exactly what the collector does, a schedule per tenant, alarms, secrets by reference only, and a
 * SecOps feed per stream reading through a role — checked on the JSON Terraform receives.
 */
import { DeploymentConfigSchema } from '@ctxsiem/registry';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_KEY } from '../src/aws/aws-stack.ts';
import { GOOGLE_VERSION } from '../src/providers.ts';
import { type Json, type SynthesizedStack, synth } from './synth.ts';

let dev: SynthesizedStack;
let msp: SynthesizedStack;
beforeAll(async () => {
  const stacks = await synth(['dev-aws', 'msp-aws']);
  dev = stacks.get('dev-aws')!;
  msp = stacks.get('msp-aws')!;
});

/** The statement with `sid` of a policy document. */
const statement = (stack: SynthesizedStack, policy: string, sid: string) =>
  stack.policy(policy).find((s) => s.sid === sid) as Json;

describe('the AWS stack', () => {
  it('keeps the bucket private, versioned, encrypted with its own rotated key, TLS-only and expiring', () => {
    const bucket = dev.resource('aws_s3_bucket', 'collector-bucket');
    expect(bucket).toMatchObject({ bucket: 'acme-ctxsiem-dev', force_destroy: false });
    expect(dev.resource('aws_s3_bucket_public_access_block', 'collector-bucket_public-access')).toMatchObject(
      {
        block_public_acls: true,
        block_public_policy: true,
        ignore_public_acls: true,
        restrict_public_buckets: true,
      },
    );
    expect(dev.resource('aws_s3_bucket_ownership_controls', 'collector-bucket_ownership')).toMatchObject({
      rule: { object_ownership: 'BucketOwnerEnforced' },
    });
    expect(dev.resource('aws_s3_bucket_versioning', 'collector-bucket_versioning')).toMatchObject({
      versioning_configuration: { status: 'Enabled' },
    });
    const [rule] = dev.resource(
      'aws_s3_bucket_server_side_encryption_configuration',
      'collector-bucket_encryption',
    ).rule as Json[];
    expect(rule).toMatchObject({
      apply_server_side_encryption_by_default: {
        sse_algorithm: 'aws:kms',
        kms_master_key_id: expect.stringMatching(/^\$\{aws_kms_key\.collector-bucket_key_\w+\.arn\}$/),
      },
      bucket_key_enabled: true,
    });
    expect(dev.resource('aws_kms_key', 'collector-bucket_key')).toMatchObject({ enable_key_rotation: true });
    const tls = dev.policy('collector-bucket_tls-only');
    expect(tls.map((s) => [s.sid, s.effect, (s.condition as Json[])[0]])).toEqual([
      ['DenyInsecureTransport', 'Deny', { test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }],
      ['DenyOldTls', 'Deny', { test: 'NumericLessThan', variable: 's3:TlsVersion', values: ['1.2'] }],
    ]);
    const [lifecycle] = dev.resource('aws_s3_bucket_lifecycle_configuration', 'collector-bucket_lifecycle')
      .rule as Json[];
    expect(lifecycle).toMatchObject({
      status: 'Enabled',
      filter: [{ prefix: 'citrix/' }],
      expiration: [{ days: 400 }],
      noncurrent_version_expiration: [{ noncurrent_days: 30 }],
    });
  });

  it('encrypts with SSE-S3 when the environment says so, and then grants no key', () => {
    const [rule] = msp.resource(
      'aws_s3_bucket_server_side_encryption_configuration',
      'collector-bucket_encryption',
    ).rule as Json[];
    expect(rule).toMatchObject({ apply_server_side_encryption_by_default: { sse_algorithm: 'AES256' } });
    expect(msp.resources('aws_kms_key')).toEqual({});
    expect(msp.policy('collector-policy').map((s) => s.sid)).not.toContain('UseTheKey');
  });

  it('deploys the built Lambda zip, hashed by Terraform from the file it uploads', () => {
    const lambda = dev.resource('aws_lambda_function', 'collector');
    expect(lambda).toMatchObject({
      function_name: 'ctxsiem-dev-aws',
      runtime: 'nodejs24.x',
      handler: 'index.handler',
      architectures: ['arm64'],
      timeout: 300,
      environment: { variables: { CTXSIEM_CONFIG: `s3://acme-ctxsiem-dev/${CONFIG_KEY}` } },
    });
    expect(lambda.filename).toMatch(/^assets\/lambda-zip\/[0-9A-F]+\/lambda\.zip$/);
    expect(lambda.source_code_hash).toBe(`\${filebase64sha256("${lambda.filename}")}`);
  });

  it('gives the collector exactly what it uses: parts, state and dead letters, its secrets, logs, queue and key', () => {
    const policy = dev.policy('collector-policy');
    const summary = policy.map((s) => ({
      sid: s.sid,
      actions: s.actions,
      resources: (s.resources as string[]).map((r) => r.replace(/_[0-9A-F]{8}\./, '.')),
    }));
    expect(summary).toEqual([
      {
        sid: 'WriteAndReadBackParts',
        actions: ['s3:PutObject', 's3:GetObject'],
        resources: ['${aws_s3_bucket.collector-bucket.arn}/citrix/*'],
      },
      {
        sid: 'ReplaceStateAndDeadLetters',
        actions: ['s3:DeleteObject'],
        resources: ['_state', '_deadletter', '_probe'].map(
          (f) => `\${aws_s3_bucket.collector-bucket.arn}/citrix/${f}/*`,
        ),
      },
      {
        sid: 'ListBucketForNotFound',
        actions: ['s3:ListBucket'],
        resources: ['${aws_s3_bucket.collector-bucket.arn}'],
      },
      {
        sid: 'ReadConfig',
        actions: ['s3:GetObject'],
        resources: [`\${aws_s3_bucket.collector-bucket.arn}/${CONFIG_KEY}`],
      },
      {
        sid: 'ReadTenantSecrets',
        actions: ['secretsmanager:GetSecretValue'],
        resources: ['${aws_secretsmanager_secret.secret-acmedev.arn}'],
      },
      {
        sid: 'OwnLogGroup',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: ['${aws_cloudwatch_log_group.logs.arn}:*'],
      },
      {
        sid: 'FailedInvocations',
        actions: ['sqs:SendMessage'],
        resources: ['${aws_sqs_queue.dead-letters.arn}'],
      },
      {
        sid: 'SendTraces',
        actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
        resources: ['*'],
      },
      {
        sid: 'UseTheKey',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['${aws_kms_key.collector-bucket_key.arn}'],
      },
    ]);
    expect(statement(dev, 'collector-policy', 'ListBucketForNotFound').condition).toBeUndefined();
  });

  it('schedules each tenant on its own, retrying and keeping undelivered invocations', () => {
    const schedules = Object.values(msp.resources('aws_scheduler_schedule'));
    expect(
      schedules.map((s) => JSON.parse((s.target as Json).input as string).tenants[0]).toSorted(),
    ).toEqual(['contoso', 'fabrikam', 'northwind']);
    for (const schedule of schedules) {
      expect(schedule.schedule_expression).toBe('rate(15 minutes)');
      expect(schedule.target).toMatchObject({
        arn: '${aws_lambda_function.collector.arn}',
        retry_policy: { maximum_retry_attempts: 3 },
        dead_letter_config: { arn: '${aws_sqs_queue.dead-letters.arn}' },
      });
    }
    expect(msp.policy('scheduler-policy').map((s) => [s.actions, s.resources])).toEqual([
      [['lambda:InvokeFunction'], ['${aws_lambda_function.collector.arn}']],
      [['sqs:SendMessage'], ['${aws_sqs_queue.dead-letters.arn}']],
    ]);
    expect(msp.resource('aws_lambda_function', 'collector').reserved_concurrent_executions).toBe(6);
  });

  it('alarms on failed invocations and on the age of the furthest-behind checkpoint, to the topic given', () => {
    expect(msp.resource('aws_cloudwatch_metric_alarm', 'errors-alarm')).toMatchObject({
      namespace: 'AWS/Lambda',
      metric_name: 'Errors',
      threshold: 0,
      alarm_actions: ['arn:aws:sns:us-east-1:123456789012:msp-oncall'],
    });
    expect(msp.resource('aws_cloudwatch_metric_alarm', 'checkpoint-age-alarm')).toMatchObject({
      namespace: 'ctxsiem',
      metric_name: 'CheckpointAgeSeconds',
      dimensions: { service: 'ctxsiem-msp-aws' },
      threshold: 90 * 60,
      treat_missing_data: 'breaching',
    });
  });

  it('hands the collector a config it accepts, with every secret by reference', () => {
    const object = msp.resource('aws_s3_object', 'collector-config');
    expect(object.key).toBe(CONFIG_KEY);
    const config = DeploymentConfigSchema.parse(JSON.parse(object.content as string));
    expect(config.tenants.map((t) => t.clientSecret)).toEqual([
      'secretsmanager:ctxsiem/msp-aws/northwind',
      'secretsmanager:ctxsiem/msp-aws/contoso',
      'secretsmanager:ctxsiem/msp-aws/fabrikam',
    ]);
    expect(config.sink).toMatchObject({ type: 's3', bucket: 'msp-citrix-telemetry', prefix: 'citrix' });
    expect(config.checkpoint).toMatchObject({ type: 's3', prefix: 'citrix/_state' });
    expect(config.runner.tenantConcurrency).toBe(3);
    expect(Object.values(msp.resources('aws_secretsmanager_secret')).map((s) => s.name)).toEqual([
      'ctxsiem/msp-aws/contoso',
      'ctxsiem/msp-aws/fabrikam',
      'ctxsiem/msp-aws/northwind',
    ]);
    expect(msp.resources('aws_secretsmanager_secret_version')).toEqual({});
  });

  it('lets SecOps read through a role for its Google identity, with a feed per stream and its log type', () => {
    const trust = dev.policy('secops-trust');
    expect(trust).toEqual([
      expect.objectContaining({
        actions: ['sts:AssumeRoleWithWebIdentity'],
        principals: [{ type: 'Federated', identifiers: ['accounts.google.com'] }],
        condition: [
          { test: 'StringEquals', variable: 'accounts.google.com:sub', values: ['112233445566778899001'] },
        ],
      }),
    ]);
    expect(dev.policy('secops-reader-policy').map((s) => s.actions)).toEqual([
      ['s3:GetObject'],
      ['s3:ListBucket'],
      ['s3:GetBucketLocation'],
      ['kms:Decrypt'],
    ]);
    const feeds = dev.resources('google_chronicle_feed');
    expect(
      Object.values(feeds).map((feed) => {
        const [details] = feed.details as Json[];
        const [settings] = (details as Json).amazon_s3_v2_settings as Json[];
        return [
          String((details as Json).log_type)
            .split('/')
            .at(-1),
          (settings as Json).s3_uri,
        ];
      }),
    ).toEqual([
      ['CITRIX_MONITOR', 's3://acme-ctxsiem-dev/citrix/Connections/'],
      ['CITRIX_MONITOR', 's3://acme-ctxsiem-dev/citrix/Machines/'],
      ['CITRIX_MONITOR', 's3://acme-ctxsiem-dev/citrix/Sessions/'],
    ]);
    expect(dev.json.terraform).toMatchObject({
      required_providers: { 'google-beta': { source: 'hashicorp/google-beta', version: GOOGLE_VERSION } },
    });
    // Without a SecOps section, no feed and no google-beta provider.
    expect(msp.resources('google_chronicle_feed')).toEqual({});
    expect(JSON.stringify(msp.json.terraform)).not.toContain('google-beta');
  });
});
