/** Public configuration of the emulator and the resolution of defaults. */
import { SYSTEM_LOG_DEFAULT_CASING, type SystemLogCasing } from './admin-audit.ts';
import type { LicenseModel } from './licensing.ts';
import { DEFAULT_SCENARIO_WINDOW_START, scenarioWindowStart } from './planted-scenarios.ts';

export interface CustomerCredentials {
  customerId: string;
  clientId: string;
  clientSecret: string;
  /**
   * How the customer's Citrix DaaS is licensed: `userDevice` (the default; `…/cvad/ud/…` answer),
   * `concurrent` (`…/cvad/ccu/summary` answers) or `both` (multi-type licensing); the other model's
   * endpoints answer 404. See licensing.ts.
   */
  licenseModel?: LicenseModel;
}

export interface Faults {
  /** Probability 0..1, per API request, of an injected 429 / 500 / 503 (deterministic PRNG from the seed). */
  rate429?: number;
  rate500?: number;
  rate503?: number;
  /**
   * The retry delay of injected 429 / 503, in seconds: the body's `retryDelay` parameter and its "try again
   * in N seconds", as Citrix documents them; null = no delay given. Default 1.
   */
  retryAfterSeconds?: number | null;
  /**
   * Also send the delay as a `Retry-After` header on injected 429 / 503. Citrix documents none (the Monitor
   * OpenAPI's Error429 lists Date, Content-Type, Content-Length and Connection only), so the default is false.
   */
  retryAfterHeader?: boolean;
  /** Probability of destroying the socket without any response. */
  resetRate?: number;
  /** Probability of sending the headers and half the body, then destroying the socket. */
  truncateRate?: number;
  /** Probability of delaying a response by slowMs (default 1000). */
  slowRate?: number;
  slowMs?: number;
  /** Tokens are rejected (401) after their first N API uses, N = earlyTokenExpiryAfterRequests (default 3). */
  earlyTokenExpiry?: boolean;
  earlyTokenExpiryAfterRequests?: number;
  /** When set (an origin such as 'http://127.0.0.1:5555'), first pages' @odata.nextLink use that origin. */
  foreignNextLink?: string | null;
  /** Monitor entity set names or casodata entity names that always answer 500. */
  failEntity?: string[];
  /** Monitor entity sets that answer 400 to any `$filter` (as some sets did for the seed scripts). */
  rejectFilter?: string[];
  /** Every API call answers 403 naming the missing permission. */
  forbidden?: boolean;
  /** The customer's DaaS site is frozen (hibernated): `GET /cvad/manage/me` answers 530. */
  frozenSite?: boolean;
  /**
   * The licensing usage endpoints have nothing to report: `204 No Content`, as Citrix documents for them
   * (developer-docs.citrix.com/en-us/citrix-cloud/citrix-cloud-licensing/troubleshooting-citrix-cloud-licensing-apis,
   * "Response codes"). INFERRED: when the service answers it (a tenant without user/device usage).
   */
  licensingNoContent?: boolean;
  /**
   * Records reach the API after a replication delay: 30 % of them (by seed, entity set and key) are delayed
   * uniformly up to maxMinutes. Monitor shows such a record as it was `delay` before now; a casodata row
   * appears `delay` after its hour ends. null (or maxMinutes 0) = off. See late-arrivals.ts.
   */
  lateArrivals?: { maxMinutes: number } | null;
  /**
   * Monitor summary rows are computed again in place `afterMinutes` after they were published: same key
   * and SummaryDate, every `…Count` one higher, ModifiedDate at the recomputation. INFERRED (Citrix does
   * not say a published summary row is never revised). null = off. See summary-tables.ts.
   */
  recomputedSummaries?: { afterMinutes: number } | null;
  /**
   * Monitor pages are not in cursor order and their size varies: each read of a query (a first request,
   * without $skiptoken) draws a page size in [pageSize / 2, 1.5 × pageSize) and, without $orderby, a row
   * order; both stay fixed while that read follows its nextLinks.
   */
  unordered?: boolean;
}

export interface SingleFlight {
  enabled: boolean;
  retryAfterSeconds: number | null;
  retryAfterHeader?: boolean;
}

export interface EmulatorOptions {
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
  /** Default 1; the data is a pure function of the seed and sessionsPerHour. */
  seed?: number;
  /** Default [{ customerId: 'demo', clientId: 'demo', clientSecret: 'demo' }]. */
  customers?: CustomerCredentials[];
  /** Default 3600. */
  tokenTtlSeconds?: number;
  /** Server-driven Monitor page size, default 100. */
  pageSize?: number;
  /** Added to every API response (not OAuth), default 0. */
  latencyMs?: number;
  /** Sessions starting per UTC hour, default 200 (at most 1,000,000). */
  sessionsPerHour?: number;
  /** The emulator's clock (ms since the epoch); data exists only up to now. Default Date.now. */
  now?: () => number;
  /**
   * One in-flight API request per customer; others get 429 with `retryAfterSeconds` as the body's
   * `retryDelay` (null = none), and as a `Retry-After` header only with `retryAfterHeader`. Default
   * { enabled: true, retryAfterSeconds: 1 }.
   */
  singleFlight?: SingleFlight;
  /**
   * A query examining more rows than maxScannedRows fails like the real 30 s timeout, after delayMs
   * (default 50). A Monitor query whose filter bounds no column Citrix's OpenAPI lists as indexed for
   * the set costs `unindexedRowCost` per row examined (default 10). Default maxScannedRows:
   * DEFAULT_MAX_SCANNED_ROWS; null: no timeout.
   */
  queryTimeout?: { maxScannedRows?: number | null; delayMs?: number; unindexedRowCost?: number };
  /**
   * How the System Log spells its answer: `camelCase` (the default, what the live API answers, as the
   * working collectors read it) or `PascalCase` (as Citrix's documentation shows it). See admin-audit.ts.
   */
  systemLogCasing?: SystemLogCasing;
  /**
   * Plant the detection scenarios (planted-scenarios.ts: impossible travel, a failure burst, a new
   * administrator, …) in the data: `true` in the default window (Sunday 2024-08-04 02:00–04:00 UTC), or
   * `{ windowStart }` (a Sunday at 02:00 UTC). Default false: the data is as without scenarios.
   */
  scenarios?: boolean | { windowStart: string | Date };
  faults?: Faults;
}

/**
 * How many rows a Monitor or casodata query may examine before it fails like the service's 30-second
 * query timeout (Citrix documents the 30 s, not a row count). INFERRED: about 50,000 rows a second
 * examined through an index, so a day of a 200,000-sessions-a-day tenant's Sessions fits (a query on
 * its indexed columns); what the service cannot seek an index for costs UNINDEXED_ROW_COST per row.
 */
export const DEFAULT_MAX_SCANNED_ROWS = 1_500_000;
/** INFERRED: a row examined without an index (a scan with the filter applied row by row). */
export const UNINDEXED_ROW_COST = 10;

export interface ResolvedOptions {
  host: string;
  port: number;
  seed: number;
  customers: CustomerCredentials[];
  tokenTtlSeconds: number;
  pageSize: number;
  latencyMs: number;
  sessionsPerHour: number;
  now: () => number;
  singleFlight: SingleFlight;
  queryTimeout: { maxScannedRows: number | null; delayMs: number; unindexedRowCost: number };
  systemLogCasing: SystemLogCasing;
  /** Where the scenarios' window starts (ms), or null: none planted. */
  scenarioWindowStart: number | null;
  faults: Faults;
}

export const DEFAULT_CUSTOMER: CustomerCredentials = {
  customerId: 'demo',
  clientId: 'demo',
  clientSecret: 'demo',
};

export function resolveOptions(options: EmulatorOptions = {}): ResolvedOptions {
  const pageSize = options.pageSize ?? 100;
  if (!Number.isInteger(pageSize) || pageSize < 1)
    throw new Error(`pageSize must be a positive integer, got ${pageSize}`);
  return {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    seed: options.seed ?? 1,
    customers: options.customers ?? [DEFAULT_CUSTOMER],
    tokenTtlSeconds: options.tokenTtlSeconds ?? 3600,
    pageSize,
    latencyMs: options.latencyMs ?? 0,
    sessionsPerHour: options.sessionsPerHour ?? 200,
    now: options.now ?? Date.now,
    singleFlight: options.singleFlight ?? { enabled: true, retryAfterSeconds: 1 },
    queryTimeout: {
      maxScannedRows:
        options.queryTimeout?.maxScannedRows === undefined
          ? DEFAULT_MAX_SCANNED_ROWS
          : options.queryTimeout.maxScannedRows,
      delayMs: options.queryTimeout?.delayMs ?? 50,
      unindexedRowCost: options.queryTimeout?.unindexedRowCost ?? UNINDEXED_ROW_COST,
    },
    systemLogCasing: options.systemLogCasing ?? SYSTEM_LOG_DEFAULT_CASING,
    scenarioWindowStart: !options.scenarios
      ? null
      : scenarioWindowStart(
          options.scenarios === true ? DEFAULT_SCENARIO_WINDOW_START : options.scenarios.windowStart,
        ),
    faults: options.faults ?? {},
  };
}
