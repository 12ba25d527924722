/** A minimal Citrix Cloud client for the tests: token, authenticated GETs, and following nextLinks. */
import { afterAll, beforeAll } from 'vitest';
import { type Emulator, type EmulatorOptions, startEmulator } from '../src/index.ts';

export interface Session {
  token: string;
  customerId: string;
}

export async function requestToken(
  emulator: Emulator,
  credentials: { customerId?: string; clientId?: string; clientSecret?: string; grantType?: string } = {},
): Promise<Response> {
  const customerId = credentials.customerId ?? 'demo';
  return fetch(`${emulator.url}/cctrustoauth2/${customerId}/tokens/clients`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: credentials.grantType ?? 'client_credentials',
      client_id: credentials.clientId ?? 'demo',
      client_secret: credentials.clientSecret ?? 'demo',
    }),
  });
}

export async function login(emulator: Emulator, customerId = 'demo', secret = customerId): Promise<Session> {
  const response = await requestToken(emulator, { customerId, clientId: customerId, clientSecret: secret });
  if (response.status !== 200) throw new Error(`token request failed: ${response.status}`);
  const body = (await response.json()) as { access_token: string };
  return { token: body.access_token, customerId };
}

/**
 * An emulator for the tests of the enclosing `describe` (or file): started with `options` and logged in as
 * the default customer before them, closed after them. Read `emulator` and `session` inside the tests.
 */
export function useEmulator(options: EmulatorOptions): {
  readonly emulator: Emulator;
  readonly session: Session;
} {
  const fixture = {} as { emulator: Emulator; session: Session };
  beforeAll(async () => {
    fixture.emulator = await startEmulator(options);
    fixture.session = await login(fixture.emulator);
  });
  afterAll(() => fixture.emulator.close());
  return fixture;
}

export function authHeaders(session: Session): Record<string, string> {
  return { Authorization: `CwsAuth Bearer=${session.token}`, 'Citrix-CustomerId': session.customerId };
}

/** GET an API path (relative to the emulator, or an absolute URL) with the session's credentials. */
export function apiGet(emulator: Emulator, session: Session, pathOrUrl: string, init: RequestInit = {}) {
  const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${emulator.url}${pathOrUrl}`;
  return fetch(url, {
    ...init,
    headers: { ...authHeaders(session), ...(init.headers as Record<string, string>) },
  });
}

export interface ODataPage {
  '@odata.context': string;
  '@odata.nextLink'?: string;
  '@odata.count'?: number;
  value: Record<string, unknown>[];
}

export interface JsonResponse<T> {
  status: number;
  headers: Response['headers'];
  body: T;
}

export async function getJson<T = ODataPage>(
  emulator: Emulator,
  session: Session,
  pathOrUrl: string,
): Promise<JsonResponse<T>> {
  const response = await apiGet(emulator, session, pathOrUrl);
  return { status: response.status, headers: response.headers, body: (await response.json()) as T };
}

/** Follows @odata.nextLink until the last page; returns every row and the number of pages. */
export async function readAllPages(
  emulator: Emulator,
  session: Session,
  path: string,
): Promise<{ rows: Record<string, unknown>[]; pages: ODataPage[] }> {
  const rows: Record<string, unknown>[] = [];
  const pages: ODataPage[] = [];
  let next: string | undefined = path;
  while (next) {
    const { status, body }: JsonResponse<ODataPage> = await getJson(emulator, session, next);
    if (status !== 200) throw new Error(`page failed with ${status}: ${JSON.stringify(body)}`);
    pages.push(body);
    rows.push(...body.value);
    next = body['@odata.nextLink'];
  }
  return { rows, pages };
}

/** `$filter` for [from, to) on a cursor column, with unquoted DateTimeOffset literals. */
export function windowFilter(column: string, from: Date, to: Date): string {
  return `${column} ge ${from.toISOString()} and ${column} lt ${to.toISOString()}`;
}

export function monitorPath(entitySet: string, options: Record<string, string> = {}): string {
  const query = Object.entries(options)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join('&');
  return `/monitorodata/${entitySet}${query ? `?${query}` : ''}`;
}
