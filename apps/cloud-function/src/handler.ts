/**
 * The Google Cloud Run function (functions framework, Node.js 24): config → registry → runner → report,
 * nothing more (the deployment package's `FunctionInstance` does the work; see the README).
 *
 * Two entry points, chosen at deployment (`entry_point`):
 * - `collect` — HTTP, for Cloud Scheduler (OIDC-authenticated in deployment): `POST` with an optional
 *   JSON body selecting tenants and sources. 200 with the summary; 500 when a stream failed (Scheduler
 *   retries per its policy), with the reasons; 400 for a body that is not a selection.
 * - `collectEvent` — a CloudEvent (Pub/Sub): the message's data may carry the same selection. A failed
 *   stream fails the event, so Pub/Sub redelivers it when retries are on.
 *
 * The sink is GCS unless configured otherwise (`SINK`, or `CTXSIEM_CONFIG`); `gcpsecret:` references are
 * read from Secret Manager once per instance. The budget is `FUNCTION_TIMEOUT_SECONDS` (the function's
 * timeout, default 300) minus `FUNCTION_SAFETY_MARGIN_SECONDS`, from the moment the invocation starts.
 */
import { ConfigError } from '@ctxsiem/core';
import {
  type CollectSelection,
  FunctionInstance,
  type InvocationBody,
  parseSelection,
  StreamsFailedError,
} from '@ctxsiem/deployment';
import type { CloudEvent, HttpFunction } from '@google-cloud/functions-framework';

export const DEFAULT_TIMEOUT_SECONDS = 300;

/** This instance; the sink is GCS unless SINK says otherwise. */
const instance = new FunctionInstance({
  marginVariable: 'FUNCTION_SAFETY_MARGIN_SECONDS',
  env: { SINK: 'gcs', ...process.env },
});

/** The function's timeout in ms, from FUNCTION_TIMEOUT_SECONDS (the value given to Cloud Run). */
function timeoutMs(): number {
  const raw = process.env.FUNCTION_TIMEOUT_SECONDS?.trim();
  const seconds = raw ? Number(raw) : DEFAULT_TIMEOUT_SECONDS;
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new ConfigError('environment', [
      { path: 'FUNCTION_TIMEOUT_SECONDS', reason: 'must be the function timeout in seconds, more than 0' },
    ]);
  return seconds * 1000;
}

/** One run, with the function's whole timeout ahead of it (the invocation has just started). */
function invoke(selection: CollectSelection, requestId: string | undefined): Promise<InvocationBody> {
  return instance.invoke({
    selection,
    remainingMs: timeoutMs(),
    logger: instance.logger(requestId ? { requestId } : {}),
  });
}

/** A request body as a selection: none (or `{}`), or JSON `{"tenants": […], "sources": […]}`. */
function selectionFromBody(body: unknown): CollectSelection {
  const empty =
    body === undefined ||
    body === null ||
    ((typeof body === 'string' || Buffer.isBuffer(body)) && body.toString().trim() === '') ||
    (typeof body === 'object' && !Buffer.isBuffer(body) && Object.keys(body).length === 0);
  if (empty) return { field: 'body' };
  if (typeof body === 'string' || Buffer.isBuffer(body))
    throw new ConfigError('body', [
      { path: 'body', reason: 'must be JSON (content-type: application/json)' },
    ]);
  return parseSelection(body, 'body');
}

/** The HTTP trigger (Cloud Scheduler). */
export const collect: HttpFunction = async (req, res) => {
  if (req.method !== 'POST') {
    res.set('allow', 'POST').status(405).json({ success: false, error: 'use POST (Cloud Scheduler does)' });
    return;
  }
  let selection: CollectSelection;
  try {
    selection = selectionFromBody(req.body);
  } catch (error) {
    res.status(400).json({ success: false, error: instance.scrubbed(error).message });
    return;
  }
  try {
    res.status(200).json(await invoke(selection, req.get('x-cloud-trace-context')?.split('/')[0]));
  } catch (error) {
    const failed = instance.scrubbed(error);
    res.status(500).json({
      success: false,
      error: failed.message,
      ...(error instanceof StreamsFailedError ? { summary: error.summary } : {}),
    });
  }
};

interface PubSubData {
  message?: { data?: string };
}

/** The CloudEvent trigger (Pub/Sub `messagePublished`). */
export async function collectEvent(event: CloudEvent<PubSubData>): Promise<void> {
  let selection: CollectSelection = { field: 'message' };
  const data = event.data?.message?.data;
  if (data) {
    let value: unknown;
    try {
      value = JSON.parse(Buffer.from(data, 'base64').toString('utf8'));
    } catch {
      throw new ConfigError('message', [
        { path: 'message.data', reason: 'must be base64 of a JSON selection' },
      ]);
    }
    selection = parseSelection(value, 'message');
  }
  try {
    await invoke(selection, event.id);
  } catch (error) {
    throw instance.scrubbed(error);
  }
}
