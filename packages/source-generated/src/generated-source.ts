/**
 * A deterministic generated source for runner and sink tests and benchmarks. Each stream produces
 * `recordsPerMinute` records in every UTC minute, spread evenly; a record's identity is
 * `{stream}-{minute}-{index}`, so the ground truth of any window is computable without storing anything.
 * Records are generated lazily: a million-record window never sits in memory.
 */
import {
  HOUR_MS,
  type JsonRecord,
  MINUTE_MS,
  type Page,
  type PullStream,
  type Source,
  type Window,
  type WindowPolicy,
} from '@ctxsiem/core';
import { z } from 'zod';
import { seededRandom } from './seeded-random.ts';

export interface GeneratedStreamSpec {
  name: string;
  recordsPerMinute: number;
}

export interface GeneratedSourceOptions {
  tenant?: string;
  /** Source type (default `generated`): two types make two sources of one tenant. */
  type?: string;
  streams?: GeneratedStreamSpec[];
  pageSize?: number;
  policy?: Partial<WindowPolicy>;
  start?: Date;
  /** Every Nth record (by index in its minute) breaks the schema and must be dead-lettered. */
  invalidEvery?: number;
  /** Called before each page is yielded: tests advance clocks, inject delays or throw. */
  beforePage?: (info: { stream: string; window: Window; offset: number }) => void | Promise<void>;
  /**
   * Pages not in cursor order, cut differently on every read: each read of a window from its start
   * draws a new order and page size (between half and 1.5× `pageSize`) from this seed; its resume
   * tokens continue that read's order.
   */
  unordered?: { seed: number };
  /**
   * Late data: a record becomes visible `lateMs(id)` after its time, judged by `clock` (the API's
   * clock). `truth` and `count` still describe every record; `visible` what the API shows now.
   */
  late?: { lateMs: (id: string) => number; clock: { now(): number } };
}

export const generatedRecordSchema = z.object({ id: z.string(), time: z.string(), value: z.number() });

export interface GeneratedSource extends Source {
  /** Every record of the stream in the window, in time order (late ones included). */
  truth(stream: string, window: Window): Generator<JsonRecord>;
  /** The records the API shows now (all of them without `late`). */
  visible(stream: string, window: Window): JsonRecord[];
  /** The number of records in the window. */
  count(stream: string, window: Window): number;
}

function* recordsIn(
  spec: GeneratedStreamSpec,
  window: Window,
  invalidEvery: number | undefined,
): Generator<JsonRecord> {
  const from = window.from.getTime();
  const to = window.to.getTime();
  const rpm = spec.recordsPerMinute;
  for (let minute = Math.floor(from / MINUTE_MS); minute * MINUTE_MS < to; minute++) {
    const first = Math.max(0, Math.ceil(((from - minute * MINUTE_MS) * rpm) / MINUTE_MS));
    for (let index = first; index < rpm; index++) {
      // Record `index` of a minute sits at floor(index * 60000 / rpm) ms into it (integer arithmetic).
      const time = minute * MINUTE_MS + Math.floor((index * MINUTE_MS) / rpm);
      if (time >= to) break;
      if (time < from) continue;
      const broken = invalidEvery !== undefined && index % invalidEvery === invalidEvery - 1;
      yield {
        id: `${spec.name}-${minute}-${index}`,
        time: new Date(time).toISOString(),
        value: broken ? 'not-a-number' : (minute * 31 + index) % 1000,
      };
    }
  }
}

export function generatedSource(options: GeneratedSourceOptions = {}): GeneratedSource {
  const specs = options.streams ?? [{ name: 'events', recordsPerMinute: 10 }];
  const pageSize = options.pageSize ?? 100;
  const policy: WindowPolicy = {
    alignMs: HOUR_MS,
    maxWindowMs: HOUR_MS,
    lagMs: 5 * MINUTE_MS,
    ...options.policy,
  };
  const specOf = (name: string) => {
    const spec = specs.find((s) => s.name === name);
    if (!spec) throw new Error(`generated source has no stream "${name}"`);
    return spec;
  };

  const isVisible = (record: JsonRecord) =>
    !options.late ||
    Date.parse(String(record.time)) + options.late.lateMs(String(record.id)) <= options.late.clock.now();
  const visible = (spec: GeneratedStreamSpec, window: Window) =>
    [...recordsIn(spec, window, options.invalidEvery)].filter(isVisible);
  let reads = 0;

  const streams: PullStream[] = specs.map((spec) => ({
    name: spec.name,
    cursorField: 'time',
    window: policy,
    schema: generatedRecordSchema,
    async count(window: Window) {
      return options.late ? visible(spec, window).length : countIn(spec, window);
    },
    async *read(window: Window, resume: string | undefined, signal: AbortSignal): AsyncGenerator<Page> {
      if (options.unordered || options.late) {
        yield* readMaterialised(spec, window, resume, signal);
        return;
      }
      const total = countIn(spec, window);
      let offset = resume ? Number(resume) : 0;
      const records = recordsIn(spec, window, options.invalidEvery);
      for (let skipped = 0; skipped < offset; skipped++) records.next();
      while (!signal.aborted) {
        const page: JsonRecord[] = [];
        while (page.length < pageSize) {
          const next = records.next();
          if (next.done) break;
          page.push(next.value);
        }
        await options.beforePage?.({ stream: spec.name, window, offset });
        offset += page.length;
        const more = offset < total;
        yield { records: page, next: more ? String(offset) : undefined };
        if (!more) return;
      }
    },
  }));

  /**
   * Reads of the unordered or late modes: the window's visible records, in a random order when asked,
   * paged by `{read}:{pageSize}:{offset}` tokens (the read's seed and cut travel in the token).
   */
  async function* readMaterialised(
    spec: GeneratedStreamSpec,
    window: Window,
    resume: string | undefined,
    signal: AbortSignal,
  ): AsyncGenerator<Page> {
    const [readText, sizeText, offsetText] = resume ? resume.split(':') : [];
    const read = readText === undefined ? ++reads : Number(readText);
    let records = visible(spec, window);
    let size = sizeText === undefined ? pageSize : Number(sizeText);
    if (options.unordered) {
      const random = seededRandom(options.unordered.seed * 7919 + read);
      if (sizeText === undefined) size = Math.max(1, Math.round(pageSize * (0.5 + random())));
      else random();
      records = shuffled(records, random);
    }
    let offset = offsetText === undefined ? 0 : Number(offsetText);
    while (!signal.aborted) {
      const page = records.slice(offset, offset + size);
      await options.beforePage?.({ stream: spec.name, window, offset });
      offset += page.length;
      const more = offset < records.length;
      yield { records: page, next: more ? `${read}:${size}:${offset}` : undefined };
      if (!more) return;
    }
  }

  return {
    type: options.type ?? 'generated',
    tenant: options.tenant ?? 'test-tenant',
    tenantField: 'tenant',
    streams,
    ...(options.start ? { start: options.start } : {}),
    truth: (name, window) => recordsIn(specOf(name), window, options.invalidEvery),
    visible: (name, window) => visible(specOf(name), window),
    count: (name, window) => countIn(specOf(name), window),
  };
}

/** Records with time in the window, by arithmetic: minute by minute counts are known exactly. */
function countIn(spec: GeneratedStreamSpec, window: Window): number {
  return countBefore(spec, window.to.getTime()) - countBefore(spec, window.from.getTime());
}

/** Records with time before `t` (ms since the epoch). */
function countBefore(spec: GeneratedStreamSpec, t: number): number {
  const minute = Math.floor(t / MINUTE_MS);
  const into = t - minute * MINUTE_MS;
  const rpm = spec.recordsPerMinute;
  // Record i sits at floor(i * 60000 / rpm) ms into its minute: before `into` when i * 60000 < into * rpm.
  return minute * rpm + Math.min(rpm, Math.ceil((into * rpm) / MINUTE_MS));
}

/** A Fisher–Yates shuffle of a copy of `items`. */
function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}
