/**
 * The daemon's HTTP endpoints: `/healthz` (liveness: the process answers), `/readyz` (ready: the
 * config is running, the sink answered its probe, every consumer joined its group; 503 with the
 * reasons otherwise) and `/metrics` (Prometheus text format).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface Readiness {
  ready: boolean;
  /** What is not ready yet (or what is). */
  checks: Record<string, string>;
}

export interface HealthServer {
  url: string;
  close(): Promise<void>;
}

export async function startHealthServer(options: {
  host: string;
  port: number;
  readiness: () => Readiness;
  registry: Registry;
}): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (path === '/readyz') {
      const readiness = options.readiness();
      res
        .writeHead(readiness.ready ? 200 : 503, { 'content-type': 'application/json' })
        .end(`${JSON.stringify(readiness)}\n`);
      return;
    }
    if (path === '/metrics') {
      options.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': options.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: /healthz, /readyz, /metrics\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
