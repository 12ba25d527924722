/**
 * What a first `terraform apply` needs that no scanner checks, asked of the synthesized JSON: the
 * permissions each feature uses (X-Ray for active tracing, CloudWatch Logs in the key policy of the key
 * encrypting its log group, ListBucket for a missing checkpoint's 404), the alarm's window against the
 * schedule, no concurrency reserved unless asked, service account ids that stay distinct and valid, the
 * function's build account and its rights, and SecOps readers scoped to the stream folders.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkpointAlarmWindow } from '../src/aws/aws-stack.ts';
import { serviceAccountId } from '../src/gcp/gcp-stack.ts';
import { GOOGLE_MINIMUM, GOOGLE_VERSION } from '../src/providers.ts';
import { type Json, type SynthesizedStack, synth, TERRAFORM } from './synth.ts';

let dev: SynthesizedStack;
let msp: SynthesizedStack;
let gcp: SynthesizedStack;
beforeAll(async () => {
  const stacks = await synth(['dev-aws', 'msp-aws', 'prod-gcp']);
  dev = stacks.get('dev-aws')!;
  msp = stacks.get('msp-aws')!;
  gcp = stacks.get('prod-gcp')!;
});

/** A reference without the construct's hash suffix: `${aws_s3_bucket.collector-bucket.arn}`. */
const plain = (value: string) => value.replace(/_[0-9A-F]{8}\./g, '.');

/** The Allow statements of a policy document granting `action` (exactly, or by a trailing `*`). */
const granting = (stack: SynthesizedStack, policy: string, action: string) =>
  stack
    .policy(policy)
    .filter(
      (s) =>
        s.effect === 'Allow' &&
        (s.actions as string[]).some(
          (a) => a === action || (a.endsWith('*') && action.startsWith(a.slice(0, -1))),
        ),
    );

/**
 * Whether a CloudWatch alarm (`period` s, all `evaluationPeriods` breaching, missing data breaching)
 * would go off for metrics reported at `reports` (seconds), looking at the periods within [from, to).
 */
function alarms(
  window: { period: number; evaluationPeriods: number },
  reports: number[],
  from: number,
  to: number,
) {
  const reported = new Set(reports.map((at) => Math.floor(at / window.period)));
  let missing = 0;
  for (let index = Math.ceil(from / window.period); index < Math.floor(to / window.period); index++) {
    missing = reported.has(index) ? 0 : missing + 1;
    if (missing >= window.evaluationPeriods) return true;
  }
  return false;
}

describe('AWS: the permissions each feature needs', () => {
  it('lets the function send traces when tracing is active', () => {
    for (const stack of [dev, msp]) {
      expect(stack.resource('aws_lambda_function', 'collector').tracing_config).toEqual({ mode: 'Active' });
      for (const action of ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'])
        expect(granting(stack, 'collector-policy', action), `${stack.name} ${action}`).toEqual([
          expect.objectContaining({ resources: ['*'] }),
        ]);
    }
  });

  it('lets CloudWatch Logs use the key for the function’s log group, and only that group', () => {
    const group = dev.resource('aws_cloudwatch_log_group', 'logs');
    expect(group.kms_key_id).toMatch(/aws_kms_key\.collector-bucket_key/);
    const [logs, ...others] = dev
      .policy('collector-bucket_key-policy')
      .filter((s) =>
        (s.principals as Json[]).some((p) =>
          (p.identifiers as string[]).includes('logs.eu-west-1.amazonaws.com'),
        ),
      );
    expect(others).toEqual([]);
    expect(logs!.actions).toEqual(
      expect.arrayContaining(['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey']),
    );
    expect(logs!.condition).toEqual([
      {
        test: 'StringEquals',
        variable: 'kms:EncryptionContext:aws:logs:arn',
        values: [
          `arn:\${data.aws_partition.partition.partition}:logs:eu-west-1:\${data.aws_caller_identity.account.account_id}:log-group:${group.name}`,
        ],
      },
    ]);
  });

  it('may list the bucket without a prefix condition, so a missing checkpoint reads as 404, not 403', () => {
    for (const stack of [dev, msp]) {
      const list = granting(stack, 'collector-policy', 's3:ListBucket');
      expect(list.length, stack.name).toBe(1);
      // A GET carries no s3:prefix: any condition on it would fail for the 404 check.
      expect(list[0]!.condition, stack.name).toBeUndefined();
      expect((list[0]!.resources as string[]).map(plain)).toEqual(['${aws_s3_bucket.collector-bucket.arn}']);
    }
  });

  it('reserves no concurrency unless the environment asks', () => {
    expect(dev.resource('aws_lambda_function', 'collector')).not.toHaveProperty(
      'reserved_concurrent_executions',
    );
    expect(msp.resource('aws_lambda_function', 'collector').reserved_concurrent_executions).toBe(6);
  });

  it('lets the scheduler assume its role only for this account', () => {
    expect(dev.policy('scheduler-role-trust')).toEqual([
      expect.objectContaining({
        principals: [{ type: 'Service', identifiers: ['scheduler.amazonaws.com'] }],
        condition: [
          {
            test: 'StringEquals',
            variable: 'aws:SourceAccount',
            values: ['${data.aws_caller_identity.account.account_id}'],
          },
        ],
      }),
    ]);
  });
});

describe('AWS: who read and wrote the bucket is recorded where the environment says', () => {
  it('logs every request into the access-log bucket named, and only checkov’s msp-aws waiver says otherwise', () => {
    expect(Object.values(dev.resources('aws_s3_bucket_logging'))).toEqual([
      expect.objectContaining({
        bucket: expect.stringMatching(/^\$\{aws_s3_bucket\.collector-bucket_\w+\.id\}$/),
        target_bucket: 'acme-s3-access-logs',
        target_prefix: 'acme-ctxsiem-dev/',
      }),
    ]);
    expect(msp.resources('aws_s3_bucket_logging')).toEqual({});
    const { waivers } = JSON.parse(readFileSync(join(TERRAFORM, 'checkov-waivers.json'), 'utf8')) as {
      waivers: { check: string; stacks: string[] | '*' }[];
    };
    expect(waivers.find((waiver) => waiver.check === 'CKV_AWS_18')!.stacks).toEqual(['msp-aws']);
  });
});

describe('AWS: the checkpoint-age alarm against the schedule', () => {
  it('hourly (dev-aws): one period per run, never alarming on healthy runs, alarming when runs stop', () => {
    const alarm = dev.resource('aws_cloudwatch_metric_alarm', 'checkpoint-age-alarm');
    expect(alarm).toMatchObject({ period: 3600, evaluation_periods: 2, datapoints_to_alarm: 2 });
    const window = { period: alarm.period as number, evaluationPeriods: alarm.evaluation_periods as number };
    // Runs every hour from 00:37, each up to 15 minutes late (the flexible window), reporting at their end.
    const start = 37 * 60;
    const healthy = Array.from({ length: 48 }, (_, k) => start + k * 3600 + ((k * 7919) % 900) + 300);
    expect(alarms(window, healthy, 0, 48 * 3600)).toBe(false);
    // The worst case: one run at the start of its window, the next at the end of its own.
    expect(alarms(window, [start, start + 3600 + 900 + 300], 0, start + 3600 + 1200)).toBe(false);
    // No run after the 10th: alarmed within the next three hours.
    expect(alarms(window, healthy.slice(0, 10), 0, healthy[9]! + 3 * 3600)).toBe(true);
  });

  it('for every schedule the environment allows, covers the longest gap between runs within CloudWatch’s limits', () => {
    for (const every of [5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 480, 720, 1440])
      for (const timeout of [30, 300, 900]) {
        const flex = Math.min(15, every);
        const window = checkpointAlarmWindow(every, flex, timeout);
        expect(window.period, `every ${every}`).toBe(every * 60);
        // The periods that must all be empty span at least the longest gap between two reports…
        expect(window.period * window.evaluationPeriods).toBeGreaterThanOrEqual(
          (every + flex) * 60 + timeout,
        );
        // …and no more than one extra period past it, within CloudWatch's evaluation range.
        expect(window.period * (window.evaluationPeriods - 1)).toBeLessThan((every + flex) * 60 + timeout);
        expect(window.period * window.evaluationPeriods).toBeLessThanOrEqual(
          window.period >= 3600 ? 7 * 86400 : 86400,
        );
      }
    expect(msp.resource('aws_cloudwatch_metric_alarm', 'checkpoint-age-alarm')).toMatchObject({
      period: 900,
      evaluation_periods: 3,
      datapoints_to_alarm: 3,
    });
  });
});

describe('SecOps readers see the stream folders only', () => {
  it('AWS: reads and lists the stream folders, decrypts only through S3', () => {
    const policy = dev.policy('secops-reader-policy');
    const folders = ['Connections', 'Machines', 'Sessions'].map((stream) => `citrix/${stream}/`);
    const reads = granting(dev, 'secops-reader-policy', 's3:GetObject');
    expect(reads.flatMap((s) => (s.resources as string[]).map(plain)).toSorted()).toEqual(
      folders.map((folder) => `\${aws_s3_bucket.collector-bucket.arn}/${folder}*`),
    );
    const [list] = granting(dev, 'secops-reader-policy', 's3:ListBucket');
    expect(list!.condition).toEqual([
      { test: 'StringLike', variable: 's3:prefix', values: expect.any(Array) },
    ]);
    const prefixes = ((list!.condition as Json[])[0]!.values as string[]).toSorted();
    expect(prefixes).toEqual(folders.map((folder) => `${folder}*`));
    // Nothing the collector keeps for itself is reachable.
    for (const value of [...prefixes, ...reads.flatMap((s) => s.resources as string[])])
      expect(value).not.toMatch(/_state|_deadletter|_probe|_ctxsiem|citrix\/\*$/);
    const decrypt = policy.find((s) => (s.actions as string[]).includes('kms:Decrypt'))!;
    expect(decrypt.condition).toEqual([
      { test: 'StringEquals', variable: 'kms:ViaService', values: ['s3.eu-west-1.amazonaws.com'] },
    ]);
  });

  it('Google Cloud: one conditioned grant to the feed account, made before any feed', () => {
    const grants = Object.entries(gcp.resources('google_storage_bucket_iam_member')).filter(([, grant]) =>
      String(grant.member).includes('chronicle'),
    );
    expect(grants.map(([id]) => id)).toEqual(['secops-reads-streams']);
    const [, grant] = grants[0]!;
    expect(grant.role).toBe('roles/storage.objectViewer');
    const expression = String((grant.condition as Json).expression);
    const streams = [
      'Applications',
      'Connections',
      'Machines',
      'Sessions',
      'Users',
      'machines',
      'sessions',
      'users',
    ];
    for (const stream of streams) {
      expect(expression).toContain(`objects/citrix/${stream}/")`);
      expect(expression).toContain(`objectListPrefix", "").startsWith("citrix/${stream}/")`);
    }
    expect(expression).not.toMatch(/_state|_deadletter|_probe|_ctxsiem|objects\/citrix\/"\)/);
    for (const [id, feed] of Object.entries(gcp.resources('google_chronicle_feed')))
      expect(feed.depends_on, id).toEqual(['google_storage_bucket_iam_member.secops-reads-streams']);
  });
});

describe('Google Cloud: accounts and the build', () => {
  it('derives service account ids that are valid and distinct for any environment name', () => {
    const valid = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
    const names = Array.from({ length: 41 }, (_, n) => 'a'.repeat(n + 1));
    names.push(
      'prod-eu-west-1-tenant-a',
      'prod-eu-west-1-tenant-b',
      'abcdefghijklmnopqrst-',
      `${'x'.repeat(20)}-y`,
    );
    const ids = new Set<string>();
    for (const name of names)
      for (const role of ['run', 'sched', 'build'] as const) {
        const id = serviceAccountId(name, role);
        expect(id, `${name} ${role}`).toMatch(valid);
        expect(ids.has(id), `${id} twice`).toBe(false);
        ids.add(id);
      }
    // The example's: readable, and all three different.
    const accounts = Object.values(gcp.resources('google_service_account')).map((a) => a.account_id);
    expect(accounts.toSorted()).toEqual([
      'ctxsiem-prod-gcp-build',
      'ctxsiem-prod-gcp-run',
      'ctxsiem-prod-gcp-sched',
    ]);
  });

  it('builds the function as its own account, able to read the source, push the image and write logs', () => {
    const fn = gcp.resource('google_cloudfunctions2_function', 'collector');
    expect(fn.build_config).toMatchObject({
      service_account: '${google_service_account.builder.id}',
      docker_repository: '${google_artifact_registry_repository.function-images.id}',
    });
    const member = 'serviceAccount:${google_service_account.builder.email}';
    const source = gcp.resource('google_storage_bucket_iam_member', 'builder-reads-source');
    expect(source).toMatchObject({ role: 'roles/storage.objectViewer', member });
    expect((source.condition as Json).expression).toBe(
      'resource.name.startsWith("projects/_/buckets/acme-ctxsiem-prod/objects/_ctxsiem/function-")',
    );
    expect(
      gcp.resource('google_artifact_registry_repository_iam_member', 'builder-writes-images'),
    ).toMatchObject({
      role: 'roles/artifactregistry.writer',
      member,
      repository: '${google_artifact_registry_repository.function-images.name}',
    });
    expect(gcp.resource('google_project_iam_member', 'builder-writes-logs')).toMatchObject({
      role: 'roles/logging.logWriter',
      member,
    });
    for (const grant of ['builder-reads-source', 'builder-writes-images', 'builder-writes-logs'])
      expect(fn.depends_on).toEqual(expect.arrayContaining([expect.stringContaining(grant)]));
  });

  it('records who reads and writes the bucket (the data-access audit logs checkov’s waiver names)', () => {
    expect(gcp.resource('google_project_iam_audit_config', 'storage-data-access-audit')).toMatchObject({
      service: 'storage.googleapis.com',
      audit_log_config: [{ log_type: 'DATA_READ' }, { log_type: 'DATA_WRITE' }],
    });
  });

  it('pins google and google-beta to the same releases, none older than google_chronicle_feed', () => {
    expect(GOOGLE_MINIMUM).toBe('7.27.0');
    expect(gcp.json.terraform).toMatchObject({
      required_providers: {
        google: { version: GOOGLE_VERSION },
        'google-beta': { version: GOOGLE_VERSION },
      },
    });
    expect(dev.json.terraform).toMatchObject({
      required_providers: { 'google-beta': { version: GOOGLE_VERSION } },
    });
  });
});
