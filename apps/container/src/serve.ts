/**
 * `ctxsiem serve`: the long-running collector. Pull sources run on their schedules (cron, UTC, with
 * jitter; a tick still running when the next is due makes that one skip, and the runner's stream
 * leases keep two replicas off one stream); stream sources are consumed continuously, one consumer per
 * tenant, restarted with backoff when they fail. SIGTERM stops the schedules, lets running collections
 * stop at a page boundary and consumers commit, within `serve.drainSeconds`. SIGHUP reloads the config:
 * a config that does not load is refused with the reason and the running one goes on.
 *
 * Replicas (several `serve` processes on one checkpoint store and one Kafka group) share the work with
 * no coordinator: each tick walks the tenants and streams in an order of the replica's own (seeded by
 * its id and the tick), takes what no other replica holds — a tenant's source (its hold: one request
 * in flight per tenant), a stream (its lease) — and leaves what is held at once (busy); a killed
 * replica's leases end after `runner.leaseSeconds`, and the next tick of another takes its streams
 * over where they stopped. Kafka's group protocol shares the partitions.
 */
import {
  abortableSleep,
  backoffDelayMs,
  type Clock,
  ConfigError,
  consume,
  describeError,
  type Logger,
  newLeaseOwner,
  type SecretRegistry,
} from '@ctxsiem/core';
import { buildDeploymentSink, collect, eachSource } from '@ctxsiem/deployment';
import {
  buildCheckpointStore,
  type DeploymentConfig,
  findConnector,
  isStreamSource,
} from '@ctxsiem/registry';
import { Cron } from 'croner';
import { DaemonMetrics } from './daemon-metrics.ts';
import type { Readiness } from './health-server.ts';

/** Every schedule's cron expression parses, or a `ConfigError` names the one that does not. */
function checkSchedules(config: DeploymentConfig): void {
  const issues = config.serve.schedules.flatMap((schedule, index) => {
    try {
      new Cron(schedule.cron, { paused: true, timezone: 'UTC' }).stop();
      return [];
    } catch (error) {
      return [{ path: `serve.schedules[${index}].cron`, reason: (error as Error).message }];
    }
  });
  if (issues.length > 0) throw new ConfigError('config', issues);
}

export interface DaemonDeps {
  logger: Logger;
  clock: Clock;
  secrets: SecretRegistry;
  /**
   * This replica's id: the seed of the order its ticks attempt tenants and streams in (default: host,
   * pid and a random suffix — unique per process, so replicas differ without configuration).
   */
  replica?: string | undefined;
}

/** Everything one loaded config runs: its schedules and consumers, stopped together. */
class Generation {
  readonly controller = new AbortController();
  readonly jobs: Cron[] = [];
  readonly running = new Set<Promise<unknown>>();

  track(work: Promise<unknown>): void {
    this.running.add(work);
    void work.finally(() => this.running.delete(work));
  }

  /** Stops the schedules and asks running work to stop; true when it all finished within `ms`. */
  async stop(ms: number): Promise<boolean> {
    for (const job of this.jobs) job.stop();
    this.controller.abort(new Error('stopping'));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    const drained = Promise.allSettled([...this.running]).then(() => true);
    const result = await Promise.race([drained, timedOut]);
    clearTimeout(timer);
    return result;
  }
}

export class Daemon {
  readonly #deps: DaemonDeps;
  #config: DeploymentConfig;
  #generation: Generation;
  readonly metrics: DaemonMetrics;
  /** The sink's probe under the running config: pending, ok, or why it failed. */
  #sinkProbe = 'pending';
  /** Each tenant's consumer: joining, or joined (it reported its partitions). */
  readonly #consumers = new Map<string, 'joining' | 'joined'>();
  /** This replica's id, and its ticks so far: each tick's order of attempts is seeded by both. */
  readonly replica: string;
  #ticks = 0;

  private constructor(config: DeploymentConfig, deps: DaemonDeps) {
    this.#config = config;
    this.#deps = deps;
    this.replica = deps.replica ?? newLeaseOwner();
    this.metrics = new DaemonMetrics(deps.clock.now());
    this.#generation = this.#start(config);
  }

  /** Starts the schedules and consumers of `config`; an invalid cron expression is a `ConfigError`. */
  static start(config: DeploymentConfig, deps: DaemonDeps): Daemon {
    checkSchedules(config);
    return new Daemon(config, deps);
  }

  get config(): DeploymentConfig {
    return this.#config;
  }

  /**
   * Replaces the running config with what `load` returns. If it fails (a file that does not parse, a
   * field that is invalid) the reason is logged and the running config goes on.
   */
  async reload(load: () => Promise<DeploymentConfig>): Promise<boolean> {
    const { logger } = this.#deps;
    let next: DeploymentConfig;
    try {
      next = await load();
      checkSchedules(next);
    } catch (error) {
      logger.error(
        { err: describeError(error) },
        'the new configuration was refused: the running one goes on',
      );
      this.metrics.reloaded(false, this.#deps.clock.now());
      return false;
    }
    const drained = await this.#generation.stop(this.#config.serve.drainSeconds * 1000);
    if (!drained)
      logger.warn('work of the previous configuration was still stopping when the new one started');
    this.#config = next;
    this.#generation = this.#start(next);
    this.metrics.reloaded(true, this.#deps.clock.now());
    logger.info({ schedules: next.serve.schedules.length }, 'configuration reloaded');
    return true;
  }

  /** Ready: the sink answered its probe and every consumer joined its group. */
  readiness(): Readiness {
    const checks: Record<string, string> = { sink: this.#sinkProbe };
    for (const [tenant, state] of this.#consumers) checks[`consumer ${tenant}`] = state;
    const ready =
      this.#sinkProbe === 'ok' && [...this.#consumers.values()].every((state) => state === 'joined');
    this.metrics.readiness(ready);
    return { ready, checks };
  }

  /** Stops everything; true when running work finished within the drain deadline. */
  stop(): Promise<boolean> {
    return this.#generation.stop(this.#config.serve.drainSeconds * 1000);
  }

  #start(config: DeploymentConfig): Generation {
    const generation = new Generation();
    this.#sinkProbe = 'pending';
    this.#consumers.clear();
    generation.track(this.#probeSink(config, generation));
    const types: string[] = config.sources.map((source) => source.type);
    const streamTypes = types.filter((type) => findConnector('stream-source', type));
    const pullTypes = types.filter((type) => !streamTypes.includes(type));
    config.serve.schedules.forEach((schedule, index) => {
      const sources = (schedule.sources ?? pullTypes).filter((type) => pullTypes.includes(type));
      if (sources.length === 0) return;
      const job = new Cron(schedule.cron, { protect: true, timezone: 'UTC' }, async () => {
        const work = this.#tick(
          config,
          generation,
          index,
          { tenants: schedule.tenants, sources },
          schedule.jitterSeconds,
        );
        generation.track(work);
        await work;
      });
      generation.jobs.push(job);
    });
    if (streamTypes.length > 0) generation.track(this.#consumeStreams(config, generation, streamTypes));
    return generation;
  }

  async #tick(
    config: DeploymentConfig,
    generation: Generation,
    index: number,
    selection: { tenants?: readonly string[] | undefined; sources: readonly string[] },
    jitterSeconds: number,
  ): Promise<void> {
    const { logger } = this.#deps;
    const signal = generation.controller.signal;
    try {
      if (jitterSeconds > 0) await abortableSleep(Math.random() * jitterSeconds * 1000, signal);
      if (signal.aborted) return;
      const summary = await collect(
        config,
        {
          ...this.#deps,
          signal,
          // Each tick in an order of this replica's own: replicas start on different tenants and streams.
          spread: `${this.replica}/${this.#ticks++}`,
          // Counted as delivered, page by page: a collection cut short (SIGTERM) counts what it did.
          onPage: (stream, delivered) => this.metrics.delivered(stream, delivered),
          onStream: (stream, durationMs) =>
            this.metrics.streamEnded(stream, durationMs, this.#deps.clock.now()),
        },
        selection,
      );
      this.metrics.collected(index, summary);
      logger.info(
        {
          schedule: index,
          records: summary.totals.records,
          failed: summary.totals.failed,
          busy: summary.totals.busy,
          blocked: summary.totals.blocked,
          durationMs: summary.durationMs,
        },
        summary.totals.failed.length > 0
          ? 'scheduled collection finished with failures'
          : 'scheduled collection finished',
      );
    } catch (error) {
      if (!signal.aborted)
        logger.error({ schedule: index, err: describeError(error) }, 'scheduled collection failed');
    }
  }

  /**
   * The sink's real probe (a small write and delete), for readiness. A failed probe is logged and tried
   * again after a pause that grows (1 s, 2 s, 4 s … 1 min) until it passes or the generation stops: a
   * sink that was down when the daemon started makes it ready once it answers.
   */
  async #probeSink(config: DeploymentConfig, generation: Generation): Promise<void> {
    const signal = generation.controller.signal;
    const deps = { ...this.#deps, signal };
    for (let failures = 0; !signal.aborted; ) {
      try {
        const checkpoints = await buildCheckpointStore(config.checkpoint, deps);
        const sink = await buildDeploymentSink(config, deps, checkpoints);
        try {
          await sink.check();
          if (!signal.aborted) {
            this.#sinkProbe = 'ok';
            this.readiness();
            if (failures > 0) this.#deps.logger.info({ failures }, 'the sink answered its probe: ready');
          }
          return;
        } finally {
          await sink.close();
        }
      } catch (error) {
        if (signal.aborted) return;
        failures++;
        const retryInMs = backoffDelayMs(failures, { baseMs: 1_000, maxMs: 60_000 });
        this.#sinkProbe = `failed: ${describeError(error).split('\n')[0]} (probing again in ${Math.round(retryInMs / 1000)} s)`;
        this.readiness();
        this.#deps.logger.error(
          { err: describeError(error), retryInMs },
          'the sink probe failed: not ready; probing again after a pause',
        );
        await abortableSleep(retryInMs, signal).catch(() => undefined);
      }
    }
  }

  /** Every tenant's stream sources, consumed until the generation stops; a failed consumer backs off and starts again. */
  async #consumeStreams(config: DeploymentConfig, generation: Generation, types: string[]): Promise<void> {
    const { logger } = this.#deps;
    const signal = generation.controller.signal;
    const deps = { ...this.#deps, signal };
    const checkpoints = await buildCheckpointStore(config.checkpoint, deps);
    const sink = await buildDeploymentSink(config, deps, checkpoints);
    try {
      await eachSource(
        config,
        deps,
        async (source) => {
          if (!isStreamSource(source)) return;
          this.#consumers.set(source.tenant, 'joining');
          for (let failures = 0; !signal.aborted; ) {
            const summary = await consume({
              source,
              sink,
              claims: checkpoints.manifests,
              logger,
              clock: this.#deps.clock,
              ...source.consumption,
              signal,
              observe: {
                delivered: (stream, kind, records, bytes) =>
                  this.metrics.consumed(source.tenant, source.type, stream, kind, records, bytes),
                lag: (partitions) => {
                  this.#consumers.set(source.tenant, 'joined');
                  this.metrics.kafkaLag(source.tenant, source.type, source.log, partitions);
                },
              },
            });
            if (summary.status === 'ok') failures = 0;
            else {
              failures++;
              const waitMs = backoffDelayMs(failures, { baseMs: 1_000, maxMs: 5 * 60_000 });
              logger.error(
                { tenant: source.tenant, source: source.type, err: summary.error, retryInMs: waitMs },
                'the consumer failed: starting it again after a pause',
              );
              await abortableSleep(waitMs, signal).catch(() => undefined);
            }
          }
        },
        { sources: types },
        {
          tenantConcurrency: config.tenants.length,
          onTenantFailure: (tenant, error) =>
            logger.error({ tenant, err: describeError(error) }, 'the tenant’s consumers could not start'),
        },
      );
    } finally {
      await sink.close();
    }
  }
}
