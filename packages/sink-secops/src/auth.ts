/**
 * Access tokens for the ingestion APIs through `google-auth-library` (imported on first use): a
 * service-account key (its JSON, resolved from a secret reference) signs a JWT for a token, else
 * Application Default Credentials — the runtime's service account, workload identity federation,
 * `GOOGLE_APPLICATION_CREDENTIALS`. The library caches a token and refreshes it before it expires;
 * `token(true)` forces a new one (once, after a 401). `tokenUrl` sends the key's token requests to
 * another endpoint (tests); every token obtained is registered for redaction.
 */
import { type ConnectorDeps, SinkError } from '@ctxsiem/core';
import type { SecOpsSinkConfig } from './config.ts';

const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
const SCOPES = {
  import: ['https://www.googleapis.com/auth/cloud-platform'],
  legacy: ['https://www.googleapis.com/auth/malachite-ingestion'],
};

export interface TokenSource {
  token(forceRefresh?: boolean): Promise<string>;
}

interface ServiceAccountKey {
  client_email?: unknown;
  private_key?: unknown;
}

export function tokenSource(config: SecOpsSinkConfig, deps: ConnectorDeps | undefined): TokenSource {
  let client:
    | Promise<{ getAccessToken(): Promise<{ token?: string | null }>; credentials: object }>
    | undefined;

  async function create() {
    const { GoogleAuth, JWT } = await import('google-auth-library');
    const scopes = SCOPES[config.api];
    if (!config.serviceAccountKey) return (await new GoogleAuth({ scopes }).getClient()) as never;
    const text = deps?.resolveSecret
      ? await deps.resolveSecret(config.serviceAccountKey, 'sink.serviceAccountKey')
      : config.serviceAccountKey;
    let key: ServiceAccountKey;
    try {
      key = JSON.parse(text) as ServiceAccountKey;
    } catch {
      throw new SinkError('sink.serviceAccountKey is not a service-account key’s JSON', { retryable: false });
    }
    if (typeof key.client_email !== 'string' || typeof key.private_key !== 'string')
      throw new SinkError('sink.serviceAccountKey has no client_email and private_key', { retryable: false });
    deps?.secrets?.add(key.private_key);
    const jwt = new JWT({ email: key.client_email, key: key.private_key, scopes });
    const tokenUrl = config.tokenUrl;
    if (tokenUrl)
      jwt.transporter.interceptors.request.add({
        resolved: async (request) => {
          if (String(request.url) === GOOGLE_TOKEN_URL) request.url = new URL(tokenUrl);
          return request;
        },
      });
    return jwt;
  }

  return {
    async token(forceRefresh = false) {
      client ??= create().catch((error: unknown) => {
        client = undefined;
        throw error;
      });
      const auth = await client;
      if (forceRefresh) auth.credentials = {};
      let token: string | null | undefined;
      try {
        ({ token } = await auth.getAccessToken());
      } catch (error) {
        // The token endpoint refusing the key (400 invalid_grant, 401) will refuse it again.
        const status = (error as { response?: { status?: number } }).response?.status;
        throw new SinkError(
          `could not obtain a Google access token (${config.serviceAccountKey ? 'the service-account key' : 'Application Default Credentials'}): ${(error as Error).message}`,
          { cause: error, retryable: status === undefined || status >= 500 },
        );
      }
      if (!token) throw new SinkError('Google returned no access token', { retryable: true });
      deps?.secrets?.add(token);
      return token;
    },
  };
}
