/**
 * The Google Cloud Run function (functions framework, Node.js 24): config → registry → runner → report,
 * nothing more (the deployment package's `FunctionInstance` does the work; see the README).
 *
 * Two entry points, chosen at deployment (`entry_point`):
 * - `collect` — HTTP, for Cloud Scheduler (OIDC-authenticated in deployment): `POST` with a body that
 *   is empty or a JSON selection of tenants and sources, whatever its content type (Scheduler sends
 *   `application/octet-stream` unless told otherwise). 200 with the summary; 500 when a stream failed
 *   or something that may pass could not be reached (Scheduler retries per its policy); 400 for a body
 *   that is not a selection and 422 for a configuration that cannot work (a tenant not configured, a
 *   variable missing): retrying those cannot help. Every refusal is logged.
 * - `collectEvent` — a CloudEvent (Pub/Sub): the message's data may carry the same selection. A failed
 *   stream fails the event, so Pub/Sub redelivers it when retries are on; an event that can never
 *   succeed (data that is not a selection, a configuration that cannot work) is logged as an error
 *   and acknowledged, never redelivered forever.
 *
 * The sink is GCS unless configured otherwise (`SINK`, or `CTXSIEM_CONFIG`); `gcpsecret:` references are
 * read from Secret Manager once per instance. The budget is the function's timeout —
 * `FUNCTION_TIMEOUT_SECONDS`, else `FUNCTION_TIMEOUT_SEC` (what older runtimes set), else 300 with a
 * warning — minus `FUNCTION_SAFETY_MARGIN_SECONDS`, from the moment the invocation starts.
 */
import { ConfigError, type Logger } from '@ctxsiem/core';
import {
  type CollectSelection,
  FunctionInstance,
  type InvocationBody,
  parseSelection,
  StreamsFailedError,
} from '@ctxsiem/deployment';
import type { CloudEvent, HttpFunction, Request } from '@google-cloud/functions-framework';

export const DEFAULT_TIMEOUT_SECONDS = 300;

/** This instance; the sink is GCS unless SINK says otherwise. */
const instance = new FunctionInstance({
  marginVariable: 'FUNCTION_SAFETY_MARGIN_SECONDS',
  artifact: 'cloud-function',
  env: { SINK: 'gcs', ...process.env },
});

/** The variables the function's timeout is read from, in order: ours, then older runtimes' own. */
const TIMEOUT_VARIABLES = ['FUNCTION_TIMEOUT_SECONDS', 'FUNCTION_TIMEOUT_SEC'] as const;
let warnedDefaultTimeout = false;

/**
 * The function's timeout in ms. Cloud Run does not tell a function its request timeout: Terraform
 * sets FUNCTION_TIMEOUT_SECONDS to the value it gives the service; without it (and without the
 * FUNCTION_TIMEOUT_SEC older runtimes set) the run assumes 300 s and warns, once per instance.
 */
function timeoutMs(logger: Logger): number {
  for (const name of TIMEOUT_VARIABLES) {
    const raw = process.env[name]?.trim();
    if (!raw) continue;
    const seconds = Number(raw);
    if (!Number.isFinite(seconds) || seconds <= 0)
      throw new ConfigError('environment', [
        { path: name, reason: 'must be the function timeout in seconds, more than 0' },
      ]);
    return seconds * 1000;
  }
  if (!warnedDefaultTimeout) {
    warnedDefaultTimeout = true;
    logger.warn(
      { assumedTimeoutSeconds: DEFAULT_TIMEOUT_SECONDS },
      `FUNCTION_TIMEOUT_SECONDS is not set: the budget assumes a ${DEFAULT_TIMEOUT_SECONDS} s timeout; set it to the function's timeout (service_config.timeout_seconds), or a run may be cut off by Cloud Run before it stops`,
    );
  }
  return DEFAULT_TIMEOUT_SECONDS * 1000;
}

/** One run, with the function's whole timeout ahead of it (the invocation has just started). */
function invoke(selection: CollectSelection, logger: Logger): Promise<InvocationBody> {
  return instance.invoke({ selection, remainingMs: timeoutMs(logger), logger });
}

/**
 * Whether a failure can never pass by retrying the same request: the configuration or the selection
 * is wrong (a tenant not configured, a variable missing or invalid) until someone changes it.
 */
function isConfigurationError(error: Error): boolean {
  return error.name === 'ConfigError';
}

/** Text as a selection: empty is none; otherwise JSON `{"tenants": […], "sources": […]}`. */
function selectionFromText(text: string, field: string, path: string): CollectSelection {
  if (text.trim() === '') return { field };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigError(field, [
      {
        path,
        reason: 'must be empty or a JSON selection such as {"tenants": ["acme"], "sources": ["monitor"]}',
      },
    ]);
  }
  return parseSelection(value, field);
}

/**
 * A request body as a selection, whatever its content type: Cloud Scheduler sends
 * `application/octet-stream` unless a `Content-Type` header is set, so the raw bytes are read as JSON
 * unless the framework already parsed them as such.
 */
function selectionFromRequest(req: Request): CollectSelection {
  const body: unknown = req.body;
  if (body !== null && typeof body === 'object' && !Buffer.isBuffer(body) && req.is('json'))
    return Object.keys(body).length === 0 ? { field: 'body' } : parseSelection(body, 'body');
  const raw = req.rawBody ?? (Buffer.isBuffer(body) || typeof body === 'string' ? body : undefined);
  return selectionFromText(raw === undefined ? '' : raw.toString('utf8'), 'body', 'body');
}

/** The HTTP trigger (Cloud Scheduler). */
export const collect: HttpFunction = async (req, res) => {
  const traceId = req.get('x-cloud-trace-context')?.split('/')[0];
  const logger = instance.logger(traceId ? { requestId: traceId } : {});
  const refuse = (status: number, error: string, extra: Record<string, unknown> = {}) => {
    logger.warn(
      { status, method: req.method, contentType: req.get('content-type') ?? null, error },
      'request refused',
    );
    res.status(status).json({ success: false, error, ...extra });
  };
  if (req.method !== 'POST') {
    res.set('allow', 'POST');
    refuse(405, 'use POST (Cloud Scheduler does)');
    return;
  }
  let selection: CollectSelection;
  try {
    selection = selectionFromRequest(req);
  } catch (error) {
    refuse(400, instance.scrubbed(error).message);
    return;
  }
  try {
    res.status(200).json(await invoke(selection, logger));
  } catch (error) {
    const failed = instance.scrubbed(error);
    // The invocation logged its failure already; a configuration error is not worth a retry.
    res.status(isConfigurationError(failed) ? 422 : 500).json({
      success: false,
      error: failed.message,
      ...(error instanceof StreamsFailedError ? { summary: error.summary } : {}),
    });
  }
};

interface PubSubData {
  message?: { data?: string };
}

/**
 * The CloudEvent trigger (Pub/Sub `messagePublished`). A failure that may pass (a stream failed, a
 * secret could not be reached) fails the event, so Pub/Sub delivers it again by the subscription's
 * retry policy; one that never can (data that is not a selection, a configuration error) is logged as
 * an error with the event's id and acknowledged: redelivering it would fail the same way forever.
 */
export async function collectEvent(event: CloudEvent<PubSubData>): Promise<void> {
  const logger = instance.logger({ requestId: event.id });
  try {
    const data = event.data?.message?.data;
    const selection = data
      ? selectionFromText(Buffer.from(data, 'base64').toString('utf8'), 'message', 'message.data')
      : { field: 'message' };
    await invoke(selection, logger);
  } catch (error) {
    const failed = instance.scrubbed(error);
    if (!isConfigurationError(failed)) throw failed;
    logger.error(
      { eventId: event.id, eventType: event.type, source: event.source, error: failed.message },
      'event acknowledged without a run: it can never succeed as it is (fix the message or the configuration)',
    );
  }
}
