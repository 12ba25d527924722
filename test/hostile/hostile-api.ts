/**
 * A Citrix Cloud stand-in that misbehaves on request, for the hostile-input catalogue: OAuth answers
 * like the real service (or refuses), and `monitorodata/Sessions` answers with whatever the current
 * behaviour writes — a good page, HTML, a 200 with an error body, a truncated body, a nextLink loop, a
 * redirect to another origin, a gzip bomb… Every request is recorded, the Authorization header with it,
 * so a test can tell where the token went.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Behaviour = (req: IncomingMessage, res: ServerResponse, api: HostileApi) => void;

export interface HostileApi {
  url: string;
  /** What `monitorodata/…` answers (reset per case). */
  behaviour: Behaviour;
  /** Refuse the token request with 401 (a wrong client secret). */
  refuseToken: boolean;
  requests: { method: string; path: string; authorization: string | undefined }[];
  close(): Promise<void>;
}

/** Three good Sessions records inside 07:00–08:00 on the catalogue's day. */
export const SESSIONS = [
  {
    SessionKey: '5e55104e-0000-4000-8000-000000000001',
    ModifiedDate: '2024-08-06T07:05:00Z',
    UserName: 'ann',
  },
  {
    SessionKey: '5e55104e-0000-4000-8000-000000000002',
    ModifiedDate: '2024-08-06T07:25:00Z',
    UserName: 'bob',
  },
  {
    SessionKey: '5e55104e-0000-4000-8000-000000000003',
    ModifiedDate: '2024-08-06T07:45:00Z',
    UserName: 'cy',
  },
];

/** The good answer: the records whose ModifiedDate falls in the `$filter`'s range, in one page. */
export const goodPage: Behaviour = (req, res) => {
  const filter = decodeURIComponent(new URL(req.url ?? '/', 'http://x').searchParams.get('$filter') ?? '');
  const [from, to] = [...filter.matchAll(/(\d{4}-\d\d-\d\dT[\d:.]+Z)/g)].map((m) => Date.parse(m[1] ?? ''));
  const value = SESSIONS.filter((r) => {
    const at = Date.parse(r.ModifiedDate);
    return from === undefined || to === undefined || (at >= from && at < to);
  });
  json(res, 200, { value });
};

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export async function startHostileApi(): Promise<HostileApi> {
  const api: HostileApi = {
    url: '',
    behaviour: goodPage,
    refuseToken: false,
    requests: [],
    close: async () => {},
  };
  const server = createServer((req, res) => {
    api.requests.push({
      method: req.method ?? '',
      path: req.url ?? '',
      authorization: req.headers.authorization,
    });
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method === 'POST' && /^\/cctrustoauth2\/[^/]+\/tokens\/clients$/.test(path)) {
      req.resume();
      if (api.refuseToken)
        return json(res, 401, { error: 'invalid_client', error_description: 'bad secret' });
      return json(res, 200, {
        token_type: 'bearer',
        access_token: 'hostile-access-token-0d9c8b7a',
        expires_in: '3600',
      });
    }
    if (path.startsWith('/monitorodata/')) return api.behaviour(req, res, api);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  api.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return api;
}
