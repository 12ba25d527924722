/**
 * The image's `HEALTHCHECK`: asks `ctxsiem serve`'s `/healthz` whether the process answers, and exits
 * 0 when it does, 1 otherwise (saying why on stderr, which Docker keeps in the health log). A module of
 * its own, with nothing but Node's `fetch`: Docker runs it every interval, so it must start in
 * milliseconds, not load the CLI.
 *
 * The address is `CTXSIEM_HEALTH_URL`, by default `http://127.0.0.1:9464/healthz` (`serve.port`'s
 * default); a deployment that moves the port sets both.
 */
const DEFAULT_URL = 'http://127.0.0.1:9464/healthz';
const TIMEOUT_MS = 4000;

const url = process.env.CTXSIEM_HEALTH_URL?.trim() || DEFAULT_URL;
try {
  const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  await response.body?.cancel();
  if (response.status !== 200) {
    process.stderr.write(`unhealthy: ${url} answered ${response.status}\n`);
    process.exitCode = 1;
  }
} catch (error) {
  const reason =
    error instanceof Error && error.name === 'TimeoutError'
      ? `no answer within ${TIMEOUT_MS} ms`
      : ((error as Error & { cause?: { code?: string } }).cause?.code ?? (error as Error).message);
  process.stderr.write(`unhealthy: ${url}: ${reason}\n`);
  process.exitCode = 1;
}
