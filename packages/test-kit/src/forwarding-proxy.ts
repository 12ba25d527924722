/**
 * A store in front of a real one (MinIO, fake-gcs-server) that behaves otherwise where a test says:
 * every request is forwarded to `upstream` unless `route` answers it itself, and `route` may change
 * the path it goes to (dropping a precondition, say). Tests use it to play stores that ignore
 * create-only conditions.
 */
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ForwardingProxy {
  endpoint: string;
  stop(): Promise<void>;
}

/** `route` answers the path to forward the request to, or `'answered'` when it answered it itself. */
export async function startForwardingProxy(
  upstream: string,
  route: (req: IncomingMessage, res: ServerResponse) => string | 'answered',
): Promise<ForwardingProxy> {
  const target = new URL(upstream);
  const server = createServer((req, res) => {
    const path = route(req, res);
    if (path === 'answered') return;
    const forward = request(
      { host: target.hostname, port: target.port, path, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
