/**
 * Google SecOps feeds as Terraform resources: `google_chronicle_feed` of the google-beta provider. The
 * resource is beta-only (magic-modules `chronicle/Feed.yaml`: `min_version: beta`) and newer than the
 * frozen prebuilt `@cdktf/provider-google-beta` (6.50.0), so it is written here as a typed construct:
 * the config below is the resource's documented arguments, synthesized to their Terraform names.
 */
import { siemDeclarations } from '@ctxsiem/registry';
import { TerraformProvider, TerraformResource } from 'cdktf';
import type { Construct } from 'constructs';
import type { StreamRef } from '../collector.ts';
import type { Environment } from '../environment.ts';

/** google-beta 7.x, the first major with `google_chronicle_feed`. */
export const GOOGLE_BETA_VERSION = '~> 7.0';

export interface GoogleBetaProviderConfig {
  project: string;
  region?: string;
}

export class GoogleBetaProvider extends TerraformProvider {
  readonly #config: GoogleBetaProviderConfig;

  constructor(scope: Construct, id: string, config: GoogleBetaProviderConfig) {
    super(scope, id, {
      terraformResourceType: 'google-beta',
      terraformProviderSource: 'hashicorp/google-beta',
      terraformGeneratorMetadata: {
        providerName: 'google-beta',
        providerVersionConstraint: GOOGLE_BETA_VERSION,
      },
    });
    this.#config = config;
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return { project: this.#config.project, region: this.#config.region };
  }
}

/** Where a feed reads from: an S3 prefix through an IAM role (V2, Storage Transfer), or a GCS prefix. */
export type FeedSource =
  | {
      type: 'AMAZON_S3_V2';
      s3Uri: string;
      awsIamRoleArn: string;
      subjectId: string;
      maxLookbackDays?: number;
    }
  | { type: 'GOOGLE_CLOUD_STORAGE_V2'; bucketUri: string; maxLookbackDays?: number };

export interface ChronicleFeedConfig {
  provider: GoogleBetaProvider;
  /** The SecOps instance's Chronicle API location (`us`, `eu`, `europe-west2`, …; not `europe`). */
  location: string;
  /** The SecOps customer id. */
  instance: string;
  project: string;
  displayName: string;
  /** The short log type (`CITRIX_MONITOR`); the resource takes its full name. */
  logType: string;
  source: FeedSource;
  namespace?: string | undefined;
  labels?: Record<string, string>;
}

export class ChronicleFeed extends TerraformResource {
  static readonly tfResourceType = 'google_chronicle_feed';
  readonly #config: ChronicleFeedConfig;

  constructor(scope: Construct, id: string, config: ChronicleFeedConfig) {
    super(scope, id, {
      terraformResourceType: ChronicleFeed.tfResourceType,
      terraformGeneratorMetadata: {
        providerName: 'google-beta',
        providerVersionConstraint: GOOGLE_BETA_VERSION,
      },
      provider: config.provider,
    });
    this.#config = config;
  }

  /** The feed's resource name, `projects/…/feeds/<id>`. */
  get feedName(): string {
    return this.getStringAttribute('name');
  }

  /** The Google service account the feed reads a GCS source as (grant it object viewer). */
  get gcsServiceAccount(): string {
    return this.getStringAttribute('details[0].gcs_v2_settings[0].chronicle_service_account');
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    const { source, project, location, instance } = this.#config;
    const settings =
      source.type === 'AMAZON_S3_V2'
        ? {
            amazon_s3_v2_settings: [
              {
                s3_uri: source.s3Uri,
                source_deletion_option: 'NEVER',
                max_lookback_days: source.maxLookbackDays ?? 7,
                authentication: [
                  {
                    aws_iam_role_auth: [
                      { aws_iam_role_arn: source.awsIamRoleArn, subject_id: source.subjectId },
                    ],
                  },
                ],
              },
            ],
          }
        : {
            gcs_v2_settings: [
              {
                bucket_uri: source.bucketUri,
                source_deletion_option: 'NEVER',
                max_lookback_days: source.maxLookbackDays ?? 7,
              },
            ],
          };
    return {
      project,
      location,
      instance,
      display_name: this.#config.displayName,
      enabled: true,
      details: [
        {
          feed_source_type: source.type,
          log_type: `projects/${project}/locations/${location}/instances/${instance}/logTypes/${this.#config.logType}`,
          asset_namespace: this.#config.namespace,
          labels: this.#config.labels,
          ...settings,
        },
      ],
    };
  }
}

export interface StreamFeed {
  /** The feed's construct id, `feed-<source>-<stream>`. */
  id: string;
  /** `source/stream`. */
  stream: string;
  feed: ChronicleFeed;
}

/**
 * A feed per stream into the environment's SecOps instance, each with the stream's log type (the SecOps
 * sink's defaults — log types SecOps parses — and the environment's overrides; the environment's schema
 * refuses a source without one, so no feed names a log type that does not exist), at the region's
 * Chronicle API location (`europe` → `eu`), reading the stream's folder from `sourceOf`.
 */
export function secopsFeeds(
  scope: Construct,
  environmentName: string,
  secops: NonNullable<Environment['secops']>,
  streams: readonly StreamRef[],
  sourceOf: (stream: string) => FeedSource,
): StreamFeed[] {
  const provider = new GoogleBetaProvider(scope, 'google-beta', { project: secops.project });
  const declarations = siemDeclarations('secops');
  return streams.map(({ source, stream }) => {
    const id = `feed-${source}-${stream}`;
    const feed = new ChronicleFeed(scope, id, {
      provider,
      project: secops.project,
      location: declarations.feedLocation(secops.location),
      instance: secops.instance,
      namespace: secops.namespace,
      displayName: `ctxsiem ${environmentName} ${source} ${stream}`,
      logType: declarations.logTypeOf({ source, stream }, secops.logTypes),
      labels: { application: 'ctxsiem', environment: environmentName },
      source: sourceOf(stream),
    });
    return { id, stream: `${source}/${stream}`, feed };
  });
}
