/**
 * `ctxsiem check` and `ctxsiem preview`: look at the configured connectors without collecting.
 * `check` probes the checkpoint store and the sink with real writes, authenticates and makes one minimal
 * query per stream;
 * `preview` prints one page of one stream and writes nothing; `preview --list-streams` lists every stream
 * each source's service offers (Monitor: from its `$metadata`) with its cursor column, collected or not.
 */
import {
  type CheckpointStore,
  describeError,
  floorTo,
  MINUTE_MS,
  type OfferedStream,
  type PullStream,
} from '@ctxsiem/core';
import { buildDeploymentSink, eachSource, formatTable, type SourceDeps } from '@ctxsiem/deployment';
import {
  buildCheckpointStore,
  type DeploymentConfig,
  DeploymentConfigSchema,
  isStreamSource,
} from '@ctxsiem/registry';

export interface CheckLine {
  target: string;
  ok: boolean;
  detail: string;
}

/** The probe checkpoint's key: a tenant/source/stream no deployment has (names are `[A-Za-z0-9]…`). */
const PROBE_KEY = '_ctxsiem-check/probe/probe';

/**
 * Probes the checkpoint store as a run uses it: reads a checkpoint that does not exist (an object store
 * without list permission answers 403 rather than 404), creates one, advances it conditionally and
 * deletes it. A failure is the store's own message (for S3, the IAM statements to add).
 */
async function checkCheckpoints(store: CheckpointStore): Promise<CheckLine> {
  const target = `checkpoint ${store.type}`;
  try {
    const state = { position: new Date(0).toISOString(), updatedAt: new Date(0).toISOString() };
    await store.read(PROBE_KEY);
    const version = await store.write(PROBE_KEY, state, undefined);
    await store.write(PROBE_KEY, state, version);
    await store.delete(PROBE_KEY);
    return { target, ok: true, detail: 'read, created, advanced and deleted a probe checkpoint' };
  } catch (error) {
    return { target, ok: false, detail: describeError(error) };
  }
}

export async function checkDeployment(config: DeploymentConfig, deps: SourceDeps): Promise<CheckLine[]> {
  const lines: CheckLine[] = [];
  const checkpoints = await buildCheckpointStore(config.checkpoint, deps);
  lines.push(await checkCheckpoints(checkpoints));
  const sink = await buildDeploymentSink(config, deps, checkpoints);
  try {
    lines.push({ target: `sink ${sink.type}`, ok: true, detail: await sink.check() });
  } catch (error) {
    lines.push({ target: `sink ${sink.type}`, ok: false, detail: (error as Error).message });
  } finally {
    await sink.close();
  }
  await eachSource(config, deps, async (source) => {
    if (!source.check) {
      lines.push({
        target: `${source.tenant}/${source.type}`,
        ok: true,
        detail: 'no remote service to check',
      });
      return;
    }
    for (const result of await source.check()) {
      lines.push({
        target: `${source.tenant}/${source.type}/${result.name}`,
        ok: result.ok,
        detail: deps.secrets.scrub(result.detail),
      });
    }
  });
  return lines;
}

/** The most recent window a stream may read now: the last `windowMinutes` before `now - lag`. */
function latestWindow(stream: PullStream, now: number, windowMinutes: number) {
  const to = stream.window.wholeWindowsOnly
    ? floorTo(now - stream.window.lagMs, stream.window.alignMs)
    : now - stream.window.lagMs;
  const from = stream.window.wholeWindowsOnly ? to - stream.window.alignMs : to - windowMinutes * MINUTE_MS;
  return { from: new Date(from), to: new Date(to) };
}

export interface PreviewOptions {
  /** Only this source (its type: `monitor`, `analytics`, …). */
  source?: string | undefined;
  /** The stream: found in every configured source (or `source`), configured or offered. */
  stream?: string | undefined;
  windowMinutes: number;
  write: (line: string) => void;
}

/**
 * One page of one stream: the named stream of the first configured source (or `--source`) that has it;
 * without a name, the first stream of the first source queried by window. A stream the source offers but
 * the configuration does not collect (a Monitor entity set `--list-streams` lists) is previewed too: the
 * source is built again for that stream alone.
 */
export async function previewStream(
  config: DeploymentConfig,
  deps: SourceDeps,
  options: PreviewOptions,
): Promise<void> {
  const configured: string[] = config.sources.map((source) => source.type);
  if (options.source && !configured.includes(options.source))
    throw new Error(`no ${options.source} source in the configuration; it has: ${configured.join(', ')}`);
  let shown = false;
  /** What each visited source has, for the error when the stream is nowhere. */
  const seen: { type: string; streams: string[]; offers?: string[] }[] = [];
  await eachSource(config, deps, async (source) => {
    if (shown || (options.source && source.type !== options.source)) return;
    if (isStreamSource(source)) {
      if (options.source || (options.stream && source.streams.some((s) => s.name === options.stream)))
        throw new Error(
          `the ${source.type} source is consumed, not queried by window: \`ctxsiem check\` joins its group and says how far behind it is; \`ctxsiem collect\` delivers`,
        );
      return;
    }
    const stream = options.stream ? source.streams.find((s) => s.name === options.stream) : source.streams[0];
    if (!stream) {
      const offers = (await source.listStreams?.(deps.signal))?.map((offered) => offered.name);
      seen.push({
        type: source.type,
        streams: source.streams.map((s) => s.name),
        ...(offers ? { offers } : {}),
      });
      return;
    }
    // Reading such a window is receiving: it would write the source's ledger without delivering.
    if (stream.windowedBy === 'source')
      throw new Error(
        `the ${source.type} ${stream.name} stream's windows hold what a collection run received (its ledger): a preview would receive without delivering; \`ctxsiem check\` lists what is there`,
      );
    const window = latestWindow(stream, deps.clock.now(), options.windowMinutes);
    const controller = new AbortController();
    for await (const page of stream.read(window, undefined, controller.signal)) {
      process.stderr.write(
        `${source.tenant}/${source.type}/${stream.name}: first page of [${window.from.toISOString()}, ${window.to.toISOString()}): ${page.records.length} records${page.next ? ' (more pages follow)' : ''}\n`,
      );
      for (const record of page.records) options.write(`${JSON.stringify(record)}\n`);
      controller.abort();
      break;
    }
    shown = true;
  });
  if (shown) return;
  const name = options.stream;
  if (name) {
    // Offered, not configured: the source built again with that stream alone, its other settings kept.
    const offering = seen.find((source) => source.offers?.includes(name));
    const sourceConfig = offering && config.sources.find((source) => source.type === offering.type);
    const selecting = sourceConfig && (['entities', 'streams'] as const).find((key) => key in sourceConfig);
    if (sourceConfig && selecting) {
      process.stderr.write(
        `${name} is not collected by this configuration; previewing it as ${offering.type} offers it\n`,
      );
      const alone = DeploymentConfigSchema.parse({
        ...config,
        sources: [{ ...sourceConfig, [selecting]: [name] }],
      });
      return previewStream(alone, deps, { ...options, source: offering.type });
    }
  }
  const has = seen.map((source) => `${source.type}: ${source.streams.join(', ')}`).join('; ');
  throw new Error(
    name
      ? `no stream "${name}" in the configured sources (${has || 'none queried by window'}); \`ctxsiem preview --list-streams\` lists every stream each source offers`
      : 'no source of the configuration is queried by window: nothing to preview',
  );
}

/** One stream a source offers, as `preview --list-streams` shows it. */
export interface ListedStream extends OfferedStream {
  tenant: string;
  source: string;
}

/** Every stream each configured source's service offers (its configured streams when it cannot say). */
export async function listStreams(config: DeploymentConfig, deps: SourceDeps): Promise<ListedStream[]> {
  const listed: ListedStream[] = [];
  await eachSource(config, deps, async (source) => {
    const where = { tenant: source.tenant, source: source.type };
    const offered: OfferedStream[] = isStreamSource(source)
      ? source.streams.map((stream) => ({
          name: stream.name,
          cursorField: stream.timeField,
          lagMinutes: undefined,
          collected: true,
        }))
      : ((await source.listStreams?.(deps.signal)) ??
        source.streams.map((stream) => ({
          name: stream.name,
          cursorField: stream.cursorField,
          lagMinutes: stream.window.lagMs / MINUTE_MS,
          collected: true,
        })));
    for (const stream of offered) listed.push({ ...where, ...stream });
  });
  return listed;
}

export function formatListedStreams(streams: readonly ListedStream[]): string {
  return formatTable(
    ['tenant', 'source', 'stream', 'cursor', 'lag (min)', 'collected', 'key', 'fields', 'model'],
    streams.map((s) => [
      s.tenant,
      s.source,
      s.name,
      s.snapshot ? 'snapshot (read whole)' : (s.cursorField ?? '(none: cannot be windowed)'),
      s.lagMinutes === undefined ? '' : String(s.lagMinutes),
      s.collected ? 'yes' : 'no',
      s.key ?? '',
      s.fields === undefined ? '' : String(s.fields),
      s.verifiedBy ?? '',
    ]),
  );
}
