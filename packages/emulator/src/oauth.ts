/**
 * Citrix Cloud client-credentials tokens: `POST /cctrustoauth2/{customerId}/tokens/clients` issues opaque
 * bearer tokens (`expires_in` is a string, as on the real service) and API requests are authenticated with
 * `Authorization: CwsAuth Bearer=<token>` plus a matching `Citrix-CustomerId` header.
 *
 * Refusals, as Citrix's developer documentation shows them ("Troubleshooting for Citrix cloud services APIs",
 * Citrix Cloud API overview on developer-docs.citrix.com, sections "Invalid client id or client secret" and
 * "Missing or invalid authentication details"; and "Common Citrix Cloud API error codes",
 * https://developer-docs.citrix.com/en-us/citrix-cloud/citrix-cloud-api-overview/common-citrix-cloud-api-error-codes):
 * - wrong client credentials: **400** `{"error":"invalid_client","error_description":"Invalid client id or
 *   client secret."}`. That is also what OAuth 2.0 prescribes for a client that authenticates with
 *   credentials in the request body (RFC 6749 §5.2, https://www.rfc-editor.org/rfc/rfc6749#section-5.2:
 *   400 by default; 401 only when the client authenticated through the Authorization header, which this
 *   endpoint's form-body clients do not);
 * - an API call with missing or bad authentication: 401 `…/common/authentication`, "Missing or invalid
 *   authentication details", `parameters: [{"name":"reason","value":"missing"|"invalid"}]`.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { type ApiError, cloudError } from './api-error.ts';
import type { CustomerCredentials } from './options.ts';

interface IssuedToken {
  customerId: string;
  expiresAt: number;
  uses: number;
}

export interface TokenResponse {
  status: number;
  body: Record<string, string>;
}

export interface EarlyExpiry {
  /** Tokens are rejected once they have been used this many times. */
  afterUses: number;
  /** Called when a token is rejected because of early expiry. */
  onReject(): void;
}

/**
 * `CwsAuth Bearer=<token>` as the auth-param grammar allows it (RFC 9110 §11.2: `token BWS "=" BWS ( token
 * / quoted-string )`): any case of the scheme and the key, whitespace around `=` — Citrix's own Monitor
 * documentation writes `CWSAuth bearer= <bearer token>`, and Google's SecOps script sends it so — and the
 * token bare or quoted. Nothing else: no token, another scheme, or no space after the scheme is malformed.
 */
const AUTHORIZATION = /^CwsAuth[ \t]+bearer[ \t]*=[ \t]*(?:"([^"\s]+)"|([^"\s]+))[ \t]*$/i;

function oauthError(status: number, error: string, description: string): TokenResponse {
  return { status, body: { error, error_description: description } };
}

/**
 * A 401 in Citrix's documented shape; the emulator appends what was wrong to the documented detail. `reason`
 * is `missing` without an Authorization header and `invalid` for a malformed, unknown or expired token, as
 * the troubleshooting page shows; a missing `Citrix-CustomerId` is `missing` (INFERRED: Citrix documents
 * no 401 for it).
 */
function unauthenticated(reason: 'missing' | 'invalid', what: string): ApiError {
  return cloudError(401, 'authentication', `Missing or invalid authentication details: ${what}`, [
    { name: 'reason', value: reason },
  ]);
}

export class TokenStore {
  readonly #customers: readonly CustomerCredentials[];
  readonly #ttlSeconds: number;
  readonly #tokens = new Map<string, IssuedToken>();

  constructor(customers: readonly CustomerCredentials[], ttlSeconds: number) {
    this.#customers = customers;
    this.#ttlSeconds = ttlSeconds;
  }

  /**
   * Handles a token request. `customerSegment` is the {customerId} path segment; the legacy value `root` is
   * accepted and resolves the customer from the client id.
   */
  issue(customerSegment: string, form: URLSearchParams, now: number): TokenResponse {
    const grantType = form.get('grant_type');
    if (grantType !== 'client_credentials') {
      return oauthError(
        400,
        'unsupported_grant_type',
        `grant_type must be client_credentials, got '${grantType ?? ''}'`,
      );
    }
    const clientId = form.get('client_id');
    const clientSecret = form.get('client_secret');
    if (!clientId || !clientSecret) {
      return oauthError(400, 'invalid_request', 'client_id and client_secret are required');
    }
    const customer = this.#customers.find(
      (c) => (c.customerId === customerSegment || customerSegment === 'root') && c.clientId === clientId,
    );
    if (!customer || customer.clientSecret !== clientSecret) {
      // 400, not 401: see the file comment (Citrix's troubleshooting page; RFC 6749 §5.2).
      return oauthError(400, 'invalid_client', 'Invalid client id or client secret.');
    }
    this.#prune(now);
    const token = randomBytes(32).toString('base64url');
    this.#tokens.set(token, {
      customerId: customer.customerId,
      expiresAt: now + this.#ttlSeconds * 1000,
      uses: 0,
    });
    return {
      status: 200,
      body: { token_type: 'bearer', access_token: token, expires_in: String(this.#ttlSeconds) },
    };
  }

  /** Validates an API request's credentials; returns the customer or throws a 401 ApiError. */
  authenticate(headers: IncomingHttpHeaders, now: number, earlyExpiry?: EarlyExpiry): { customerId: string } {
    const header = headers.authorization ?? '';
    if (header.trim() === '') throw unauthenticated('missing', 'no Authorization header');
    const match = AUTHORIZATION.exec(header);
    const token = match?.[1] ?? match?.[2];
    if (!token) {
      throw unauthenticated('invalid', 'malformed Authorization header; expected "CwsAuth Bearer=<token>"');
    }
    const issued = this.#tokens.get(token);
    if (!issued) throw unauthenticated('invalid', 'the bearer token is not valid');
    if (now >= issued.expiresAt) throw unauthenticated('invalid', 'the bearer token has expired');
    if (earlyExpiry && issued.uses >= earlyExpiry.afterUses) {
      earlyExpiry.onReject();
      throw unauthenticated('invalid', 'the bearer token has expired');
    }
    const customerHeader = headers['citrix-customerid'];
    if (!customerHeader) throw unauthenticated('missing', 'no Citrix-CustomerId header');
    // A valid token used for another customer is authenticated but not allowed there: 403
    // `…/common/authorization`, "Access denied" ("Common Citrix Cloud API error codes",
    // developer-docs.citrix.com/en-us/citrix-cloud/citrix-cloud-api-overview/common-citrix-cloud-api-error-codes).
    if (customerHeader !== issued.customerId)
      throw cloudError(403, 'authorization', 'Access denied', [
        { name: 'entityType', value: 'https://identifiers-api.cloud.com/customer' },
        { name: 'id', value: String(customerHeader) },
      ]);
    issued.uses++;
    return { customerId: issued.customerId };
  }

  #prune(now: number): void {
    for (const [token, issued] of this.#tokens) {
      if (issued.expiresAt + this.#ttlSeconds * 1000 < now) this.#tokens.delete(token);
    }
  }
}
