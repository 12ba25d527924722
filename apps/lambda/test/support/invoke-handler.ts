/**
 * Loads a Lambda artifact's `index.mjs` in this (fresh) Node process and invokes its handler as the
 * Lambda runtime would, once per invocation given, in order — a warm container. Each outcome is printed
 * on stdout as one line `INVOCATION {json}` (logs and metrics go to stderr and stdout around it).
 *
 *   node invoke-handler.ts /path/to/index.mjs '[{"event": {…}, "remainingMs": 4000}, …]'
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';

interface Invocation {
  event: unknown;
  /** What `context.getRemainingTimeInMillis()` starts at: the function's timeout. */
  remainingMs: number;
}

const [modulePath, invocations] = process.argv.slice(2);
if (!modulePath || !invocations) throw new Error('usage: invoke-handler.ts <index.mjs> <invocations json>');
const { handler } = (await import(pathToFileURL(modulePath).href)) as {
  handler: (event: unknown, context: object) => Promise<unknown>;
};

for (const { event, remainingMs } of JSON.parse(invocations) as Invocation[]) {
  const started = Date.now();
  const deadline = started + remainingMs;
  const context = {
    awsRequestId: randomUUID(),
    functionName: 'CitrixMonitorCollector',
    functionVersion: '$LATEST',
    memoryLimitInMB: '512',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  try {
    const result = await handler(event, context);
    console.log(`INVOCATION ${JSON.stringify({ ok: true, result, elapsedMs: Date.now() - started })}`);
  } catch (error) {
    const { name, message } = error as Error;
    console.log(
      `INVOCATION ${JSON.stringify({ ok: false, errorType: name, errorMessage: message, elapsedMs: Date.now() - started })}`,
    );
  }
}
