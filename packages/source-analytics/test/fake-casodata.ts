/**
 * A tiny Citrix stand-in for answers the emulator never gives: a token endpoint plus a scripted casodata
 * endpoint, over real HTTP on port 0.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeCasodata {
  url: string;
  /** Every GET received, as `path?query`. */
  requests: string[];
  close(): Promise<void>;
}

/** `answer` gets each GET's URL and returns the JSON body to send with status 200. */
export async function fakeCasodata(answer: (url: URL) => unknown): Promise<FakeCasodata> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.method === 'POST') {
        res.end(JSON.stringify({ token_type: 'bearer', access_token: 'fake-token', expires_in: '3600' }));
        return;
      }
      requests.push(req.url ?? '/');
      res.end(JSON.stringify(answer(new URL(req.url ?? '/', 'http://fake'))));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
