/**
 * The bucket the Lambda writes and SecOps reads: owner-enforced (no ACLs), every public access blocked,
 * versioned, encrypted by default (SSE-KMS with a rotated key of its own, or one given, or SSE-S3),
 * reachable over TLS only, with a lifecycle that expires data, old versions and abandoned uploads.
 */
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document/index.js';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key/index.js';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket/index.js';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration/index.js';
import { S3BucketLoggingA } from '@cdktf/provider-aws/lib/s3-bucket-logging/index.js';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls/index.js';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy/index.js';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block/index.js';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration/index.js';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning/index.js';
import { Construct } from 'constructs';
import type { Environment } from '../environment.ts';

type AwsSettings = NonNullable<Environment['aws']>;

/** Who else uses the stack's key: the account and region, and the log group CloudWatch Logs encrypts. */
export interface KeyUsers {
  environmentName: string;
  accountId: string;
  partition: string;
  region: string;
  /** The ARN of the log group the key encrypts (CloudWatch Logs' encryption context). */
  logGroupArn: string;
}

export class CollectorBucket extends Construct {
  readonly bucket: S3Bucket;
  /** The KMS key objects are encrypted with; undefined with SSE-S3. */
  readonly kmsKeyArn: string | undefined;

  constructor(scope: Construct, id: string, settings: AwsSettings['bucket'], users: KeyUsers) {
    super(scope, id);
    this.bucket = new S3Bucket(this, 'bucket', { bucket: settings.name, forceDestroy: false });
    const bucket = this.bucket.id;

    this.kmsKeyArn = this.#encryptionKey(settings, users);

    new S3BucketOwnershipControls(this, 'ownership', {
      bucket,
      rule: { objectOwnership: 'BucketOwnerEnforced' },
    });
    new S3BucketPublicAccessBlock(this, 'public-access', {
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketVersioningA(this, 'versioning', {
      bucket,
      versioningConfiguration: { status: 'Enabled' },
    });
    new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
      bucket,
      rule: [
        {
          applyServerSideEncryptionByDefault: this.kmsKeyArn
            ? { sseAlgorithm: 'aws:kms', kmsMasterKeyId: this.kmsKeyArn }
            : { sseAlgorithm: 'AES256' },
          bucketKeyEnabled: this.kmsKeyArn !== undefined,
        },
      ],
    });
    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket,
      rule: [
        {
          id: 'expire-collected-data',
          status: 'Enabled',
          filter: [{ prefix: `${settings.prefix}/` }],
          expiration: [{ days: settings.retentionDays }],
          noncurrentVersionExpiration: [{ noncurrentDays: settings.noncurrentDays }],
        },
        {
          // Anywhere in the bucket: an upload a killed run left unfinished is never completed.
          id: 'abort-incomplete-uploads',
          status: 'Enabled',
          filter: [{}],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 2 }],
        },
      ],
    });
    if (settings.accessLogs)
      new S3BucketLoggingA(this, 'access-logs', {
        bucket,
        targetBucket: settings.accessLogs.bucket,
        targetPrefix: settings.accessLogs.prefix ?? `${settings.name}/`,
      });
    // Plain HTTP, and TLS older than 1.2, are refused to everyone.
    const refused = [
      { sid: 'DenyInsecureTransport', test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] },
      { sid: 'DenyOldTls', test: 'NumericLessThan', variable: 's3:TlsVersion', values: ['1.2'] },
    ];
    const tlsOnly = new DataAwsIamPolicyDocument(this, 'tls-only', {
      statement: refused.map(({ sid, ...condition }) => ({
        sid,
        effect: 'Deny',
        principals: [{ type: '*', identifiers: ['*'] }],
        actions: ['s3:*'],
        resources: [this.bucket.arn, `${this.bucket.arn}/*`],
        condition: [condition],
      })),
    });
    new S3BucketPolicy(this, 'policy', { bucket, policy: tlsOnly.json });
  }

  /** The key to encrypt with: the one given, a new one (rotated yearly), or none for SSE-S3. */
  #encryptionKey(settings: AwsSettings['bucket'], users: KeyUsers): string | undefined {
    const { encryption } = settings;
    if (encryption.type === 'sse-s3') return undefined;
    if (encryption.kmsKeyArn) return encryption.kmsKeyArn;
    // The account administers the key (the default key policy, written out); the collector's role and
    // the SecOps reader are granted use of it in their own policies. CloudWatch Logs is no IAM principal
    // of the account: the key policy itself must let it encrypt the function's log group, and only that.
    const keyPolicy = new DataAwsIamPolicyDocument(this, 'key-policy', {
      statement: [
        {
          sid: 'AccountAdministers',
          effect: 'Allow',
          principals: [{ type: 'AWS', identifiers: [`arn:${users.partition}:iam::${users.accountId}:root`] }],
          actions: ['kms:*'],
          resources: ['*'],
        },
        {
          sid: 'CloudWatchLogsEncryptsTheLogGroup',
          effect: 'Allow',
          principals: [{ type: 'Service', identifiers: [`logs.${users.region}.amazonaws.com`] }],
          // The actions that carry an encryption context (AWS's example adds kms:Describe*, which no
          // context-conditioned statement can allow).
          actions: [
            'kms:Encrypt',
            'kms:Decrypt',
            'kms:ReEncryptFrom',
            'kms:ReEncryptTo',
            'kms:GenerateDataKey',
            'kms:GenerateDataKeyWithoutPlaintext',
          ],
          resources: ['*'],
          condition: [
            {
              // The context's key is a string: the log group's ARN, exactly.
              test: 'StringEquals',
              variable: 'kms:EncryptionContext:aws:logs:arn',
              values: [users.logGroupArn],
            },
          ],
        },
      ],
    });
    const key = new KmsKey(this, 'key', {
      description: `ctxsiem ${users.environmentName}: the collector bucket, secrets, queue and logs`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: keyPolicy.json,
    });
    return key.arn;
  }
}
