/**
 * ctxsiem's own rules, over every stack of every example environment: each bucket encrypted, its public
 * access blocked and (on AWS) TLS-only; no IAM statement allowing `*` actions or `*` resources except
 * where the cloud requires it (listed below); every secret by reference — no secret value anywhere in
 * what Terraform receives.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadEnvironments } from '../src/app.ts';
import { type Json, type SynthesizedStack, synth, TERRAFORM } from './synth.ts';

/** Allow statements with a `*` that the cloud requires: `<policy document id prefix>:<sid>`. */
const WILDCARDS_REQUIRED = {
  // A KMS key policy names the key as "*" and must let the account administer it (AWS's default).
  'collector-bucket_key-policy:AccountAdministers': 'the account administers its own KMS key',
  // In a key policy "*" is the key itself; the condition limits it to the function's log group.
  'collector-bucket_key-policy:CloudWatchLogsEncryptsTheLogGroup':
    'CloudWatch Logs encrypts the function’s log group with the key',
  // X-Ray's PutTraceSegments and PutTelemetryRecords take no resource but "*".
  'collector-policy:SendTraces': 'X-Ray has no resource-level permissions',
};

let stacks: SynthesizedStack[];
beforeAll(async () => {
  const names = loadEnvironments(`${TERRAFORM}/environments`).map((environment) => environment.name);
  stacks = [...(await synth(names)).values()];
});

const idOf = (stack: SynthesizedStack, type: string, id: string) => `${stack.name}: ${type}.${id}`;

describe('the project’s rules on every stack', () => {
  it('has stacks for AWS, Google Cloud and Azure to check', () => {
    const types = new Set(stacks.flatMap((stack) => Object.keys(stack.json.resource)));
    expect(
      ['aws_s3_bucket', 'google_storage_bucket', 'azurerm_storage_account'].every((t) => types.has(t)),
    ).toBe(true);
  });

  it('encrypts every bucket, blocks its public access, and (S3) refuses plain HTTP', () => {
    const problems: string[] = [];
    for (const stack of stacks) {
      const resources = stack.json.resource;
      for (const id of Object.keys(resources.aws_s3_bucket ?? {})) {
        const reference = `\${aws_s3_bucket.${id}.id}`;
        const on = (type: string) => Object.values(resources[type] ?? {}).find((r) => r.bucket === reference);
        const encryption = on('aws_s3_bucket_server_side_encryption_configuration');
        const sse = (encryption?.rule as Json[] | undefined)?.[0]
          ?.apply_server_side_encryption_by_default as Json;
        if (!sse || !['aws:kms', 'AES256'].includes(String(sse.sse_algorithm)))
          problems.push(`${idOf(stack, 'aws_s3_bucket', id)} is not encrypted by default`);
        const block = on('aws_s3_bucket_public_access_block');
        if (
          !block ||
          ![
            'block_public_acls',
            'block_public_policy',
            'ignore_public_acls',
            'restrict_public_buckets',
          ].every((flag) => block[flag] === true)
        )
          problems.push(`${idOf(stack, 'aws_s3_bucket', id)} does not block public access`);
        const policy = on('aws_s3_bucket_policy');
        const document = String(policy?.policy ?? '').match(
          /data\.aws_iam_policy_document\.([\w-]+)\.json/,
        )?.[1];
        const statements = (stack.json.data?.aws_iam_policy_document?.[document ?? '']?.statement ??
          []) as Json[];
        const tlsOnly = statements.some(
          (s) =>
            s.effect === 'Deny' &&
            (s.condition as Json[]).some(
              (c) => c.variable === 'aws:SecureTransport' && (c.values as string[])[0] === 'false',
            ),
        );
        if (!tlsOnly) problems.push(`${idOf(stack, 'aws_s3_bucket', id)} accepts plain HTTP`);
      }
      for (const [id, account] of Object.entries(resources.azurerm_storage_account ?? {})) {
        // Azure Storage encrypts at rest (here twice: infrastructure encryption); TLS 1.2, HTTPS, nothing public.
        if (
          account.infrastructure_encryption_enabled !== true ||
          account.https_traffic_only_enabled !== true ||
          account.min_tls_version !== 'TLS1_2' ||
          account.allow_nested_items_to_be_public !== false
        )
          problems.push(
            `${idOf(stack, 'azurerm_storage_account', id)} is not encrypted, TLS-only and private`,
          );
      }
      for (const [id, bucket] of Object.entries(resources.google_storage_bucket ?? {})) {
        // Cloud Storage encrypts every object at rest; access must be uniform and never public.
        if (bucket.public_access_prevention !== 'enforced' || bucket.uniform_bucket_level_access !== true)
          problems.push(`${idOf(stack, 'google_storage_bucket', id)} may be made public`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('allows no `*` action or resource except where the cloud requires it', () => {
    const problems: string[] = [];
    for (const stack of stacks)
      for (const [id, document] of Object.entries(stack.json.data?.aws_iam_policy_document ?? {})) {
        for (const statement of document.statement as Json[]) {
          if (statement.effect !== 'Allow') continue;
          const required = Object.keys(WILDCARDS_REQUIRED).some((key) => {
            const [prefix, sid] = key.split(':');
            return id.startsWith(prefix!) && statement.sid === sid;
          });
          const wild = [
            ...((statement.actions as string[]) ?? []),
            ...((statement.resources as string[]) ?? []),
          ].filter((value) => value === '*' || (value.endsWith(':*') && !value.startsWith('${')));
          if (wild.length > 0 && !required) problems.push(`${stack.name}: ${id} allows ${wild.join(', ')}`);
        }
      }
    for (const stack of stacks)
      for (const [id, grant] of Object.entries(stack.json.resource.google_storage_bucket_iam_member ?? {}))
        if (/admin|owner/i.test(String(grant.role)))
          problems.push(`${stack.name}: ${id} grants ${grant.role}`);
    expect(problems).toEqual([]);
  });

  it('keeps every secret by reference: no secret value is synthesized', () => {
    const problems: string[] = [];
    for (const stack of stacks) {
      const resources = stack.json.resource;
      for (const [id, app] of Object.entries(resources.azurerm_container_app ?? {}))
        for (const secret of (app.secret as Json[] | undefined) ?? [])
          if (secret.value !== undefined || !secret.key_vault_secret_id)
            problems.push(
              `${idOf(stack, 'azurerm_container_app', id)}: secret ${secret.name} is not a Key Vault reference`,
            );
      for (const type of ['aws_secretsmanager_secret_version', 'google_secret_manager_secret_version'])
        for (const id of Object.keys(resources[type] ?? {}))
          problems.push(`${idOf(stack, type, id)} puts a secret's value into Terraform state`);
      // A Key Vault secret only as a write-only placeholder (never in state), never updated after.
      for (const [id, secret] of Object.entries(resources.azurerm_key_vault_secret ?? {}))
        if (
          secret.value !== undefined ||
          secret.value_wo === undefined ||
          (secret.lifecycle as Json | undefined)?.ignore_changes !== 'all'
        )
          problems.push(
            `${idOf(stack, 'azurerm_key_vault_secret', id)} puts a secret's value into Terraform state`,
          );
      const text = JSON.stringify(stack.json);
      for (const match of text.matchAll(/\\"(clientSecret|password)\\":\s*\\"([^"\\]*)\\"/g))
        if (!/^(secretsmanager|gcpsecret|env|file):/.test(match[2]!))
          problems.push(`${stack.name}: ${match[1]} is a value, not a reference`);
    }
    expect(problems).toEqual([]);
  });
});
