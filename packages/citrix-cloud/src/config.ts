/**
 * The Citrix Cloud client's configuration: one zod schema is the source of its type, defaults and docs
 * (the README's options table is generated from it by the repository's `scripts/options-tables.ts`).
 */
import { parseConfig, type TenantConnection } from '@ctxsiem/core';
import { z } from 'zod';
import { CITRIX_REGION_NAMES, regionApiBase } from './regions.ts';

const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an absolute http(s) URL' });

export const BackoffSchema = z
  .object({
    baseMs: z
      .number()
      .int()
      .min(0)
      .default(500)
      .describe('First retry waits up to this long (full jitter); each later retry doubles the ceiling.'),
    maxMs: z
      .number()
      .int()
      .min(0)
      .default(30_000)
      .describe('Ceiling of one computed backoff wait. A Retry-After header may ask for up to 4x this.'),
  })
  .describe('Exponential backoff with full jitter between retries.');

export const CitrixCloudConfigSchema = z
  .object({
    customerId: z
      .string()
      .min(1)
      .describe('Citrix Cloud customer id (the tenant), sent as Citrix-CustomerId.'),
    clientId: z.string().min(1).describe('API client id (Identity and Access Management > API Access).'),
    clientSecret: z
      .string()
      .min(1)
      .describe('API client secret. Never logged and never put in error messages.'),
    region: z
      .enum(CITRIX_REGION_NAMES)
      .default('global')
      .describe(
        'API region: global = api.cloud.com, us = api-us.cloud.com, eu = api-eu.cloud.com, ap-s = api-ap-s.cloud.com, jp = api.citrixcloud.jp.',
      ),
    apiBase: httpUrl
      .optional()
      .describe(
        'API base URL override (e.g. the emulator). Wins over `region`. Every call must stay on its origin.',
      ),
    tokenUrl: httpUrl
      .optional()
      .describe(
        'Token endpoint override (e.g. US Gov https://trust.citrixworkspacesapi.us/...). Default {apiBase}/cctrustoauth2/{customerId}/tokens/clients.',
      ),
    requestTimeoutMs: z
      .number()
      .int()
      .positive()
      .default(60_000)
      .describe('Per-attempt timeout covering headers and the whole body; a timed-out attempt is retried.'),
    maxAttempts: z
      .number()
      .int()
      .min(1)
      .default(6)
      .describe(
        'Attempts per call (first try included) before giving up on 429, 5xx, timeouts and broken bodies.',
      ),
    maxResponseBytes: z
      .number()
      .int()
      .min(1024)
      .default(64 * 1024 * 1024)
      .describe(
        'Largest response accepted, in bytes (default 64 MiB), both as received and after gzip/deflate/br decoding. Checked on Content-Length and while streaming; a larger answer fails with ResponseTooLargeError (RESPONSE_TOO_LARGE) and is not retried.',
      ),
    backoff: BackoffSchema.default({ baseMs: 500, maxMs: 30_000 }),
    refreshSkewSeconds: z
      .number()
      .int()
      .min(0)
      .default(300)
      .describe('Obtain a new token this long before the cached one expires (at most half its lifetime).'),
  })
  .describe('Connection to the Citrix Cloud APIs for one tenant.');

/** The configuration as written (defaults optional). */
export type CitrixCloudConfigInput = z.input<typeof CitrixCloudConfigSchema>;
/** The configuration after parsing (defaults filled in). */
export type CitrixCloudConfig = z.output<typeof CitrixCloudConfigSchema>;

export interface CitrixCloudEndpoints {
  /** API base URL, always ending in `/` so relative paths join under it. */
  apiBase: URL;
  /** scheme://host[:port] every token-bearing call must target. */
  apiOrigin: string;
  tokenUrl: URL;
}

/** Where a parsed configuration points: `apiBase` wins over `region`; `tokenUrl` defaults under the API base. */
export function resolveEndpoints(config: CitrixCloudConfig): CitrixCloudEndpoints {
  const base = new URL(config.apiBase ?? regionApiBase(config.region));
  base.search = '';
  base.hash = '';
  if (!base.pathname.endsWith('/')) base.pathname = `${base.pathname}/`;
  const tokenUrl = config.tokenUrl
    ? new URL(config.tokenUrl)
    : new URL(`cctrustoauth2/${encodeURIComponent(config.customerId)}/tokens/clients`, base);
  return { apiBase: base, apiOrigin: base.origin, tokenUrl };
}

/**
 * A tenant's connection as the deployment config carries it (`TenantConnection`: region as text),
 * validated into this client's config; a bad field is a ConfigError naming it.
 */
export function tenantConnection(tenant: TenantConnection): CitrixCloudConfig {
  return parseConfig('tenant', CitrixCloudConfigSchema, tenant);
}
