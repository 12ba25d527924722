/**
 * The Google Cloud stack as synthesized: a private, versioned, expiring bucket; the function from the
 * built zip, callable only by the scheduler's identity with an OIDC token; its service account able to
 * create and read objects and to replace only state and dead letters; secrets by reference; a GCS feed
 * per stream with read access for the feed's service account.
 */
import { DeploymentConfigSchema } from '@ctxsiem/registry';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Json, type SynthesizedStack, synth } from './synth.ts';

let prod: SynthesizedStack;
beforeAll(async () => {
  prod = (await synth(['prod-gcp'])).get('prod-gcp')!;
});

describe('the Google Cloud stack', () => {
  it('keeps the bucket private, uniform, versioned and expiring', () => {
    expect(prod.resource('google_storage_bucket', 'collector-bucket')).toMatchObject({
      name: 'acme-ctxsiem-prod',
      uniform_bucket_level_access: true,
      public_access_prevention: 'enforced',
      versioning: { enabled: true },
      lifecycle_rule: [
        { action: { type: 'Delete' }, condition: { age: 400, matches_prefix: ['citrix/'] } },
        { action: { type: 'Delete' }, condition: { days_since_noncurrent_time: 30 } },
      ],
    });
  });

  it('runs the built function as its own service account, callable only by the scheduler', () => {
    const fn = prod.resource('google_cloudfunctions2_function', 'collector');
    expect(fn).toMatchObject({
      name: 'ctxsiem-prod-gcp',
      build_config: { runtime: 'nodejs24', entry_point: 'collect' },
      service_config: {
        service_account_email: '${google_service_account.runtime.email}',
        max_instance_count: 2,
        environment_variables: { CTXSIEM_CONFIG: 'gs://acme-ctxsiem-prod/_ctxsiem/config.json' },
      },
    });
    const source = prod.resource('google_storage_bucket_object', 'function-source');
    expect(source.name).toMatch(
      /^_ctxsiem\/function-\$\{filemd5\("assets\/function-zip\/[0-9A-F]+\/function\.zip"\)\}\.zip$/,
    );
    expect(Object.values(prod.resources('google_cloud_run_v2_service_iam_member'))).toEqual([
      expect.objectContaining({
        role: 'roles/run.invoker',
        member: 'serviceAccount:${google_service_account.invoker.email}',
      }),
    ]);
    const [job] = Object.values(prod.resources('google_cloud_scheduler_job'));
    expect(job).toMatchObject({
      schedule: '*/30 * * * *',
      time_zone: 'Etc/UTC',
      http_target: {
        http_method: 'POST',
        uri: '${google_cloudfunctions2_function.collector.service_config[0].uri}',
        oidc_token: { service_account_email: '${google_service_account.invoker.email}' },
      },
    });
    const body = Buffer.from(String((job!.http_target as Json).body), 'base64').toString();
    expect(JSON.parse(body)).toEqual({ tenants: ['acmeprod'] });
  });

  it('lets the function create and read objects, and replace only state, dead letters and probes', () => {
    const grants = Object.values(prod.resources('google_storage_bucket_iam_member')).filter((grant) =>
      String(grant.member).includes('runtime'),
    );
    expect(grants.map((grant) => grant.role).toSorted()).toEqual([
      'roles/storage.objectCreator',
      'roles/storage.objectUser',
      'roles/storage.objectViewer',
    ]);
    const replace = grants.find((grant) => grant.role === 'roles/storage.objectUser')!;
    expect((replace.condition as Json).expression).toBe(
      ['_state', '_deadletter', '_probe']
        .map((f) => `resource.name.startsWith("projects/_/buckets/acme-ctxsiem-prod/objects/citrix/${f}/")`)
        .join(' || '),
    );
  });

  it('hands the function a config it accepts, its secret by reference, readable by it alone', () => {
    const config = DeploymentConfigSchema.parse(
      JSON.parse(prod.resource('google_storage_bucket_object', 'collector-config').content as string),
    );
    expect(config.tenants[0]!.clientSecret).toBe(
      'gcpsecret:projects/acme-ctxsiem-prod/secrets/ctxsiem-prod-gcp-acmeprod/versions/latest',
    );
    expect(config.sink).toMatchObject({ type: 'gcs', bucket: 'acme-ctxsiem-prod', prefix: 'citrix' });
    expect(prod.resource('google_secret_manager_secret', 'secret-acmeprod')).toMatchObject({
      secret_id: 'ctxsiem-prod-gcp-acmeprod',
    });
    expect(prod.resource('google_secret_manager_secret_iam_member', 'secret-acmeprod-reader')).toMatchObject({
      role: 'roles/secretmanager.secretAccessor',
      member: 'serviceAccount:${google_service_account.runtime.email}',
    });
    expect(prod.resources('google_secret_manager_secret_version')).toEqual({});
  });

  it('feeds SecOps from each stream’s folder, with read access for the feed', () => {
    const feeds = Object.entries(prod.resources('google_chronicle_feed'));
    expect(feeds.map(([id]) => id)).toEqual([
      'feed-analytics-machines',
      'feed-analytics-sessions',
      'feed-analytics-users',
      'feed-monitor-Applications',
      'feed-monitor-Connections',
      'feed-monitor-Machines',
      'feed-monitor-Sessions',
      'feed-monitor-Users',
    ]);
    const [id, sessions] = feeds.find(([key]) => key === 'feed-monitor-Sessions')!;
    const [details] = sessions.details as Json[];
    expect(details).toMatchObject({
      feed_source_type: 'GOOGLE_CLOUD_STORAGE_V2',
      log_type:
        'projects/acme-secops/locations/us/instances/7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d/logTypes/CITRIX_MONITOR',
      gcs_v2_settings: [
        { bucket_uri: 'gs://acme-ctxsiem-prod/citrix/Sessions/', source_deletion_option: 'NEVER' },
      ],
    });
    expect(id).toBe('feed-monitor-Sessions');
    expect(prod.resource('google_storage_bucket_iam_member', 'secops-reads-streams')).toMatchObject({
      role: 'roles/storage.objectViewer',
      member: 'serviceAccount:chronicle-feeds-7a6b5c4d@chronicle-prod.iam.gserviceaccount.com',
    });
  });
});
