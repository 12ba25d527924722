/**
 * Citrix Cloud client-credentials tokens: `POST /cctrustoauth2/{customerId}/tokens/clients` issues opaque
 * bearer tokens (`expires_in` is a string, as on the real service) and API requests are authenticated with
 * `Authorization: CwsAuth Bearer=<token>` plus a matching `Citrix-CustomerId` header.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { cloudError } from './api-error.ts';
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
      return oauthError(401, 'invalid_client', 'The client credentials are invalid for this customer');
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
    const match = AUTHORIZATION.exec(headers.authorization ?? '');
    const token = match?.[1] ?? match?.[2];
    if (!token) {
      throw cloudError(
        401,
        'authentication',
        'Missing or malformed Authorization header; expected "CwsAuth Bearer=<token>"',
      );
    }
    const issued = this.#tokens.get(token);
    if (!issued) throw cloudError(401, 'authentication', 'The bearer token is not valid');
    if (now >= issued.expiresAt) throw cloudError(401, 'authentication', 'The bearer token has expired');
    if (earlyExpiry && issued.uses >= earlyExpiry.afterUses) {
      earlyExpiry.onReject();
      throw cloudError(401, 'authentication', 'The bearer token has expired');
    }
    const customerHeader = headers['citrix-customerid'];
    if (customerHeader !== issued.customerId) {
      throw cloudError(
        401,
        'authentication',
        customerHeader
          ? 'The Citrix-CustomerId header does not match the customer the token was issued for'
          : 'Missing Citrix-CustomerId header',
      );
    }
    issued.uses++;
    return { customerId: issued.customerId };
  }

  #prune(now: number): void {
    for (const [token, issued] of this.#tokens) {
      if (issued.expiresAt + this.#ttlSeconds * 1000 < now) this.#tokens.delete(token);
    }
  }
}
