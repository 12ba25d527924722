/**
 * parliament (pinned, in a cached virtualenv: `obtain.sh parliament`) over every AWS policy document of
 * every synthesized stack: each `data.aws_iam_policy_document` written out as the IAM JSON Terraform
 * renders, its references to the stack's resources replaced by ARNs of their shape (an unknown reference
 * fails the test, so a new resource gets one). No finding but those listed below, each with its reason;
 * a listed finding no document has any more fails too.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadEnvironments } from '../src/app.ts';
import { type Json, type SynthesizedStack, synth, TERRAFORM } from './synth.ts';
import { obtainTool } from './tools.ts';

const run = promisify(execFile);

const ACCOUNT = '123456789012';

/** parliament's findings ctxsiem accepts: `<policy document id prefix>:<issue>` → why. */
const ACCEPTED: Record<string, string> = {
  'collector-role-trust:MALFORMED':
    'A role’s trust policy is a resource policy of the role: a Principal and no Resource, by definition. parliament reads every document as an identity policy.',
  'scheduler-role-trust:MALFORMED':
    'The scheduler role’s trust policy: a Principal and no Resource (see collector-role-trust).',
  'secops-trust:MALFORMED':
    'The SecOps reader’s trust policy (web identity): a Principal and no Resource (see collector-role-trust).',
  'collector-bucket_key-policy:RESOURCE_STAR':
    'In a KMS key policy "*" is the key the policy is attached to: the only resource a key policy can name.',
  'collector-bucket_key-policy:PERMISSIONS_MANAGEMENT_ACTIONS':
    'The account root administers its own key (kms:*, AWS’s default key policy): without it IAM policies could not grant the key’s use, and the key could become unmanageable.',
  'collector-bucket_tls-only:MISMATCHED_TYPE':
    'Terraform renders s3:TlsVersion’s value as the string "1.2"; IAM compares numeric strings numerically (AWS’s own examples of this condition use it so).',
  'collector-bucket_tls-only:UNKNOWN_CONDITION_FOR_ACTION':
    'The Deny names s3:*: actions whose requests carry no s3:TlsVersion are not matched by the old-TLS Deny, and the aws:SecureTransport Deny still covers them all.',
};

interface Finding {
  issue: string;
  title?: string;
  severity?: string;
  detail?: unknown;
  location?: unknown;
}

/** An ARN of the right shape for a reference to the stack's resource, by type. */
function resolver(stack: SynthesizedStack, region: string) {
  const attribute = (type: string, id: string, name: string) => String(stack.resource(type, id)[name]);
  const samples: Record<string, (id: string, attr: string) => string | undefined> = {
    aws_s3_bucket: (id, attr) =>
      attr === 'arn' ? `arn:aws:s3:::${attribute('aws_s3_bucket', id, 'bucket')}` : undefined,
    aws_secretsmanager_secret: (id, attr) =>
      attr === 'arn'
        ? `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:${attribute('aws_secretsmanager_secret', id, 'name')}-AbCdEf`
        : undefined,
    aws_cloudwatch_log_group: (id, attr) =>
      attr === 'arn'
        ? `arn:aws:logs:${region}:${ACCOUNT}:log-group:${attribute('aws_cloudwatch_log_group', id, 'name')}`
        : undefined,
    aws_sqs_queue: (id, attr) =>
      attr === 'arn'
        ? `arn:aws:sqs:${region}:${ACCOUNT}:${attribute('aws_sqs_queue', id, 'name')}`
        : undefined,
    aws_kms_key: (_, attr) =>
      attr === 'arn'
        ? `arn:aws:kms:${region}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`
        : undefined,
    aws_lambda_function: (id, attr) =>
      attr === 'arn'
        ? `arn:aws:lambda:${region}:${ACCOUNT}:function:${attribute('aws_lambda_function', id, 'function_name')}`
        : undefined,
    'data.aws_caller_identity': (_, attr) => (attr === 'account_id' ? ACCOUNT : undefined),
    'data.aws_partition': (_, attr) => (attr === 'partition' ? 'aws' : undefined),
  };
  return (text: string): string =>
    text.replace(
      /\$\{((?:data\.)?[a-z0-9_]+)\.([\w-]+)\.(\w+)\}/g,
      (reference, type: string, id: string, attr: string) => {
        const sample = samples[type]?.(id, attr);
        if (sample === undefined) throw new Error(`${stack.name}: no sample ARN for ${reference}`);
        return sample;
      },
    );
}

/**
 * A `data.aws_iam_policy_document` as the IAM JSON policy it renders: a list of one value as that value,
 * a `*` principal as `"*"`, conditions grouped by operator.
 */
function policyJson(document: Json, resolve: (text: string) => string): object {
  const list = (values: unknown) => {
    const resolved = (values as string[]).map(resolve);
    return resolved.length === 1 ? resolved[0] : resolved;
  };
  const principal = (principals: Json[]) =>
    principals.length === 1 && principals[0]!.type === '*'
      ? '*'
      : Object.fromEntries(principals.map((p) => [p.type, list(p.identifiers)]));
  const conditions = (all: Json[]) =>
    Object.fromEntries(
      [...new Set(all.map((c) => String(c.test)))].map((test) => [
        test,
        Object.fromEntries(all.filter((c) => c.test === test).map((c) => [c.variable, list(c.values)])),
      ]),
    );
  return {
    Version: '2012-10-17',
    Statement: (document.statement as Json[]).map((statement) => ({
      ...(statement.sid ? { Sid: statement.sid } : {}),
      Effect: statement.effect ?? 'Allow',
      Action: list(statement.actions),
      ...(statement.resources ? { Resource: list(statement.resources) } : {}),
      ...(statement.principals ? { Principal: principal(statement.principals as Json[]) } : {}),
      ...(statement.condition ? { Condition: conditions(statement.condition as Json[]) } : {}),
    })),
  };
}

const findings: { stack: string; document: string; finding: Finding }[] = [];
let documents = 0;
beforeAll(async () => {
  const names = loadEnvironments(join(TERRAFORM, 'environments'))
    .filter(({ environment }) => environment.aws)
    .map(({ name }) => name);
  const stacks = [...(await synth(names)).values()];
  const parliament = await obtainTool('parliament');
  for (const stack of stacks) {
    const folder = mkdtempSync(join(tmpdir(), `ctxsiem-parliament-${stack.name}-`));
    const region = String((stack.json.provider as { aws: Json[] }).aws[0]!.region);
    const resolve = resolver(stack, region);
    for (const [id, document] of Object.entries(stack.json.data?.aws_iam_policy_document ?? {})) {
      documents++;
      writeFileSync(join(folder, `${id}.json`), JSON.stringify(policyJson(document, resolve), null, 2));
    }
    // One JSON finding a line, each naming its file; parliament exits 1 when it finds anything.
    const { stdout } = await run(
      parliament,
      ['--directory', folder, '--json', '--minimum_severity', 'INFO', '--include-community-auditors'],
      { maxBuffer: 16 * 1024 * 1024 },
    ).catch((error: { stdout?: string; code?: number; stderr?: string }) => {
      if (error.code === 1 && error.stdout) return { stdout: error.stdout };
      throw new Error(`parliament failed on ${stack.name}: ${error.stderr}`);
    });
    for (const line of stdout.split('\n').filter((l) => l.trim())) {
      const finding = JSON.parse(line) as Finding & { location: { filepath: string } };
      const document = basename(finding.location.filepath, '.json');
      findings.push({ stack: stack.name, document, finding });
    }
  }
}, 600_000);

const accepted = (document: string, issue: string) =>
  Object.keys(ACCEPTED).find((key) => {
    const [prefix, accepts] = key.split(':');
    return document.startsWith(prefix!) && issue === accepts;
  });

describe('parliament on every AWS policy document', () => {
  it('finds nothing but the accepted findings', () => {
    expect(documents).toBeGreaterThanOrEqual(10);
    const unaccepted = findings
      .filter(({ document, finding }) => !accepted(document, finding.issue))
      .map(
        ({ stack, document, finding }) =>
          `${stack}: ${document}: ${finding.issue} ${JSON.stringify(finding.detail ?? finding.location ?? '')}`,
      );
    console.log(
      `parliament: ${documents} documents, ${findings.length} findings, ${findings.length - unaccepted.length} accepted`,
    );
    expect(unaccepted).toEqual([]);
  });

  it('keeps no accepted finding without a reason, or that no document has', () => {
    for (const [key, reason] of Object.entries(ACCEPTED)) expect(reason.length, key).toBeGreaterThan(40);
    const unused = Object.keys(ACCEPTED).filter(
      (key) => !findings.some(({ document, finding }) => accepted(document, finding.issue) === key),
    );
    expect(unused).toEqual([]);
  });
});
