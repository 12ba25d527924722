/** Options of the licensing source: the single source of its type, defaults, docs and options table. */
import { stringList } from '@ctxsiem/core';
import { GcsConnectionSchema } from '@ctxsiem/object-store-gcs/config';
import { S3ReadConnectionSchema } from '@ctxsiem/object-store-s3/config';
import { z } from 'zod';

/**
 * The streams: the Citrix Cloud licensing API's User/Device two (`usage`, `history`), its Concurrent
 * one (`concurrentUsage`), and the telemetry documents.
 */
export const LICENSING_STREAMS = ['usage', 'history', 'concurrentUsage', 'telemetry'] as const;
export type LicensingStreamName = (typeof LICENSING_STREAMS)[number];

/**
 * The Citrix DaaS licensing models (Citrix documents both, and their mix in one account: "Multi-type
 * licensing for Citrix DaaS", https://docs.citrix.com/en-us/citrix-cloud/citrix-cloud-management/citrix-cloud-service-license-usage.html).
 * Citrix documents no way to ask the API which model a tenant has, so it is configured.
 */
export const LICENSE_MODELS = ['user-device', 'concurrent', 'both'] as const;
export type LicenseModelName = (typeof LICENSE_MODELS)[number];

/** The API streams of each model. */
const MODEL_STREAMS: Record<LicenseModelName, readonly LicensingStreamName[]> = {
  'user-device': ['usage', 'history'],
  concurrent: ['concurrentUsage'],
  both: ['usage', 'history', 'concurrentUsage'],
};

/** Where telemetry documents are read from: an S3 or GCS prefix, else a folder. */
export type DocumentLocation =
  | { kind: 's3' | 'gcs'; bucket: string; prefix: string }
  | { kind: 'folder'; path: string };

/** The location as written (`s3://bucket/prefix`, `gs://bucket/prefix`, a folder path), or why not. */
export function parseDocumentLocation(value: string): DocumentLocation | { error: string } {
  const url = /^(s3|gs):\/\/([^/]*)\/?(.*)$/.exec(value);
  if (!url) return { kind: 'folder', path: value };
  const [, scheme, bucket, prefix] = url as unknown as [string, string, string, string];
  if (bucket.length < 3) return { error: `must name a bucket: ${scheme}://bucket/prefix` };
  return { kind: scheme === 's3' ? 's3' : 'gcs', bucket, prefix: prefix.replace(/\/+$/, '') };
}

const TelemetrySchema = z
  .object({
    location: z
      .string()
      .min(1, 'must not be empty')
      .superRefine((value, ctx) => {
        const parsed = parseDocumentLocation(value);
        if ('error' in parsed) ctx.addIssue({ code: 'custom', message: parsed.error });
      })
      .describe(
        'Where License Server uploads (`.xml`), CVAD and SPA event documents (`.json` arrays, `.ndjson`) arrive: a folder, `s3://bucket/prefix` or `gs://bucket/prefix` (LICENSING_TELEMETRY). Read recursively; names starting with a dot are skipped.',
      ),
    s3: S3ReadConnectionSchema.optional().describe(
      'How to reach S3 for an `s3://` location (region, endpoint, forcePathStyle, credentials, maxAttempts; the S3 sink’s options). Default: the AWS SDK’s region and credential chain.',
    ),
    gcs: GcsConnectionSchema.optional().describe(
      'How to reach GCS for a `gs://` location (endpoint, projectId, keyFilename, maxRetries; the GCS sink’s options). Default: Application Default Credentials.',
    ),
    settleSeconds: z
      .number()
      .int()
      .min(0)
      .max(3600)
      .default(60)
      .describe(
        'A document modified less than this long ago is left for the next run: a writer may still be writing it.',
      ),
    maxDocumentMiB: z
      .number()
      .int()
      .min(1)
      .max(1024)
      .default(64)
      .describe(
        'A larger document is not read into memory: it is dead-lettered with its name and size instead.',
      ),
    pageSize: z
      .number()
      .int()
      .min(1)
      .max(50_000)
      .default(1000)
      .describe('Records per page (and part) of a document.'),
  })
  .strict();

export const LicensingOptionsSchema = z
  .object({
    type: z.literal('licensing').describe('Selects the licensing source (SOURCE=licensing).'),
    streams: stringList
      .pipe(
        z
          .array(z.enum(LICENSING_STREAMS, { error: `must be one of ${LICENSING_STREAMS.join(', ')}` }))
          .min(1, 'must name at least one stream'),
      )
      .optional()
      .describe(
        'Streams to collect: `usage`, `history`, `concurrentUsage`, `telemetry` (LICENSING_STREAMS, comma-separated). `usage`: the CVAD User/Device license usage, one snapshot per UTC day; `history`: the monthly User/Device usage, each closed month once and the current month as it grows; `concurrentUsage`: the Concurrent licenses in use and their peaks, one snapshot per UTC day; `telemetry`: the documents at `telemetry.location`, each version once. Default: the streams of `licenseModel`, and `telemetry` when a location is set.',
      ),
    licenseModel: z
      .enum(LICENSE_MODELS, { error: `must be one of ${LICENSE_MODELS.join(', ')}` })
      .default('user-device')
      .describe(
        'How the tenant’s Citrix DaaS is licensed: `user-device` (the `usage` and `history` streams), `concurrent` (`concurrentUsage`) or `both` (multi-type licensing: all three). A stream of a model not chosen is refused; a tenant not licensed under the chosen model fails its streams saying so, and `check` says which model the API answers for (LICENSING_MODEL).',
      ),
    lagMinutes: z
      .number()
      .int()
      .min(0)
      .max(720)
      .default(15)
      .describe('A UTC day is collected once it ended this long ago (LAG_MINUTES).'),
    telemetry: TelemetrySchema.optional().describe('The telemetry documents (the `telemetry` stream).'),
  })
  .strict()
  .superRefine((options, ctx) => {
    for (const [index, stream] of (options.streams ?? []).entries()) {
      if (stream === 'telemetry' || MODEL_STREAMS[options.licenseModel].includes(stream)) continue;
      const models = LICENSE_MODELS.filter((model) => MODEL_STREAMS[model].includes(stream));
      ctx.addIssue({
        code: 'custom',
        path: ['streams', index],
        message: `${stream} is a stream of licenseModel ${models.join(' or ')}, not ${options.licenseModel} (LICENSING_MODEL)`,
      });
    }
    if (options.streams?.includes('telemetry') && !options.telemetry)
      ctx.addIssue({
        code: 'custom',
        path: ['telemetry', 'location'],
        message: 'is required when streams include telemetry (LICENSING_TELEMETRY)',
      });
  });

export type LicensingOptions = z.output<typeof LicensingOptionsSchema>;

/** The streams the options select: as listed, else the model's, and `telemetry` with a location. */
export function selectedStreams(options: LicensingOptions): LicensingStreamName[] {
  return (
    options.streams ??
    LICENSING_STREAMS.filter((name) =>
      name === 'telemetry' ? options.telemetry : MODEL_STREAMS[options.licenseModel].includes(name),
    )
  );
}
export type LicensingOptionsInput = z.input<typeof LicensingOptionsSchema>;
export type TelemetryOptions = z.output<typeof TelemetrySchema>;
