/**
 * Reads `gcpsecret:projects/P/secrets/S/versions/V` references from Google Secret Manager: one
 * `GET https://secretmanager.googleapis.com/v1/{name}:access` with Application Default Credentials
 * (the function's service account on Cloud Run), through `google-auth-library`, imported on first use.
 *
 * Not `@google-cloud/secret-manager`: that client carries google-gax and gRPC into the function's
 * bundle for this one call, which the REST API answers with the same data and the same auth.
 * `GCP_SECRET_MANAGER_ENDPOINT` points it elsewhere (tests); an `http://` endpoint is used without
 * credentials, as the Cloud Storage client does with an emulator.
 */

const NAME = /^projects\/[^/]+\/secrets\/[^/]+\/versions\/[^/]+$/;
const DEFAULT_ENDPOINT = 'https://secretmanager.googleapis.com';

interface AccessResponse {
  payload?: { data?: string };
}

export async function readGcpSecret(name: string, env = process.env): Promise<string> {
  if (!NAME.test(name))
    throw new Error('expected projects/PROJECT/secrets/SECRET/versions/VERSION (VERSION may be "latest")');
  const endpoint = (env.GCP_SECRET_MANAGER_ENDPOINT ?? DEFAULT_ENDPOINT).replace(/\/+$/, '');
  const url = `${endpoint}/v1/${name}:access`;
  let status: number;
  let body: AccessResponse;
  if (endpoint.startsWith('http://')) {
    const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
    status = response.status;
    body = (await response.json().catch(() => ({}))) as AccessResponse;
  } else {
    const { GoogleAuth } = await import('google-auth-library');
    const auth = new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] });
    const client = await auth.getClient();
    const response = await client.request<AccessResponse>({
      url,
      timeout: 30_000,
      validateStatus: () => true,
    });
    status = response.status;
    body = response.data ?? {};
  }
  if (status !== 200) {
    const reason =
      status === 403
        ? 'permission denied: the service account needs roles/secretmanager.secretAccessor on it'
        : status === 404
          ? 'no such secret or version'
          : `Secret Manager answered ${status}`;
    throw new Error(reason);
  }
  const data = body.payload?.data;
  if (!data) throw new Error('the secret version has no payload');
  return Buffer.from(data, 'base64').toString('utf8');
}
