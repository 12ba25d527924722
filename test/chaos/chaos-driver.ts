/**
 * The chaos driver: many runs of the real `ctxsiem collect` process against the emulator, with random
 * API faults (429 with and without Retry-After, 5xx, connection resets, slow pages, revoked tokens,
 * unordered pages cut differently on every read, late arrivals), random `kill -9` of the process at
 * random moments, and pairs of overlapping processes whose clocks are minutes apart. Besides:
 *
 * - SIEM-side faults, where the target is a SIEM API (its contract server draws them, seeded): a
 *   request accepted then dropped without an answer, a 5xx after the commit, a long 429 with
 *   `Retry-After` (20–90 s), short 429s, 5xx and resets before the commit, slow answers.
 * - Signals while a request is in flight (the SIEM API's contract server says when one arrived; other
 *   targets at a random moment): SIGTERM, which `collect` answers by stopping at the next page boundary
 *   (a request in flight ends first), and SIGHUP, which `collect` leaves to the default action: the
 *   process ends at once, like a kill.
 * - A writer paused past its lease: SIGSTOP, longer than the paused process's lease (its config's
 *   `runner.leaseSeconds` is the shortest the schema allows), another process on the same streams, then
 *   SIGCONT: the paused one must stop without sending again what the other took over — it ends
 *   `conflict` (exit 1), or goes on with what nobody took.
 * - Query timeouts for some runs (a low `maxScannedRows`: a catch-up or reconcile re-read of an hour
 *   window must split), and now and then emulated time moved past `runner.reconcileHorizonMinutes`, so
 *   catch-up windows are read at an age at or beyond the horizon, and windows still waiting for a
 *   reconcile check are past it.
 *
 * Time moves on between runs. At the end, with the faults off and time past every late arrival, runs go on until one
 * delivers nothing; time then passes the first reconcile check of the windows they closed (a window
 * continued from a killed run's token is checked 30 minutes after it closed) and runs go on again until
 * one delivers nothing; then the sink is compared with the emulator's ground truth:
 *
 *   lost        a record version the API holds that no part contains
 *   duplicated  a record version contained more than once (in the same or different parts)
 *
 * A SIEM API cannot be read back: the contract server keeps what it accepted, each record with the
 * digest of the request body that carried it (`ACCEPTED_IN`). A duplicated version whose copies came in
 * two different bodies is tallied apart (`differentBodies`): only a byte-identical resend may store a
 * record twice. Every run's `possiblyDuplicated` (its JSON summary: a killed run's resends are committed
 * before they go and reported by the run that takes the stream next) is summed: the documented bound
 * of what a resend may have stored twice. Killed runs' resend warnings are tallied apart, for reading.
 *
 * The emulator's clock is the real clock shifted forward step by step; each collector process gets the
 * same shift (plus its own skew) through CTXSIEM_CLOCK_OFFSET_MS, so "now" agrees as it would between
 * a scheduler's hosts — or disagrees by minutes, for the overlapping pairs.
 *
 * Besides Monitor and Analytics, the collectors read the admin audit logs (System Log, DaaS configuration
 * log: every record once, every operation's final version once) and licensing telemetry documents, which
 * arrive in a folder between runs — a day's License Server upload, CVAD
 * and SPA events at a time, now and then a CVAD file edited (a new version) or copied under another
 * name (the same content) — and every record of every version must be stored once.
 */
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Emulator, type Faults, licensingTelemetry } from '@ctxsiem/emulator';
import type { SecOpsRandomFaults } from '@ctxsiem/local-services';
import { seededRandom } from '@ctxsiem/source-generated';
import { runCli } from '@ctxsiem/test-kit';
import { configure } from 'safe-stable-stringify';

const CLI = join(import.meta.dirname, '..', '..', 'apps', 'container', 'src', 'cli.ts');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const canonical = configure({ deterministic: true });
/** Rows reach the API up to this long after their cursor time (the emulator's lateArrivals). */
const LATE_MINUTES = 20;
/** The key of each casodata entity's rows. */
const CASODATA_KEYS: Record<string, string> = {
  sessions: 'sessionKey',
  machines: 'machineId',
  users: 'userName',
};

/** What the collectors write to and how the driver reads it back. */
export interface ChaosTarget {
  name: string;
  /** The `sink` and `checkpoint` sections (and `deadLetters`, for a SIEM API) of the deployment config. */
  config: {
    sink: Record<string, unknown>;
    checkpoint: Record<string, unknown>;
    deadLetters?: Record<string, unknown>;
  };
  /**
   * Every stored record of every part under the stream's folder (dead letters excluded); a SIEM API's
   * each with the digest of the accepted request body that carried it (`ACCEPTED_IN`).
   */
  records(stream: string): Promise<Record<string, unknown>[]>;
  /** Every stored dead letter. */
  deadLetters(): Promise<number>;
  /** A SIEM API's contract server: its SIEM-side faults, and when a request is in flight. */
  siem?: {
    /** Draws SIEM-side faults from now on (undefined: none). */
    setFaults(faults: SecOpsRandomFaults | undefined): void;
    /** Resolves when the next request has arrived, before it is answered. */
    nextRequest(): Promise<void>;
    /** The faults drawn so far. */
    faults(): number;
  };
}

export interface ChaosOptions {
  emulator: Emulator;
  /** Shifts the emulator's clock: its `now` is `Date.now() + offset.value`. */
  offset: { value: number };
  target: ChaosTarget;
  runs: number;
  seed: number;
  directory: string;
  /** Monitor entity sets and casodata entities collected. */
  monitorEntities: string[];
  analyticsEntities: string[];
  /** Where licensing telemetry documents arrive (the `telemetry` stream's records are compared too). */
  telemetryFolder: string;
  log?: (line: string) => void;
}

export interface ChaosFigures {
  target: string;
  runs: number;
  processes: number;
  kills: number;
  overlaps: number;
  /** SIGTERM and SIGHUP sent while a request was in flight; SIGHUP ends `collect` at once. */
  sigterms: number;
  sighups: number;
  /** Processes paused (SIGSTOP) past their lease while another ran, and how each ended. */
  pauses: number;
  pausedOutcomes: Record<string, number>;
  /** Runs with a low query budget (`maxScannedRows`), and the ranges their streams read again split. */
  queryTimeoutRuns: number;
  splits: number;
  /** Moves of emulated time past the reconcile horizon. */
  horizonJumps: number;
  busy: number;
  /** Streams a killed run's lease still held (exit 3 `blocked`, until that lease ends). */
  blocked: number;
  /** Runs that exited 3 (`blocked`), and runs that exited 1 with every failing stream `conflict`. */
  blockedRuns: number;
  conflictRuns: number;
  /** Of those, runs that were not paused (a conflict is expected of a paused one). */
  otherConflictRuns: number;
  /** Streams another runner took over while a run held them (`conflict`). */
  conflicts: number;
  /** Streams that failed otherwise (`failed`): a finding. */
  failed: number;
  failedExamples: string[];
  /** Faults the emulator injected, and those the SIEM API's contract server drew. */
  faults: number;
  siemFaults: number;
  adoptedParts: number;
  lateRecords: number;
  /**
   * Records the collectors reported sent again after a request of theirs may have been accepted: the
   * JSON summaries' `possiblyDuplicated` (`possiblyDuplicatedLogged`: the resend warnings of runs that
   * ended without a summary, which their successors report again).
   */
  possiblyDuplicated: number;
  possiblyDuplicatedLogged: number;
  expected: number;
  lost: number;
  duplicated: number;
  /** Duplicated versions whose copies came in two different accepted request bodies (a SIEM API). */
  differentBodies: number;
  differentBodyExamples: string[];
  deadLetters: number;
  lostExamples: string[];
  duplicatedExamples: string[];
  /** Licensing telemetry documents written (versions included) and copies of one. */
  documents: number;
  /** Runs after the faults stopped, and whether the last one found nothing left to deliver. */
  convergeRuns: number;
  converged: boolean;
}

/** Marks a SIEM API's stored record with the SHA-256 of the accepted request body that carried it. */
export const ACCEPTED_IN: unique symbol = Symbol('accepted in');

/** The documents the driver wrote: each content's records, by its SHA-256 (the records' documentId). */
type DocumentTruth = Map<string, { name: string; records: number }>;

interface StreamOutcome {
  source: string;
  stream: string;
  status: string;
  adoptedParts?: number;
  lateRecords?: number;
  records: number;
  splits?: number;
  possiblyDuplicated?: number;
  error?: string;
}

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  summary?: {
    streams: StreamOutcome[];
    logs?: { possiblyDuplicated?: number }[];
  };
  stderr: string;
}

/** The paused process's `runner.leaseSeconds`: the shortest the schema allows. */
const PAUSE_LEASE_SECONDS = 10;
/**
 * `runner.reconcileHorizonMinutes`, which some moves of time pass: 4 h (checks at 30 min, 1 h, 2 h and
 * 4 h), not the default 24 h — the same paths (catch-up windows read at an age at or beyond the horizon,
 * checks overdue past it), but a catch-up of 4 h rather than 24 h of every stream (one took 60–190 s
 * against faults). `CHAOS_HORIZON_MINUTES` sets another (1440: the default).
 */
const HORIZON_MINUTES = Number(process.env.CHAOS_HORIZON_MINUTES ?? 240);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const running = (child: ChildProcess | undefined): child is ChildProcess =>
  child !== undefined && child.exitCode === null && child.signalCode === null;

/**
 * What a run that ended without a summary (killed) had reported sent again: its log's resend warnings
 * (`records` × `resends`, as the sink counts them into the summary).
 */
function loggedResends(stderr: string): number {
  let records = 0;
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{') || !line.includes('possibly duplicated')) continue;
    try {
      const entry = JSON.parse(line) as { records?: unknown; resends?: unknown };
      if (typeof entry.records === 'number') records += entry.records * Number(entry.resends ?? 1);
    } catch {
      // A line cut by the kill.
    }
  }
  return records;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosFigures> {
  const { emulator, offset, target } = options;
  const random = seededRandom(options.seed);
  const chance = (p: number) => random() < p;
  const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const log = options.log ?? (() => {});
  const emulatorNow = () => Date.now() + offset.value;
  const start = new Date(Math.floor((emulatorNow() - 3 * HOUR) / HOUR) * HOUR);
  emulator.resetStats();

  const deployment = (runner: Record<string, unknown>) =>
    JSON.stringify({
      tenants: [
        {
          customerId: emulator.connection.customerId,
          clientId: emulator.connection.clientId,
          clientSecret: 'env:CHAOS_CLIENT_SECRET',
          apiBase: emulator.connection.apiBase,
        },
      ],
      sources: [
        { type: 'monitor', entities: options.monitorEntities, pageSize: 40 },
        { type: 'analytics', entities: options.analyticsEntities, top: 60 },
        { type: 'systemlog', pageSize: 3 },
        { type: 'daasconfiglog', pageSize: 3 },
        {
          type: 'licensing',
          streams: ['telemetry'],
          telemetry: { location: options.telemetryFolder, settleSeconds: 0, pageSize: 40 },
        },
      ],
      ...target.config,
      runner: {
        start: start.toISOString(),
        leaseSeconds: 300,
        concurrency: 2,
        reconcileHorizonMinutes: HORIZON_MINUTES,
        ...runner,
      },
      logLevel: process.env.CHAOS_LOG_LEVEL ?? 'warn',
    });
  const configPath = join(options.directory, `chaos-${target.name}.json`);
  await writeFile(configPath, deployment({}));
  // The process paused past its lease holds its streams this long only.
  const pausedConfigPath = join(options.directory, `chaos-${target.name}-paused.json`);
  await writeFile(pausedConfigPath, deployment({ leaseSeconds: PAUSE_LEASE_SECONDS }));

  const figures: ChaosFigures = {
    target: target.name,
    runs: 0,
    processes: 0,
    kills: 0,
    overlaps: 0,
    sigterms: 0,
    sighups: 0,
    pauses: 0,
    pausedOutcomes: {},
    queryTimeoutRuns: 0,
    splits: 0,
    horizonJumps: 0,
    busy: 0,
    blocked: 0,
    blockedRuns: 0,
    conflictRuns: 0,
    otherConflictRuns: 0,
    conflicts: 0,
    failed: 0,
    failedExamples: [],
    faults: 0,
    siemFaults: 0,
    adoptedParts: 0,
    lateRecords: 0,
    possiblyDuplicated: 0,
    possiblyDuplicatedLogged: 0,
    expected: 0,
    lost: 0,
    duplicated: 0,
    differentBodies: 0,
    differentBodyExamples: [],
    deadLetters: 0,
    lostExamples: [],
    duplicatedExamples: [],
    documents: 0,
    convergeRuns: 0,
    converged: false,
  };
  const documents: DocumentTruth = new Map();
  await mkdir(options.telemetryFolder, { recursive: true });
  let documentDay = start.getTime() - 30 * 24 * HOUR;
  const arrive = async () => {
    for (const document of licensingTelemetry({
      seed: options.seed,
      customerId: emulator.connection.customerId,
      from: new Date(documentDay),
      days: 1,
    }))
      await writeDocument(document.name, document.content, document.records);
    documentDay += 24 * HOUR;
  };
  const writeDocument = async (name: string, content: string, records: number) => {
    await writeFile(join(options.telemetryFolder, name), content);
    documents.set(createHash('sha256').update(content).digest('hex'), { name, records });
    figures.documents++;
  };
  /**
   * A CVAD file edited where it lies — one more event, so a new version with every event again — once
   * its current version is stored whole (an edit before that would take a content no run could read).
   */
  const edit = async () => {
    const [sha256, cvad] = [...documents].filter(([, d]) => d.name.startsWith('cvad-')).at(-1) ?? [];
    if (!sha256 || !cvad) return;
    const stored = await target.records('telemetry');
    if (new Set(stored.filter((r) => r.documentId === sha256).map((r) => canonical(r))).size < cvad.records)
      return;
    const path = join(options.telemetryFolder, cvad.name);
    const events = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>[];
    events.push({ ...events[0], id: `edited-${figures.documents}` });
    await writeDocument(cvad.name, JSON.stringify(events), events.length);
  };
  const copy = async () => {
    const some = [...documents.values()].at(-1);
    if (!some) return;
    await copyFile(
      join(options.telemetryFolder, some.name),
      join(options.telemetryFolder, `copy-${figures.documents}-${some.name}`),
    );
    figures.documents++;
  };

  const launch = async (
    skewMs: number,
    killAfterMs: number | undefined,
    more: { config?: string; onSpawn?: (child: ChildProcess) => void } = {},
  ): Promise<Outcome> => {
    figures.processes++;
    const run = await runCli(CLI, ['collect', '--json', '--config', more.config ?? configPath], {
      env: {
        CHAOS_CLIENT_SECRET: emulator.connection.clientSecret,
        CTXSIEM_CLOCK_OFFSET_MS: String(offset.value + skewMs),
      },
      label: `chaos-${target.name}`,
      killAfterMs,
      onKill: () => {
        figures.kills++;
      },
      onSpawn: more.onSpawn,
    });
    let summary: Outcome['summary'];
    try {
      summary = run.stdout.trim() ? JSON.parse(run.stdout) : undefined;
    } catch {
      summary = undefined;
    }
    return { code: run.code, signal: run.signal, summary, stderr: run.stderr };
  };

  /** Tallies how a process ended; `run` names it in the examples. Returns how it ended, in a word. */
  const account = (outcome: Outcome, run: string): string => {
    const streams = outcome.summary?.streams ?? [];
    for (const stream of streams) {
      if (stream.status === 'busy') figures.busy++;
      if (stream.status === 'blocked') figures.blocked++;
      if (stream.status === 'conflict') figures.conflicts++;
      if (stream.status === 'failed') {
        figures.failed++;
        if (figures.failedExamples.length < 5)
          figures.failedExamples.push(`${run} ${stream.source}/${stream.stream}: ${stream.error}`);
      }
      figures.adoptedParts += stream.adoptedParts ?? 0;
      figures.lateRecords += stream.lateRecords ?? 0;
      figures.splits += stream.splits ?? 0;
      figures.possiblyDuplicated += stream.possiblyDuplicated ?? 0;
    }
    for (const consumed of outcome.summary?.logs ?? [])
      figures.possiblyDuplicated += consumed.possiblyDuplicated ?? 0;
    if (!outcome.summary) figures.possiblyDuplicatedLogged += loggedResends(outcome.stderr);
    if (outcome.signal !== null) return outcome.signal;
    // A process that no signal ended must end cleanly (0), or with a summary: exit 3 when a killed
    // run's lease still holds a stream (`blocked`), exit 1 when another runner took a stream over
    // (`conflict`, after a pause) or a stream failed (a finding, tallied above).
    if (outcome.code === 0) return 'ok';
    if (outcome.code === 3 && outcome.summary) {
      figures.blockedRuns++;
      return 'blocked';
    }
    if (outcome.code === 1 && outcome.summary) {
      if (streams.some((s) => s.status === 'failed')) return 'failed';
      figures.conflictRuns++;
      if (!run.endsWith('(paused)')) figures.otherConflictRuns++;
      return 'conflict';
    }
    throw new Error(`collector exited with ${outcome.code}:\n${outcome.stderr.slice(-3000)}`);
  };

  /**
   * Waits until the process is at work (not still starting: a signal then would meet Node's default
   * action), for at most 20 s: a SIEM API's next request (after `skip` others) when the target is one —
   * a request in flight —, else the emulator's next 8 × `skip` + 4 API requests (a stream held, pages
   * read and parts written in turn).
   */
  const inFlight = async (skip: number) => {
    const { siem } = target;
    let waiting = true;
    const atWork = siem
      ? (async () => {
          for (let n = 0; n <= skip; n++) await siem.nextRequest();
        })()
      : (async () => {
          const until = emulator.stats().apiRequests + 8 * skip + 4;
          while (waiting && emulator.stats().apiRequests < until) await sleep(40);
        })();
    await Promise.race([atWork, sleep(20_000)]);
    waiting = false;
  };

  /** One process, sent SIGTERM or SIGHUP while a request is in flight. */
  const signalled = async (signal: 'SIGTERM' | 'SIGHUP', run: string) => {
    let child: ChildProcess | undefined;
    const ended = launch(0, undefined, {
      onSpawn: (c) => {
        child = c;
      },
    });
    await Promise.race([inFlight(between(0, 3)), ended]);
    if (running(child) && child.kill(signal)) figures[signal === 'SIGTERM' ? 'sigterms' : 'sighups']++;
    account(await ended, run);
  };

  /**
   * A writer paused past its lease: SIGSTOP while a request is in flight, a wait longer than its lease,
   * another process on the same streams, SIGCONT. The paused one ends `conflict` (what it held was
   * taken over: it sends nothing more of it), or `ok` (nothing it held was taken).
   */
  const paused = async (run: string) => {
    let child: ChildProcess | undefined;
    const first = launch(0, undefined, {
      config: pausedConfigPath,
      onSpawn: (c) => {
        child = c;
      },
    });
    await Promise.race([inFlight(between(0, 3)), first]);
    if (!running(child) || !child.kill('SIGSTOP')) {
      account(await first, run);
      return;
    }
    figures.pauses++;
    let second: Promise<Outcome> | undefined;
    try {
      await sleep(PAUSE_LEASE_SECONDS * 1000 + between(1000, 3000));
      second = launch(0, undefined);
      // SIGCONT once the other is done, or while it runs (it may not have reached the paused one's streams).
      await Promise.race([chance(0.5) ? new Promise<void>(() => {}) : sleep(between(500, 4000)), second]);
    } finally {
      child.kill('SIGCONT');
    }
    const [outcome, other] = await Promise.all([first, second]);
    const how = account(outcome, `${run} (paused)`);
    figures.pausedOutcomes[how] = (figures.pausedOutcomes[how] ?? 0) + 1;
    account(other, `${run} (after the pause)`);
  };

  const pauseAt = between(1, Math.max(1, options.runs - 1));
  const jumpAt = between(1, Math.max(1, options.runs - 1));
  const longAt = between(0, options.runs - 1);
  for (let i = 0; i < options.runs; i++) {
    figures.runs++;
    const run = `run ${i + 1}`;
    offset.value += between(3, 15) * MINUTE;
    if (i === jumpAt || (i > 0 && chance(0.03))) {
      // Past the reconcile horizon: windows read next are at least that old, and windows waiting for
      // a reconcile check are past their last one.
      offset.value += (HORIZON_MINUTES + between(5, 60)) * MINUTE;
      figures.horizonJumps++;
    }
    const faults: Faults = {
      rate429: chance(0.5) ? random() * 0.15 : 0,
      retryAfterSeconds: chance(0.5) ? null : 1,
      rate500: chance(0.3) ? random() * 0.08 : 0,
      rate503: chance(0.3) ? random() * 0.08 : 0,
      resetRate: chance(0.3) ? random() * 0.05 : 0,
      slowRate: chance(0.3) ? random() * 0.2 : 0,
      slowMs: 150,
      earlyTokenExpiry: chance(0.2),
      unordered: chance(0.6),
      // Late arrival is how the API's data behaves, not a passing fault: always on.
      lateArrivals: { maxMinutes: LATE_MINUTES },
    };
    emulator.setFaults(faults);
    // A low query budget: an hour window of Sessions or Connections examines over a thousand rows, a
    // quarter of an hour about 400, an hour of casodata sessions about 90 and PublishedDesktopNames 15
    // (measured at 90 sessions an hour): hour windows (catch-up, reconcile re-reads) split.
    if (chance(0.25)) {
      figures.queryTimeoutRuns++;
      emulator.setQueryTimeout({ maxScannedRows: between(450, 650), delayMs: 20 });
    } else emulator.setQueryTimeout({});
    // SIEM-side faults, a few in a hundred requests each (a run sends tens to hundreds), and one long
    // 429 in some runs: its Retry-After (20–90 s) holds a stream that long.
    const long = i === longAt || chance(0.05);
    target.siem?.setFaults({
      seed: options.seed * 1000 + i,
      ...(chance(0.7)
        ? {
            acceptThenDrop: random() * 0.03,
            commitThen5xx: random() * 0.03,
            rate429: random() * 0.03,
            rate5xx: random() * 0.02,
            resetRate: random() * 0.02,
          }
        : {}),
      ...(long ? { longRetryAfter: { rate: 0.05, minSeconds: 20, maxSeconds: 90, times: 1 } } : {}),
      slowRate: 0.1,
      slowMs: between(50, 300),
    });
    if (i === 0 || chance(0.4)) await arrive();
    if (chance(0.15)) await edit();
    if (chance(0.1)) await copy();
    const kill = () => (chance(0.35) ? between(200, 2500) : undefined);
    if (i === pauseAt || chance(0.05)) {
      await paused(run);
    } else if (chance(0.12)) {
      await signalled(chance(0.5) ? 'SIGTERM' : 'SIGHUP', run);
    } else if (chance(0.25)) {
      figures.overlaps++;
      const skew = (chance(0.5) ? 1 : -1) * between(1, 4) * MINUTE;
      const outcomes = await Promise.all([launch(0, kill()), launch(skew, kill())]);
      for (const outcome of outcomes) account(outcome, run);
    } else {
      account(await launch(0, kill()), run);
    }
    log(
      `${run}/${options.runs}: kills ${figures.kills}, overlaps ${figures.overlaps}, pauses ${figures.pauses}, signals ${figures.sigterms + figures.sighups}, horizon jumps ${figures.horizonJumps}`,
    );
  }
  figures.faults = Object.values(emulator.stats().injected).reduce((sum, n) => sum + n, 0);
  figures.siemFaults = target.siem?.faults() ?? 0;

  // Converge: faults off (late arrivals stay: data that came late stays visible), time past every late
  // arrival and the first reconcile check, and runs until a run delivers nothing.
  emulator.setFaults({ lateArrivals: { maxMinutes: LATE_MINUTES } });
  emulator.setQueryTimeout({});
  target.siem?.setFaults(undefined);
  /** When the last converging run started: it read every snapshot set whole after this. */
  let lastRunAt = emulatorNow();
  // A run still delivers after a jump (reconcile checks, a window a killed run claimed, an operation
  // that ended), and a stream a killed run held is busy or blocked until its lease expires: up to 8 runs.
  const converge = async (): Promise<boolean> => {
    for (let attempt = 0; attempt < 8; attempt++) {
      lastRunAt = emulatorNow();
      const outcome = await launch(0, undefined);
      account(outcome, `converging run ${figures.convergeRuns + 1}`);
      figures.convergeRuns++;
      // Exit 3: a stream a killed run's lease still holds (`blocked`) — waited out like `busy`.
      if (outcome.code !== 0 && outcome.code !== 3)
        throw new Error(`the converging run failed:\n${outcome.stderr.slice(-3000)}`);
      const delivered = outcome.summary?.streams.reduce((sum, s) => sum + s.records, 0) ?? 0;
      const busy = outcome.summary?.streams.some((s) => s.status === 'busy' || s.status === 'blocked');
      if (attempt > 0 && delivered === 0 && !busy) return true;
      if (busy) offset.value += 6 * MINUTE;
    }
    return false;
  };
  offset.value += 100 * MINUTE;
  const settled = await converge();
  // A window those runs continued from a killed run's resume token is checked again 30 minutes after it
  // closed (its pages were read at different times): past that, and until nothing more is delivered.
  offset.value += 35 * MINUTE;
  figures.converged = settled && (await converge());

  await compare(options, figures, start, new Date(emulatorNow() - 90 * MINUTE), lastRunAt);
  await compareDocuments(options, figures, documents);
  figures.deadLetters = await target.deadLetters();
  return figures;
}

/** A stored record's identity, and the accepted request body that carried it (a SIEM API's). */
type Delivered = readonly [id: string, body: string | undefined];

const tagged =
  (id: (record: Record<string, unknown>) => string) =>
  (record: Record<string, unknown>): Delivered => [
    id(record),
    (record as { [ACCEPTED_IN]?: string })[ACCEPTED_IN],
  ];

/**
 * A snapshot set's rows (no time column) as the emulator shows them at `at`: the ground truth follows
 * the emulator's clock, so it is moved back there for the read.
 */
function snapshotAt(options: ChaosOptions, entitySet: string, at: number): string[] {
  const shift = Date.now() + options.offset.value - at;
  options.offset.value -= shift;
  try {
    return [...options.emulator.data.monitor(entitySet, { from: new Date(0), to: new Date(at) })].map(
      (row) => canonical(row) ?? '',
    );
  } finally {
    options.offset.value += shift;
  }
}

/**
 * Compares the sink with the ground truth for cursor values in [start, cutoff). A snapshot set is
 * compared with its rows: every version still current from the last converging run's start
 * (`lastRunAt`) to now was current when that run read the set, so it must be stored — once.
 */
async function compare(
  options: ChaosOptions,
  figures: ChaosFigures,
  start: Date,
  cutoff: Date,
  lastRunAt: number,
): Promise<void> {
  const truth = options.emulator.data;
  const tally = (expected: Iterable<string>, delivered: Iterable<Delivered>, stream: string) => {
    const counts = new Map<string, { n: number; bodies: Set<string> }>();
    for (const [id, body] of delivered) {
      const count = counts.get(id) ?? { n: 0, bodies: new Set<string>() };
      count.n++;
      if (body !== undefined) count.bodies.add(body);
      counts.set(id, count);
    }
    for (const id of expected) {
      figures.expected++;
      if (!counts.has(id)) {
        figures.lost++;
        if (figures.lostExamples.length < 5) figures.lostExamples.push(`${stream} ${id}`);
      }
    }
    for (const [id, { n, bodies }] of counts) {
      if (n > 1) {
        figures.duplicated += n - 1;
        if (figures.duplicatedExamples.length < 5) figures.duplicatedExamples.push(`${stream} ${id} ×${n}`);
        // Only a byte-identical resend may store a record twice: every copy in the same body.
        if (bodies.size > 1) {
          figures.differentBodies += n - 1;
          if (figures.differentBodyExamples.length < 5)
            figures.differentBodyExamples.push(
              `${stream} ${id} ×${n} in ${bodies.size} different bodies (${[...bodies].map((b) => b.slice(0, 12)).join(', ')})`,
            );
        }
      }
    }
  };

  // The admin audit logs: every System Log record once; every DaaS operation's final version once (an
  // operation read while it ran is also stored as it was then: a version, not a duplicate).
  const customer = options.emulator.connection.customerId;
  const inRangeOf = (field: string) => (record: Record<string, unknown>) => {
    const at = Date.parse(String(record[field]));
    return at >= start.getTime() && at < cutoff.getTime();
  };
  const systemLogId = (record: Record<string, unknown>) => `${record.recordId}@${record.utcTimestamp}`;
  tally(
    truth.systemLog(customer, { from: start, to: cutoff }).map(systemLogId),
    (await options.target.records('records')).filter(inRangeOf('utcTimestamp')).map(tagged(systemLogId)),
    'systemlog/records',
  );
  const operations = (await options.target.records('operations')).filter(inRangeOf('FormattedStartTime'));
  const operationId = (record: Record<string, unknown>) => `${record.Id}@${record.FormattedEndTime}`;
  tally(
    truth.configLog(customer, { from: start, to: cutoff }).map(operationId),
    operations.filter((record) => record.FormattedEndTime !== null).map(tagged(operationId)),
    'daasconfiglog/operations',
  );
  tally(
    [],
    operations
      .filter((record) => record.FormattedEndTime === null)
      .map(tagged((record) => canonical(record) ?? '')),
    'daasconfiglog/operations (running)',
  );

  for (const entitySet of options.monitorEntities) {
    if (truth.isSnapshot(entitySet)) {
      const version = ({
        ctxsiem_snapshot_time: _at,
        citrix_customer_id: _tenant,
        ...row
      }: Record<string, unknown>) => canonical(row) ?? '';
      const now = new Set(snapshotAt(options, entitySet, Date.now() + options.offset.value));
      const throughout = snapshotAt(options, entitySet, lastRunAt).filter((row) => now.has(row));
      tally(throughout, (await options.target.records(entitySet)).map(tagged(version)), entitySet);
      continue;
    }
    const key = truth.keyColumn(entitySet);
    const cursor = truth.cursorColumn(entitySet);
    const id = (record: Record<string, unknown>) => `${record[key]}@${record[cursor]}`;
    const inRange = (record: Record<string, unknown>) => {
      const at = Date.parse(String(record[cursor]));
      return at >= start.getTime() && at < cutoff.getTime();
    };
    const stored = (await options.target.records(entitySet)).filter(inRange).map(tagged(id));
    const expected = [...truth.monitor(entitySet, { from: start, to: cutoff })].map(id);
    const lostBefore = figures.lostExamples.length;
    tally(expected, stored, entitySet);
    // What was stored of a lost record's key, and how late the API showed it: the first clues.
    figures.lostExamples = figures.lostExamples.map((example, index) => {
      if (index < lostBefore) return example;
      const lostKey = example.split(' ')[1]?.split('@')[0] ?? '';
      const versions = stored
        .map(([version]) => version)
        .filter((version) => version.startsWith(`${lostKey}@`));
      const delay = truth.arrivalDelayMs(entitySet, /^\d+$/.test(lostKey) ? Number(lostKey) : lostKey);
      return `${example} (stored versions: ${versions.join(', ') || 'none'}; arrival delay ${Math.round(delay / 1000)} s)`;
    });
  }
  // A casodata row of an hour is updated while its session goes on (its content changes), so each read
  // may see a newer version: a row is lost when no version of its key reached the sink, duplicated when
  // the same version was stored twice.
  for (const entity of options.analyticsEntities) {
    const key = CASODATA_KEYS[entity] ?? 'id';
    const hours: number[] = [];
    for (let hour = start.getTime(); hour + HOUR <= cutoff.getTime(); hour += HOUR) hours.push(hour);
    const hourName = (hour: number) => new Date(hour).toISOString().replace('.000Z', 'Z');
    const inHours = new Set(hours.map(hourName));
    const stored = (await options.target.records(entity)).filter((record) =>
      inHours.has(String(record.citrix_hour_utc)),
    );
    const keyOf = (hour: unknown, raw: unknown) => `${hour} ${(raw as Record<string, unknown>)[key]}`;
    const storedKeys = new Set(stored.map((record) => keyOf(record.citrix_hour_utc, record.raw)));
    const expected = hours.flatMap((hour) =>
      truth.casodata(entity, new Date(hour)).map((raw) => keyOf(hourName(hour), raw)),
    );
    tally(
      expected,
      [...storedKeys].map((key): Delivered => [key, undefined]),
      `casodata/${entity}`,
    );
    // Identical versions stored more than once.
    tally(
      [],
      stored.map(tagged((record) => `${record.citrix_hour_utc} ${canonical(record.raw)}`)),
      `casodata/${entity}`,
    );
  }
}

/**
 * Compares the telemetry stream with the documents written: each content's records (by documentId)
 * stored once each — a version missing records is loss, a record stored twice (or a copy read again)
 * duplication.
 */
async function compareDocuments(options: ChaosOptions, figures: ChaosFigures, documents: DocumentTruth) {
  const stored = await options.target.records('telemetry');
  const byDocument = new Map<string, string[]>();
  const bodies = new Map<string, Set<string>>();
  for (const record of stored) {
    const id = String(record.documentId);
    const [version, body] = tagged((r) => canonical(r) ?? '')(record);
    byDocument.set(id, [...(byDocument.get(id) ?? []), version]);
    if (body !== undefined) bodies.set(version, (bodies.get(version) ?? new Set()).add(body));
  }
  // Only a byte-identical resend may store a record twice: every copy in the same body.
  for (const [version, carriers] of bodies) {
    if (carriers.size < 2) continue;
    figures.differentBodies += carriers.size - 1;
    if (figures.differentBodyExamples.length < 5)
      figures.differentBodyExamples.push(
        `telemetry ${version.slice(0, 80)} in ${carriers.size} different bodies`,
      );
  }
  for (const [sha256, document] of documents) {
    const records = byDocument.get(sha256) ?? [];
    const distinct = new Set(records).size;
    figures.expected += document.records;
    const lost = Math.max(0, document.records - distinct);
    const extra = records.length - Math.min(distinct, document.records);
    figures.lost += lost;
    figures.duplicated += extra;
    if (lost > 0 && figures.lostExamples.length < 5)
      figures.lostExamples.push(
        `telemetry ${document.name} ${sha256.slice(0, 12)}: ${lost} of ${document.records}`,
      );
    if (extra > 0 && figures.duplicatedExamples.length < 5)
      figures.duplicatedExamples.push(`telemetry ${document.name} ${sha256.slice(0, 12)}: ${extra} more`);
    byDocument.delete(sha256);
  }
  for (const [sha256, records] of byDocument) {
    figures.duplicated += records.length;
    if (figures.duplicatedExamples.length < 5)
      figures.duplicatedExamples.push(
        `telemetry: ${records.length} records of a document never written (${sha256})`,
      );
  }
}

/** One line of figures, as the test prints it. */
export function formatFigures(f: ChaosFigures): string {
  const paused = Object.entries(f.pausedOutcomes)
    .map(([how, n]) => `${how} ${n}`)
    .join(', ');
  return (
    `chaos ${f.target}: runs ${f.runs}, processes ${f.processes}, kills ${f.kills}, overlaps ${f.overlaps}, ` +
    `SIGTERM ${f.sigterms}, SIGHUP ${f.sighups}, pauses ${f.pauses}${paused ? ` (paused ones ended: ${paused})` : ''}, ` +
    `busy ${f.busy}, blocked ${f.blocked}, runs ended blocked ${f.blockedRuns}, runs ended conflict ${f.conflictRuns} (not paused ${f.otherConflictRuns}; streams ${f.conflicts}), failed streams ${f.failed}, ` +
    `faults ${f.faults}, SIEM faults ${f.siemFaults}, query-timeout runs ${f.queryTimeoutRuns}, splits ${f.splits}, horizon jumps ${f.horizonJumps}, ` +
    `adopted parts ${f.adoptedParts}, late records ${f.lateRecords}, telemetry documents ${f.documents}, ` +
    `${f.converged ? `converged in ${f.convergeRuns} runs` : `NOT converged after ${f.convergeRuns} runs`}, ` +
    `records expected ${f.expected}, lost ${f.lost}, duplicated ${f.duplicated} (in different bodies ${f.differentBodies}), ` +
    `possibly duplicated counted ${f.possiblyDuplicated} (in summaries; killed runs' logs said ${f.possiblyDuplicatedLogged}, reported again by their successors)`
  );
}
