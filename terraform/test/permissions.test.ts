/**
 * Rules no scanner has: what each AWS feature needs from IAM, asked of every AWS stack of every
 * environment — whatever resource or attribute a stack uses, the role (or key policy) that must allow it
 * does. A feature added without its permission fails here, not at the first apply.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadEnvironments } from '../src/app.ts';
import { type Json, type SynthesizedStack, synth, TERRAFORM } from './synth.ts';

let stacks: SynthesizedStack[];
beforeAll(async () => {
  const names = loadEnvironments(`${TERRAFORM}/environments`)
    .filter(({ environment }) => environment.aws)
    .map(({ name }) => name);
  stacks = [...(await synth(names)).values()];
});

/** `type.id` of a reference such as `${aws_iam_role.collector-role.arn}`. */
const referenced = (value: unknown) => String(value).match(/^\$\{((?:data\.)?[\w]+\.[\w-]+)\.\w+\}$/)?.[1];

/** The statements of the policy documents attached to the role `${aws_iam_role.X.*}` names. */
function rolePolicy(stack: SynthesizedStack, roleReference: unknown): Json[] {
  const role = referenced(roleReference);
  return Object.values(stack.resources('aws_iam_role_policy'))
    .filter((attachment) => referenced(attachment.role) === role)
    .flatMap((attachment) => documentStatements(stack, attachment.policy));
}

function documentStatements(stack: SynthesizedStack, reference: unknown): Json[] {
  const document = referenced(reference)?.replace(/^data\.aws_iam_policy_document\./, '');
  if (!document) throw new Error(`${stack.name}: ${String(reference)} is no policy document`);
  return stack.policy(document);
}

const matches = (pattern: string, value: string) =>
  pattern === value || (pattern.endsWith('*') && value.startsWith(pattern.slice(0, -1)));

/** Whether an Allow statement without a condition grants `action` on `resource`. */
const allows = (statements: Json[], action: string, resource: string, conditionAllowed = false) =>
  statements.some(
    (s) =>
      s.effect === 'Allow' &&
      (conditionAllowed || !s.condition) &&
      (s.actions as string[]).some((a) => matches(a, action)) &&
      (s.resources as string[]).some((r) => matches(r, resource)),
  );

describe('the permissions each AWS feature needs, on every AWS stack', () => {
  it('a Lambda’s role allows what its configuration uses', () => {
    const missing: string[] = [];
    for (const stack of stacks)
      for (const [id, lambda] of Object.entries(stack.resources('aws_lambda_function'))) {
        const policy = rolePolicy(stack, lambda.role);
        const need = (action: string, resource: string, why: string) => {
          if (!allows(policy, action, resource))
            missing.push(`${stack.name}: ${id}: ${action} on ${resource} (${why})`);
        };
        if ((lambda.tracing_config as Json | undefined)?.mode === 'Active')
          for (const action of ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'])
            need(action, '*', 'tracing Active');
        const deadLetters = (lambda.dead_letter_config as Json | undefined)?.target_arn;
        if (deadLetters) need('sqs:SendMessage', String(deadLetters), 'dead_letter_config');
        if (lambda.kms_key_arn) need('kms:Decrypt', String(lambda.kms_key_arn), 'environment encrypted');
        const group = (lambda.logging_config as Json | undefined)?.log_group;
        if (group) {
          const byReference = referenced(group)?.replace(/^aws_cloudwatch_log_group\./, '');
          const groupId =
            byReference ??
            Object.entries(stack.resources('aws_cloudwatch_log_group')).find(
              ([, g]) => g.name === group,
            )?.[0];
          const arn = `\${aws_cloudwatch_log_group.${groupId}.arn}:*`;
          for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents'])
            need(action, arn, 'logging_config');
        }
      }
    expect(missing).toEqual([]);
  });

  it('a log group encrypted with the stack’s key: the key policy lets CloudWatch Logs use it for that group', () => {
    const missing: string[] = [];
    for (const stack of stacks) {
      const region = String((stack.json.provider as { aws: Json[] }).aws[0]!.region);
      for (const [id, group] of Object.entries(stack.resources('aws_cloudwatch_log_group'))) {
        const key = referenced(group.kms_key_id);
        if (!key) continue;
        const [, keyResource] = Object.entries(stack.resources('aws_kms_key')).find(
          ([k]) => `aws_kms_key.${k}` === key,
        )!;
        const statements = documentStatements(stack, keyResource.policy);
        const granted = statements.some(
          (s) =>
            s.effect === 'Allow' &&
            (s.principals as Json[]).some((p) =>
              (p.identifiers as string[]).includes(`logs.${region}.amazonaws.com`),
            ) &&
            ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'].every((a) =>
              (s.actions as string[]).some((x) => matches(x, a)),
            ) &&
            (s.condition as Json[] | undefined)?.some(
              (c) =>
                c.variable === 'kms:EncryptionContext:aws:logs:arn' &&
                (c.values as string[]).every((v) => v.endsWith(`:log-group:${group.name}`)),
            ),
        );
        if (!granted) missing.push(`${stack.name}: ${id} (${group.name}) cannot be encrypted by ${key}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('a schedule’s role may invoke its target and reach its dead-letter queue, for this account only', () => {
    const missing: string[] = [];
    for (const stack of stacks)
      for (const [id, schedule] of Object.entries(stack.resources('aws_scheduler_schedule'))) {
        const target = schedule.target as Json;
        const policy = rolePolicy(stack, target.role_arn);
        if (!allows(policy, 'lambda:InvokeFunction', String(target.arn)))
          missing.push(`${stack.name}: ${id}: invoke`);
        const dlq = (target.dead_letter_config as Json | undefined)?.arn;
        if (dlq && !allows(policy, 'sqs:SendMessage', String(dlq)))
          missing.push(`${stack.name}: ${id}: dead letters`);
        if (schedule.kms_key_arn && !allows(policy, 'kms:Decrypt', String(schedule.kms_key_arn)))
          missing.push(`${stack.name}: ${id}: kms`);
        const role = referenced(target.role_arn)!.replace(/^aws_iam_role\./, '');
        const trust = documentStatements(stack, stack.resource('aws_iam_role', role).assume_role_policy);
        if (
          !trust.every((s) =>
            (s.condition as Json[] | undefined)?.some((c) => c.variable === 'aws:SourceAccount'),
          )
        )
          missing.push(`${stack.name}: ${id}: the scheduler's trust has no aws:SourceAccount`);
      }
    expect(missing).toEqual([]);
  });

  it('a collector keeping checkpoints in S3 may list the bucket unconditionally (404, not 403, for a new stream)', () => {
    const missing: string[] = [];
    for (const stack of stacks) {
      const config = JSON.parse(String(stack.resource('aws_s3_object', 'collector-config').content)) as {
        checkpoint: { type: string };
      };
      if (config.checkpoint.type !== 's3') continue;
      const lambda = stack.resource('aws_lambda_function', 'collector');
      const bucketArn = `\${aws_s3_bucket.${Object.keys(stack.resources('aws_s3_bucket'))[0]}.arn}`;
      if (!allows(rolePolicy(stack, lambda.role), 's3:ListBucket', bucketArn))
        missing.push(`${stack.name}: no unconditioned s3:ListBucket on ${bucketArn}`);
    }
    expect(missing).toEqual([]);
  });

  it('an S3 feed’s role may read and list its folder, and nothing outside the stream folders', () => {
    const problems: string[] = [];
    let feeds = 0;
    for (const stack of stacks)
      for (const [id, feed] of Object.entries(stack.resources('google_chronicle_feed'))) {
        const [settings] = ((feed.details as Json[])[0]!.amazon_s3_v2_settings as Json[] | undefined) ?? [];
        if (!settings) continue;
        feeds++;
        const [, bucket, folder] = String(settings.s3_uri).match(/^s3:\/\/([^/]+)\/(.+)$/)!;
        const [auth] = (settings.authentication as Json[])[0]!.aws_iam_role_auth as Json[];
        const policy = rolePolicy(stack, auth!.aws_iam_role_arn);
        const bucketId = Object.entries(stack.resources('aws_s3_bucket')).find(
          ([, b]) => b.bucket === bucket,
        )![0];
        const bucketArn = `\${aws_s3_bucket.${bucketId}.arn}`;
        if (!allows(policy, 's3:GetObject', `${bucketArn}/${folder}part.json.gz`))
          problems.push(`${stack.name}: ${id} cannot read ${folder}`);
        const list = policy.find((s) => (s.actions as string[]).includes('s3:ListBucket'));
        const prefixes = ((list?.condition as Json[] | undefined)?.find((c) => c.variable === 's3:prefix')
          ?.values ?? []) as string[];
        if (!prefixes.some((p) => matches(p, folder!)))
          problems.push(`${stack.name}: ${id} cannot list ${folder}`);
        // Every object resource the reader has is under some feed's folder.
        const folders = Object.values(stack.resources('google_chronicle_feed')).map((f) =>
          String(
            (((f.details as Json[])[0]!.amazon_s3_v2_settings as Json[])[0]!.s3_uri as string).replace(
              `s3://${bucket}/`,
              '',
            ),
          ),
        );
        const objects = policy
          .flatMap((s) => s.resources as string[])
          .filter((r) => r.startsWith('${aws_s3_bucket.'));
        for (const resource of objects)
          if (resource !== bucketArn && !folders.some((f) => resource === `${bucketArn}/${f}*`))
            problems.push(`${stack.name}: the SecOps reader reaches ${resource}`);
      }
    expect(feeds).toBeGreaterThan(0);
    expect([...new Set(problems)]).toEqual([]);
  });
});
