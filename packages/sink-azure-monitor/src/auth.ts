/**
 * Entra tokens for the Logs Ingestion API (scope `https://monitor.azure.com//.default`) through
 * `@azure/identity`, imported on first use: an app registration's client secret (resolved from a
 * secret reference), else `DefaultAzureCredential` — workload identity, managed identity (a
 * user-assigned one by `clientId`), the environment. The library caches tokens and renews them before
 * they expire; every token obtained is registered for redaction.
 */
import { type ConnectorDeps, SinkError } from '@ctxsiem/core';
import type { AzureMonitorSinkConfig } from './config.ts';

const SCOPE = 'https://monitor.azure.com//.default';

export interface TokenSource {
  token(refresh?: boolean): Promise<string>;
}

interface Credential {
  getToken(scope: string): Promise<{ token: string } | null>;
}

export function tokenSource(config: AzureMonitorSinkConfig, deps: ConnectorDeps | undefined): TokenSource {
  let credential: Promise<Credential> | undefined;

  async function create(): Promise<Credential> {
    const identity = await import('@azure/identity');
    const options = config.authorityHost
      ? { authorityHost: config.authorityHost, disableInstanceDiscovery: true }
      : {};
    if (config.clientSecret && config.tenantId && config.clientId) {
      const secret = deps?.resolveSecret
        ? await deps.resolveSecret(config.clientSecret, 'sink.clientSecret')
        : config.clientSecret;
      deps?.secrets?.add(secret);
      return new identity.ClientSecretCredential(config.tenantId, config.clientId, secret, options);
    }
    return new identity.DefaultAzureCredential({
      ...options,
      ...(config.clientId ? { managedIdentityClientId: config.clientId } : {}),
    });
  }

  return {
    async token(refresh = false) {
      // A token the API refused (revoked before it expired) is replaced by a new credential's: the
      // library would hand back its cached one.
      if (refresh) credential = undefined;
      credential ??= create().catch((error: unknown) => {
        credential = undefined;
        throw error;
      });
      let token: string | undefined;
      try {
        token = (await (await credential).getToken(SCOPE))?.token;
      } catch (error) {
        // Entra refusing the credentials (invalid_client, invalid_scope, …, a 4xx) will refuse them again.
        const status = (error as { statusCode?: number }).statusCode;
        const refused =
          (status !== undefined && status < 500) ||
          /\b(invalid_client|invalid_scope|unauthorized_client|invalid_request|invalid_grant)\b/.test(
            (error as Error).message,
          );
        throw new SinkError(
          `could not obtain an Entra token for Azure Monitor (${config.clientSecret ? 'client secret' : 'DefaultAzureCredential'}): ${(error as Error).message.split('\n')[0]}`,
          { cause: error, retryable: !refused },
        );
      }
      if (!token) throw new SinkError('Entra returned no token for Azure Monitor', { retryable: true });
      deps?.secrets?.add(token);
      return token;
    },
  };
}
