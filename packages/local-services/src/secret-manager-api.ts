/**
 * A contract server for the one Secret Manager call ctxsiem makes (nothing runnable serves it offline):
 * `GET /v1/projects/P/secrets/S/versions/V:access`, answered as the REST API documents — the payload
 * base64 in `payload.data`, `latest` resolving to the newest enabled version, 404 for
 * an unknown secret or version, 403 for a secret the caller may not access, 400 for a malformed name.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SecretManagerApi {
  endpoint: string;
  /** Adds a version to a secret (created on first use); returns its number. */
  addVersion(project: string, secret: string, value: string): number;
  /** Secrets whose access answers 403. */
  denied: Set<string>;
  requests: number;
  close(): Promise<void>;
}

export async function startSecretManagerApi(): Promise<SecretManagerApi> {
  const secrets = new Map<string, string[]>();
  const api: Omit<SecretManagerApi, 'endpoint' | 'close'> = {
    addVersion(project, secret, value) {
      const key = `projects/${project}/secrets/${secret}`;
      const versions = secrets.get(key) ?? [];
      versions.push(value);
      secrets.set(key, versions);
      return versions.length;
    },
    denied: new Set(),
    requests: 0,
  };
  const error = (status: number, message: string, code: string) => ({
    error: { code: status, message, status: code },
  });
  const server = createServer((req, res) => {
    api.requests++;
    const answer = (status: number, body: object) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const match = /^\/v1\/(projects\/[^/]+\/secrets\/[^/]+)\/versions\/([^/:]+):access$/.exec(req.url ?? '');
    if (req.method !== 'GET' || !match)
      return answer(400, error(400, 'Invalid resource name', 'INVALID_ARGUMENT'));
    const [, secret = '', version = ''] = match;
    if (api.denied.has(secret))
      return answer(
        403,
        error(
          403,
          `Permission 'secretmanager.versions.access' denied for resource '${secret}'`,
          'PERMISSION_DENIED',
        ),
      );
    const versions = secrets.get(secret);
    const number = version === 'latest' ? versions?.length : Number(version);
    const value = number ? versions?.[number - 1] : undefined;
    if (value === undefined)
      return answer(404, error(404, `Secret [${secret}] not found or has no versions.`, 'NOT_FOUND'));
    const data = Buffer.from(value, 'utf8');
    answer(200, {
      name: `${secret}/versions/${number}`,
      payload: { data: data.toString('base64') },
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    ...api,
    get requests() {
      return api.requests;
    },
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
