/**
 * The Google SecOps sink: each part's records go to the ingestion API as the log type of their stream,
 * in requests cut by encoded size. SIEM APIs cannot be read back and take no idempotency key, so the
 * sink keeps a delivery ledger beside the checkpoints (core's `DeliveryLedger`): a part is opened once
 * per content, each request accepted is recorded, a retry or a killed run's successor sends only what
 * was not accepted, and the runner's re-read skips what was (`readPartDigests`). A record too large
 * for any request is refused (`refuse`) and dead-lettered with its size; the rest go on.
 *
 * Each request is retried on 429, 408, 5xx and network errors with backoff, honouring `Retry-After`,
 * up to `maxAttempts`; a 401 refreshes the token once; 403 (a missing permission), 413 and 400 (the
 * request names what was wrong) are not retried, and name the part and the request's records.
 */
import {
  abortableSleep,
  type Batch,
  type ConnectorDeps,
  DeliveryLedger,
  digestOf,
  encodeNdjson,
  isRetryableStatus,
  type JsonRecord,
  nextWaitMs,
  parseConfig,
  parseRetryAfter,
  type Receipt,
  type Sink,
  SinkError,
} from '@ctxsiem/core';
import { tokenSource } from './auth.ts';
import { REQUEST_LIMIT_BYTES, type SecOpsSinkConfig, SecOpsSinkConfigSchema } from './config.ts';
import { logTypeOf } from './log-types.ts';
import { cutRequests, ENVELOPE_ALLOWANCE_BYTES, entryTime, requestShape } from './requests.ts';

const BACKOFF = { baseMs: 500, maxMs: 30_000 };

/** Where a log type's logs go. */
function ingestionUrl(config: SecOpsSinkConfig, logType: string): string {
  if (config.api === 'import') {
    const origin = config.endpoint ?? `https://chronicle.${config.region}.rep.googleapis.com`;
    return `${origin}/v1alpha/projects/${config.project}/locations/${config.region}/instances/${config.instance}/logTypes/${logType}/logs:import`;
  }
  const host =
    config.region === 'us'
      ? 'malachiteingestion-pa.googleapis.com'
      : `${config.region}-malachiteingestion-pa.googleapis.com`;
  return `${config.endpoint ?? `https://${host}`}/v2/unstructuredlogentries:batchCreate`;
}

export function secopsSink(input: unknown, deps?: ConnectorDeps): Sink {
  const config: SecOpsSinkConfig = parseConfig('sink-secops', SecOpsSinkConfigSchema, input);
  const maxBytes = config.maxRequestBytes ?? REQUEST_LIMIT_BYTES[config.api];
  const shape = requestShape(config);
  const tokens = tokenSource(config, deps);
  const signal = deps?.signal;
  const logger = deps?.logger;

  function ledger(): DeliveryLedger {
    if (!deps?.documents)
      throw new SinkError(
        'the secops sink keeps its delivery ledger beside the checkpoints: build it with the checkpoint store’s documents',
      );
    return new DeliveryLedger(deps.documents);
  }

  /** Sends one request until it is accepted, or fails in a way another attempt cannot fix. */
  async function send(url: string, body: string, what: string): Promise<void> {
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      let status: number;
      let retryAfter: string | null = null;
      let text = '';
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${await tokens.token()}`,
            'content-type': 'application/json; charset=utf-8',
          },
          body,
          signal: AbortSignal.any([
            AbortSignal.timeout(config.requestTimeoutSeconds * 1000),
            ...(signal ? [signal] : []),
          ]),
        });
        status = response.status;
        retryAfter = response.headers.get('retry-after');
        text = await response.text();
      } catch (error) {
        if (signal?.aborted) throw error;
        if (error instanceof SinkError && !error.retryable) throw error;
        if (attempt >= config.maxAttempts)
          throw new SinkError(`${what}: ${(error as Error).message} (after ${attempt} attempts)`, {
            cause: error,
            retryable: true,
          });
        await abortableSleep(nextWaitMs(attempt, undefined, BACKOFF).waitMs, signal);
        continue;
      }
      if (status >= 200 && status < 300) return;
      const reason = serverMessage(text);
      if (status === 401 && !refreshed) {
        refreshed = true;
        await tokens.token(true);
        continue;
      }
      if (status === 401)
        throw new SinkError(
          `${what}: SecOps refused the credentials twice (401${reason}); check the service account`,
          {
            retryable: false,
          },
        );
      if (status === 403)
        throw new SinkError(
          `${what}: permission denied (403${reason}); the service account needs ${config.api === 'import' ? 'chronicle.logs.import (roles/chronicle.editor or a custom role)' : 'the malachite-ingestion scope on a Chronicle ingestion service account'}`,
          { retryable: false },
        );
      if (status === 413)
        throw new SinkError(
          `${what}: the request of ${Buffer.byteLength(body)} bytes was refused as too large (413${reason}); lower maxRequestBytes (now ${maxBytes})`,
          { retryable: false },
        );
      if (!isRetryableStatus(status) || attempt >= config.maxAttempts)
        throw new SinkError(
          `${what}: SecOps answered ${status}${reason}${attempt > 1 ? ` after ${attempt} attempts` : ''}`,
          {
            retryable: isRetryableStatus(status),
          },
        );
      const wait = nextWaitMs(attempt, parseRetryAfter(retryAfter ?? undefined, Date.now()), BACKOFF);
      logger?.warn({ status, attempt, waitMs: wait.waitMs, what }, 'SecOps asked to retry');
      await abortableSleep(wait.waitMs, signal);
    }
  }

  return {
    type: 'secops',
    refuse(record: JsonRecord) {
      const bytes = shape.recordBytes(record);
      const room = maxBytes - ENVELOPE_ALLOWANCE_BYTES;
      return bytes > room
        ? `the record takes ${bytes} bytes in a SecOps ${config.api} request; a request holds at most ${maxBytes} (maxRequestBytes)`
        : undefined;
    },
    async write(batch: Batch): Promise<Receipt> {
      if (batch.kind === 'deadletter')
        throw new SinkError('the secops sink keeps no dead letters: configure deadLetters (file, s3 or gcs)');
      if (!batch.digests || batch.digests.length !== batch.records.length)
        throw new SinkError(
          'the secops sink needs the digest of every record of a part (the runner gives them)',
        );
      const logType = logTypeOf(batch, config.logTypes);
      const url = ingestionUrl(config, logType);
      const location = `secops://${config.instance}/${logType}/${batch.tenant}/${batch.source}/${batch.stream}/${batch.window.from.toISOString()}#${batch.seq}${batch.replay === undefined ? '' : `-replay${batch.replay}`}`;
      const sizes = batch.records.map((record) => shape.recordBytes(record));
      const ends = cutRequests(sizes, shape.emptyBytes(logType), maxBytes);
      const { sha256 } = digestOf(encodeNdjson(batch.records));
      const part = await ledger().open(batch, { location, sha256, digests: batch.digests, ends });
      const pending = part.pending();
      if (pending.length === 0)
        return { location, records: batch.records.length, bytes: 0, created: false, sha256 };
      let bytes = 0;
      for (const request of pending) {
        const records = batch.records.slice(request.start, request.end);
        const now = Date.now();
        const times = records.map((record) => entryTime(record, batch.timeField, batch.window.from, now));
        const body = shape.body(logType, records, times, new Date(now));
        const what = `${location}: request ${request.index + 1} of ${ends.length} (records ${request.start}–${request.end - 1})`;
        await send(url, body, what);
        await part.accept(request.index);
        bytes += Buffer.byteLength(body);
      }
      logger?.debug(
        { location, requests: pending.length, bytes, resumed: part.resumed },
        'delivered to SecOps',
      );
      return { location, records: batch.records.length, bytes, created: true, sha256 };
    },
    async readPart() {
      // An ingestion API cannot be read back: the ledger answers for it (readPartDigests).
      return undefined;
    },
    readPartDigests: (part) => ledger().delivered(part),
    async *listDeadLetters() {
      // None here: a deployment routes the dead letters of this sink to its `deadLetters` sink.
    },
    async check() {
      // A request with no logs: the API authenticates and checks the permission before refusing it as
      // empty (400), so nothing is ingested by a health check.
      const logType = logTypeOf({ source: 'monitor', stream: 'Machines' }, config.logTypes);
      const url = ingestionUrl(config, logType);
      const body =
        config.api === 'import' ? '{"inlineSource":{"logs":[]}}' : shape.body(logType, [], [], new Date());
      const response = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${await tokens.token()}`, 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(config.requestTimeoutSeconds * 1000),
      });
      await response.body?.cancel();
      if (response.status === 400)
        return `authenticated to SecOps ${config.api} (${new URL(url).host}) with permission to import ${logType}`;
      throw new SinkError(
        response.status === 401
          ? 'SecOps refused the credentials (401)'
          : response.status === 403
            ? `permission denied (403) to import ${logType}`
            : `SecOps answered ${response.status} to an empty request`,
      );
    },
    async close() {},
  };
}

/** The server's own message, for errors: ` : <message>`, or nothing. */
function serverMessage(text: string): string {
  try {
    const message = (JSON.parse(text) as { error?: { message?: unknown } }).error?.message;
    if (typeof message === 'string' && message) return `: ${message.slice(0, 300)}`;
  } catch {
    // Not JSON.
  }
  return text.trim() ? `: ${text.trim().slice(0, 200)}` : '';
}
