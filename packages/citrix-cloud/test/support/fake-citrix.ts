/**
 * A small, real Citrix Cloud stand-in on node:http (port 0) for precise client scenarios: it issues
 * OAuth tokens like the trust service, checks `CwsAuth Bearer=` on API calls, records every request and
 * the highest number of API requests in flight at once, and hands API calls to the test's script.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** Arrival time (performance.now()). */
  at: number;
}

export interface ApiContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** 0-based index of this API request among those handed to the script (after the token check). */
  index: number;
  token: string;
  server: FakeCitrix;
}

export type ApiHandler = (ctx: ApiContext) => void | Promise<void>;
export type TokenHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  form: URLSearchParams,
) => void | Promise<void>;

export interface FakeCitrixOptions {
  clientId?: string;
  clientSecret?: string;
  /** `expires_in` as sent; Citrix sends a string. */
  expiresIn?: string | number;
  /** Replaces the token endpoint's behaviour. */
  token?: TokenHandler;
  /** Answers API calls that carried a valid token. Default: an empty OData collection. */
  api?: ApiHandler;
  /** Accept API calls without checking the token (for scripts that answer 401 themselves). */
  skipTokenCheck?: boolean;
}

export interface FakeCitrix {
  /** Base URL, e.g. `http://127.0.0.1:43117`. */
  url: string;
  origin: string;
  /** Every request, token and API, in arrival order. */
  requests: RecordedRequest[];
  tokenRequests: RecordedRequest[];
  apiRequests: RecordedRequest[];
  issuedTokens: string[];
  /** Highest number of API requests being served at the same moment. */
  maxConcurrentApi: number;
  /** TCP connections accepted. */
  connections: number;
  setApi(handler: ApiHandler): void;
  /** Makes every token issued so far invalid (as if it expired on the server). */
  revokeTokens(): void;
  close(): Promise<void>;
}

export async function startFakeCitrix(options: FakeCitrixOptions = {}): Promise<FakeCitrix> {
  const clientId = options.clientId ?? 'demo';
  const clientSecret = options.clientSecret ?? 'demo-secret-value';
  const valid = new Set<string>();
  let api: ApiHandler = options.api ?? (({ res }) => sendJson(res, 200, { value: [] }));
  let inFlight = 0;
  let apiIndex = 0;

  const server = createServer(async (req, res) => {
    const at = performance.now();
    const body = await readBody(req);
    const recorded: RecordedRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body,
      at,
    };
    fake.requests.push(recorded);
    const url = new URL(req.url ?? '/', fake.url);
    try {
      if (req.method === 'POST' && /\/cctrustoauth2\/[^/]+\/tokens\/clients$/.test(url.pathname)) {
        fake.tokenRequests.push(recorded);
        const form = new URLSearchParams(body);
        if (options.token) return await options.token(req, res, form);
        if (form.get('grant_type') !== 'client_credentials') {
          return sendJson(res, 400, {
            error: 'unsupported_grant_type',
            error_description: 'grant_type must be client_credentials',
          });
        }
        if (form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret) {
          return sendJson(res, 401, {
            error: 'invalid_client',
            error_description: 'Invalid client credentials',
          });
        }
        const token = `tok_${fake.issuedTokens.length + 1}_${randomBytes(12).toString('hex')}`;
        fake.issuedTokens.push(token);
        valid.add(token);
        return sendJson(res, 200, {
          token_type: 'bearer',
          access_token: token,
          expires_in: options.expiresIn ?? '3600',
        });
      }
      fake.apiRequests.push(recorded);
      const token = /^CwsAuth Bearer=(.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      if (!options.skipTokenCheck && !valid.has(token)) {
        return sendJson(res, 401, { error: { code: 'Unauthorized', message: 'Missing or invalid token' } });
      }
      const index = apiIndex++;
      inFlight++;
      fake.maxConcurrentApi = Math.max(fake.maxConcurrentApi, inFlight);
      const done = () => {
        inFlight--;
      };
      res.once('close', done);
      await api({ req, res, url, index, token, server: fake });
    } catch (error) {
      if (!res.headersSent)
        sendJson(res, 500, { error: { code: 'TestServerError', message: String(error) } });
    }
  });
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    fake.connections++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const fake: FakeCitrix = {
    url: `http://127.0.0.1:${port}`,
    origin: `http://127.0.0.1:${port}`,
    requests: [],
    tokenRequests: [],
    apiRequests: [],
    issuedTokens: [],
    maxConcurrentApi: 0,
    connections: 0,
    setApi(handler) {
      api = handler;
    },
    revokeTokens() {
      valid.clear();
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'odata-version': '4.0',
    ...headers,
  });
  res.end(text);
}

/** An OData v4 error body. */
export function sendODataError(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { error: { code: String(status), message } }, headers);
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** What `streamBody` wrote, filled in as it goes. */
export interface StreamedBody {
  /** Bytes handed to the socket so far. */
  written: number;
  /** Whether every chunk was written and the response ended. */
  complete: boolean;
  /** Whether the client closed the connection before every chunk was written. */
  closedEarly: boolean;
  /** Settles when the writer stopped (finished or saw the connection closed). */
  done: Promise<void>;
}

/**
 * Sends `chunks` one by one, honouring backpressure and pausing `pauseMs` between them, and stops as soon
 * as the client closes the connection, so a test can tell how much of a body was ever sent.
 */
export function streamBody(
  res: ServerResponse,
  headers: Record<string, string>,
  chunks: Iterable<Buffer>,
  options: { status?: number; pauseMs?: number } = {},
): StreamedBody {
  let closed = false;
  res.once('close', () => {
    closed = true;
  });
  const state: StreamedBody = { written: 0, complete: false, closedEarly: false, done: Promise.resolve() };
  state.done = (async () => {
    res.writeHead(options.status ?? 200, headers);
    for (const chunk of chunks) {
      if (closed || res.destroyed) {
        state.closedEarly = true;
        return;
      }
      const flushed = res.write(chunk);
      state.written += chunk.length;
      if (!flushed) await drainOrClose(res);
      if (options.pauseMs) await delay(options.pauseMs);
    }
    if (closed || res.destroyed) {
      state.closedEarly = true;
      return;
    }
    res.end();
    state.complete = true;
  })();
  return state;
}

function drainOrClose(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}
