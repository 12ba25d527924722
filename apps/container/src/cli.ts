#!/usr/bin/env node
/**
 * The `ctxsiem` command line. Exit codes: 0 success, 1 a stream failed (the summary says which),
 * 2 invalid configuration or usage, 3 a stream blocked by the lease of a run that looks dead.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, CommanderError, Option } from '@commander-js/extra-typings';
import { ConfigError, configJsonSchema, createLogger, describeError, SecretRegistry } from '@ctxsiem/core';
import {
  azureDcr,
  type CollectSummary,
  collect,
  collectExitCode,
  EXIT_CODES,
  formatReport,
  loadConfig,
  recordSchemas,
  registerEnvironmentSecrets,
  type SourceDeps,
  warnIfMemoryLow,
} from '@ctxsiem/deployment';
import { connectors, connectorsText, type DeploymentConfig, DeploymentConfigSchema } from '@ctxsiem/registry';
import { BackfillProgress } from './backfill-progress.ts';
import { backfillRange } from './backfill-range.ts';
import {
  type DeadLetterSummary,
  formatDeadLetters,
  listDeployedDeadLetters,
  replayDeployedDeadLetters,
} from './dead-letters.ts';
import { DEMO_SOURCES, type DemoSource, demoEntities, runDemo } from './demo.ts';
import { DEMO_CONFIG, DEMO_OUT, STANDING_EMULATOR_PORT } from './demo-config.ts';
import { DEMO_SINKS, type DemoSink } from './demo-sinks.ts';
import { LICENSE_MODELS, SYSTEM_LOG_CASINGS, serveEmulator } from './emulator-command.ts';
import { startHealthServer } from './health-server.ts';
import { checkDeployment, formatListedStreams, listStreams, previewStream } from './inspect.ts';
import { processClock } from './process-clock.ts';
import { Daemon } from './serve.ts';
import { deploymentStatus, formatDeploymentStatus, resetState, showState } from './state.ts';

const EXIT_FAILED = EXIT_CODES.failed;
const EXIT_USAGE = EXIT_CODES.usage;

/**
 * Every secret this process knows, registered before anything can print: the secret environment
 * variables now, the config's secrets as it is loaded, tokens as they are obtained. The logger and
 * every message this CLI writes to stderr are scrubbed with it.
 */
const secrets = new SecretRegistry();
registerEnvironmentSecrets(secrets);

const program = new Command()
  .name('ctxsiem')
  .description('Move Citrix Cloud telemetry into SIEMs without losing or duplicating data.')
  .showHelpAfterError()
  .exitOverride();

const configOption = () =>
  new Option(
    '-c, --config <file>',
    'deployment config (JSON or YAML); without it, CTXSIEM_CONFIG (inline, s3:// or gs://), else the file CTXSIEM_CONFIG_FILE names (the image: /etc/ctxsiem/config.yaml), else environment variables',
  );

/**
 * The variable naming a config file read when neither `--config` nor `CTXSIEM_CONFIG` is given: the
 * image sets it to /etc/ctxsiem/config.yaml, so its default command serves a config mounted there, or
 * the one `CTXSIEM_CONFIG` holds.
 */
const CONFIG_FILE_VARIABLE = 'CTXSIEM_CONFIG_FILE';

/**
 * The deployment config, from (in order) `--config FILE`, `CTXSIEM_CONFIG`, the file
 * `CTXSIEM_CONFIG_FILE` names, the environment's variables. A `CTXSIEM_CONFIG` that `--config`
 * overrides is said to be ignored, on stderr and in the error when the file cannot be read.
 */
/** Variables that configure a deployment from the environment (the seeds' and SOURCE/SINK). */
const CONFIGURING_VARIABLES = [
  'CITRIX_CUSTOMER_ID',
  'CITRIX_CLIENT_ID',
  'CITRIX_CLIENT_SECRET',
  'API_BASE',
  'URL_DOMAIN',
  'SOURCE',
  'SINK',
];

async function readConfig(file: string | undefined): Promise<DeploymentConfig> {
  const inline = process.env.CTXSIEM_CONFIG?.trim();
  const defaultFile = process.env[CONFIG_FILE_VARIABLE]?.trim();
  // Given no configuration at all: the last demo's, if it is here; else say in one sentence what to give.
  const unconfigured =
    file === undefined &&
    !inline &&
    !defaultFile &&
    !CONFIGURING_VARIABLES.some((name) => process.env[name]?.trim());
  if (unconfigured && existsSync(DEMO_CONFIG)) {
    process.stderr.write(
      `ctxsiem: no configuration given: using ${DEMO_CONFIG}, the one \`ctxsiem demo\` left (pass --config, or set CITRIX_* variables, for yours)\n`,
    );
    return loadConfig(DEMO_CONFIG, secrets);
  }
  if (unconfigured) {
    try {
      return await loadConfig(undefined, secrets);
    } catch (error) {
      if (error instanceof ConfigError)
        error.message = `no configuration: pass --config <file>, set CTXSIEM_CONFIG, or set CITRIX_CUSTOMER_ID, CITRIX_CLIENT_ID and CITRIX_CLIENT_SECRET (\`make demo\` runs against the built-in emulator and leaves its configuration in ${DEMO_CONFIG}); missing:\n${error.message}`;
      throw error;
    }
  }
  let notice: string | undefined;
  if (file !== undefined && inline) {
    notice = `CTXSIEM_CONFIG is set but ignored: --config ${file} takes precedence (leave --config out to use CTXSIEM_CONFIG)`;
    process.stderr.write(`ctxsiem: ${notice}\n`);
  } else if (file === undefined && !inline && defaultFile) {
    file = defaultFile;
    notice = `${CONFIG_FILE_VARIABLE} names ${defaultFile}: mount the config there, or set CTXSIEM_CONFIG (inline, s3:// or gs://)`;
  }
  try {
    return await loadConfig(file, secrets);
  } catch (error) {
    if (notice && error instanceof Error) error.message = `${error.message}\n(${notice})`;
    throw error;
  }
}
const jsonOption = () =>
  new Option('--json', 'print only the machine-readable summary on stdout (human output goes to stderr)');

function interruptible(): AbortController {
  const controller = new AbortController();
  const stop = (signal: string) => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write(`\n${signal}: stopping at the next page boundary (again to quit at once)\n`);
    controller.abort(new Error(signal));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // A terminal that hangs up stops a one-off run the same way (the daemon reads SIGHUP as "reload").
  process.on('SIGHUP', () => stop('SIGHUP'));
  return controller;
}

function report(summary: CollectSummary, json: boolean | undefined, deadLetterExitCode = 0): void {
  if (json) {
    process.stdout.write(secrets.scrub(`${JSON.stringify(summary, null, 2)}\n`));
    process.stderr.write(secrets.scrub(formatReport(summary)));
  } else {
    process.stdout.write(secrets.scrub(formatReport(summary)));
  }
  const code = collectExitCode(summary, deadLetterExitCode);
  if (code !== 0) process.exitCode = code;
}

program
  .command('collect')
  .description('Collect every due window of every configured stream once, then exit.')
  .addOption(configOption())
  .addOption(jsonOption())
  .option('--budget-seconds <n>', 'stop cleanly at a page boundary after this many seconds', Number)
  .action(async (options) => {
    const config = await readConfig(options.config);
    if (options.budgetSeconds !== undefined) config.runner.budgetSeconds = options.budgetSeconds;
    const logger = createLogger({ level: config.logLevel, secrets });
    warnIfMemoryLow('container', logger);
    const summary = await collect(config, {
      logger,
      clock: processClock(),
      secrets,
      signal: interruptible().signal,
    });
    report(summary, options.json, config.runner.deadLetterExitCode);
  });

program
  .command('serve')
  .description(
    'Run until stopped: pull sources on their schedules (serve.schedules), stream sources consumed continuously. SIGTERM drains and exits; SIGHUP reloads the config (a bad one is refused and the running one goes on).',
  )
  .addOption(configOption())
  .action(async (options) => {
    const load = () => readConfig(options.config);
    const config = await load();
    const logger = createLogger({ level: config.logLevel, secrets });
    warnIfMemoryLow('container', logger);
    const daemon = Daemon.start(config, { logger, clock: processClock(), secrets });
    const health = await startHealthServer({
      host: config.serve.host,
      port: config.serve.port,
      readiness: () => daemon.readiness(),
      registry: daemon.metrics.registry,
    });
    logger.info(
      {
        schedules: config.serve.schedules.map((schedule) => schedule.cron),
        health: health.url,
        replica: daemon.replica,
      },
      `serving: collecting on schedule until SIGTERM; /healthz, /readyz and /metrics on ${health.url}`,
    );
    process.on('SIGHUP', () => {
      logger.info('SIGHUP: reloading the configuration');
      void daemon.reload(load);
    });
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        logger.info({ signal }, `${signal}: draining (at most ${daemon.config.serve.drainSeconds} s)`);
        void daemon.stop().then((drained) => {
          if (!drained) {
            logger.error('work was still running at the drain deadline: exiting anyway (checkpoints hold)');
            process.exitCode = EXIT_FAILED;
          }
          resolve();
        });
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    await health.close();
  });

program
  .command('backfill')
  .description(
    'Collect the windows of a past range under a checkpoint of their own: the live checkpoint does not move, and records a live run delivered are not delivered again. Resumable: run it again with the same range after Ctrl-C.',
  )
  .addOption(configOption())
  .addOption(jsonOption())
  .requiredOption(
    '--from <instant>',
    'start of the range: an ISO-8601 instant (2026-11-01T00:00:00Z) or a duration before the start of this hour (36h, 7d)',
  )
  .requiredOption('--to <instant>', 'end of the range, excluded; an instant or a duration, as --from')
  .option('--tenant <customerId...>', 'only these tenants')
  .option('--stream <name...>', 'only these streams (e.g. Sessions)')
  .action(async (options) => {
    const clock = processClock();
    const range = backfillRange(options.from, options.to, clock.now());
    const config = await readConfig(options.config);
    const logger = createLogger({ level: config.logLevel, secrets });
    const progress = new BackfillProgress(process.stderr);
    try {
      const summary = await collect(
        config,
        { logger, clock, secrets, signal: interruptible().signal },
        { tenants: options.tenant },
        {
          ...range,
          streams: options.stream,
          onPlan: (_tenant, _stream, windows) => progress.plan(windows),
          onWindow: (tenant, stream, window, records) => progress.window(tenant, stream, window, records),
        },
      );
      progress.stop();
      const { windows, records } = progress.totals;
      // A range with nothing in it is said, not left to a silent 0.
      if (windows === 0)
        process.stderr.write(
          `backfill: no window to collect from ${range.from.toISOString()} to ${range.to.toISOString()}: this range of the selected streams was collected already (a backfill resumes where it stopped)\n`,
        );
      else if (records === 0)
        process.stderr.write(
          `backfill: ${windows} window${windows === 1 ? '' : 's'} from ${range.from.toISOString()} to ${range.to.toISOString()}, no records in them\n`,
        );
      report(summary, options.json, config.runner.deadLetterExitCode);
    } finally {
      progress.stop();
    }
  });

program
  .command('demo')
  .description(
    'Run the main job on the embedded default: the built-in Citrix Cloud emulator → collector → files in out/demo (last 6 hours).',
  )
  .option('-o, --out <dir>', 'output folder', 'out/demo')
  .option('--sources <list>', `comma-separated sources to collect (${DEMO_SOURCES.join(', ')})`, 'monitor')
  .option(
    '--entities <list>',
    'Monitor entity sets to collect, comma-separated, or `all`: every set Citrix publishes (default: Machines, Sessions, Connections, Applications, Users)',
  )
  .addOption(
    new Option(
      '--sink <kind>',
      'where to write: local files, S3 on a local MinIO, GCS on a local fake-gcs-server',
    )
      .choices(DEMO_SINKS)
      .default('file'),
  )
  .addOption(jsonOption())
  .action(async (options) => {
    const sources = options.sources
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const unknown = sources.filter((s) => !DEMO_SOURCES.includes(s));
    if (unknown.length > 0 || sources.length === 0) {
      throw new ConfigError('demo', [
        { path: '--sources', reason: `must list some of ${DEMO_SOURCES.join(', ')}; got ${options.sources}` },
      ]);
    }
    const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', secrets });
    const summary = await runDemo({
      out: options.out,
      sources: sources as DemoSource[],
      entities: demoEntities(options.entities),
      sink: options.sink as DemoSink,
      logger,
      secrets,
      signal: interruptible().signal,
    });
    report(summary, options.json);
    process.stderr.write(
      `\n${summary.where}\n${summary.resumes ? 'Run the demo again and it resumes from its checkpoints.' : 'The next demo starts afresh: this server keeps nothing.'}\n`,
    );
    // Commands that work as shown: with no configuration they use the demo's own (out/demo).
    const withConfig = resolve(options.out) === resolve(DEMO_OUT) ? '' : ` --config ${summary.configFile}`;
    process.stderr.write(
      `Its configuration is ${summary.configFile}; look at what it did:\n` +
        ['status', 'state show', 'deadletter list']
          .map((command) => `  ./bin/ctxsiem ${command}${withConfig}\n`)
          .join(''),
    );
    if (options.sink === 'file') {
      // The recorded configuration points at a standing emulator serving the demo's data (demo-config.ts).
      process.stderr.write(
        `Against a standing emulator with the same data, where its configuration points:\n  ./bin/ctxsiem emulator --port ${STANDING_EMULATOR_PORT} &\n` +
          ['check', 'preview --stream Sessions', 'collect', 'backfill --from 2d --to 1d']
            .map((command) => `  ./bin/ctxsiem ${command}${withConfig}\n`)
            .join(''),
      );
    }
  });

program
  .command('emulator')
  .description(
    'Serve the offline Citrix Cloud (OAuth, Monitor OData, casodata, licensing, System Log, DaaS configuration log) until stopped.',
  )
  .option('--host <host>', 'interface to listen on', '127.0.0.1')
  .option('--port <n>', 'port (0 = any free port)', Number, 0)
  .option('--seed <n>', 'data seed: the same seed always serves the same data', Number, 1)
  .option('--sessions-per-hour <n>', 'sessions starting per hour', Number, 200)
  .option('--page-size <n>', 'server-driven Monitor page size', Number, 100)
  .option('--latency-ms <n>', 'latency added to every API response', Number, 0)
  .addOption(
    new Option(
      '--license-model <model>',
      'how the demo customer is licensed: User/Device (the licensing source’s usage and history), Concurrent (concurrentUsage) or both, as in `ctxsiem demo`',
    )
      .choices(LICENSE_MODELS)
      .default('both'),
  )
  .addOption(
    new Option(
      '--system-log-casing <casing>',
      'how the System Log spells its answer: camelCase as the live API answers, PascalCase as Citrix’s documentation shows it',
    )
      .choices(SYSTEM_LOG_CASINGS)
      .default('camelCase'),
  )
  .action(async (options) => {
    await serveEmulator(options);
    await new Promise(() => {});
  });

program
  .command('check')
  .description('Authenticate, probe the sink with a real write, and make one minimal query per stream.')
  .addOption(configOption())
  .addOption(jsonOption())
  .action(async (options) => {
    const config = await readConfig(options.config);
    const logger = createLogger({ level: config.logLevel, secrets });
    const lines = await checkDeployment(config, { logger, clock: processClock(), secrets });
    if (options.json) process.stdout.write(secrets.scrub(`${JSON.stringify(lines, null, 2)}\n`));
    const out = options.json ? process.stderr : process.stdout;
    for (const line of lines)
      out.write(secrets.scrub(`${line.ok ? 'ok  ' : 'FAIL'}  ${line.target}: ${line.detail}\n`));
    if (lines.some((line) => !line.ok)) process.exitCode = EXIT_FAILED;
  });

program
  .command('preview')
  .description(
    'Fetch one page of one stream (the most recent window) and print its records as NDJSON; writes nothing.',
  )
  .addOption(configOption())
  .option('--source <type>', 'only this source (monitor, analytics, …); default: every configured source')
  .option(
    '--stream <name>',
    'stream to preview, found in every configured source, collected or only offered (default: the first configured)',
  )
  .option('--window-minutes <n>', 'window length to query', Number, 60)
  .option(
    '--list-streams',
    'list every stream each source offers (Monitor: from its $metadata) with its cursor column, collected or not',
  )
  .addOption(jsonOption())
  .action(async (options) => {
    const config = await readConfig(options.config);
    const logger = createLogger({ level: config.logLevel, secrets });
    if (options.listStreams) {
      const streams = await listStreams(config, { logger, clock: processClock(), secrets });
      process.stdout.write(
        `${options.json ? JSON.stringify(streams, null, 2) : formatListedStreams(streams)}\n`,
      );
      return;
    }
    await previewStream(
      config,
      { logger, clock: processClock(), secrets },
      {
        source: options.source,
        stream: options.stream,
        windowMinutes: options.windowMinutes,
        write: (line) => process.stdout.write(line),
      },
    );
  });

program
  .command('status')
  .description(
    'Where each tenant × stream stands, from the checkpoints: position, lag, the last run and the last error; for stream sources, the consumer group’s offsets and lag per partition.',
  )
  .addOption(configOption())
  .addOption(jsonOption())
  .action(async (options) => {
    const config = await readConfig(options.config);
    const logger = createLogger({ level: config.logLevel, secrets });
    const status = await deploymentStatus(config, { logger, clock: processClock(), secrets });
    process.stdout.write(
      secrets.scrub(options.json ? `${JSON.stringify(status, null, 2)}\n` : formatDeploymentStatus(status)),
    );
  });

const state = program.command('state').description('Inspect or reset stream checkpoints.');
state
  .command('show')
  .description('Print every checkpoint (position, and the resume point inside a window).')
  .addOption(configOption())
  .action(async (options) => {
    process.stdout.write(await showState(await readConfig(options.config)));
  });
state
  .command('reset')
  .description('Delete checkpoints so the next run starts from the configured start again.')
  .addOption(configOption())
  .option('--stream <key>', 'only checkpoints whose key starts with this (tenant/source/stream)')
  .option('--yes', 'do not ask for confirmation (required when not on a terminal)')
  .action(async (options) => {
    if (!options.yes)
      throw new ConfigError('state reset', [
        { path: '--yes', reason: 'resetting re-collects data; pass --yes to confirm' },
      ]);
    process.stdout.write(await resetState(await readConfig(options.config), options.stream));
  });

const deadletter = program
  .command('deadletter')
  .description('Inspect dead-lettered records, and deliver those the streams accept now.');
const streamOption = () =>
  new Option('--stream <key>', 'only dead letters whose tenant/source/stream starts with this');

function reportDeadLetters(
  summary: DeadLetterSummary,
  replayed: boolean,
  json: boolean | undefined,
  deadLetterExitCode: number,
): void {
  const text = secrets.scrub(formatDeadLetters(summary, replayed));
  if (json) {
    process.stdout.write(secrets.scrub(`${JSON.stringify(summary, null, 2)}\n`));
    process.stderr.write(text);
  } else process.stdout.write(text);
  if (summary.totals.failed > 0) process.exitCode = EXIT_FAILED;
  else if (replayed && summary.totals.stillInvalid > 0 && deadLetterExitCode > 0)
    process.exitCode = deadLetterExitCode;
}

/** `deadletter list` and `deadletter replay`: the same options, and the same report. */
function deadLetterCommand(name: 'list' | 'replay', description: string) {
  const replay = name === 'replay';
  deadletter
    .command(name)
    .description(description)
    .addOption(configOption())
    .addOption(streamOption())
    .addOption(jsonOption())
    .action(async (options) => {
      const config = await readConfig(options.config);
      const logger = createLogger({ level: config.logLevel, secrets });
      const handle = replay ? replayDeployedDeadLetters : listDeployedDeadLetters;
      const summary = await handle(
        config,
        { logger, clock: processClock(), secrets },
        { select: options.stream, signal: interruptible().signal },
      );
      reportDeadLetters(summary, replay, options.json, replay ? config.runner.deadLetterExitCode : 0);
    });
}
deadLetterCommand(
  'list',
  'List the dead-letter parts in the sink: records, first reason, how many were replayed.',
);
deadLetterCommand(
  'replay',
  'Validate dead letters again with the configured streams and deliver those that pass, once: replaying again writes nothing twice.',
);

/** An action that prints, as JSON, what `describe` makes of the configured sources' streams. */
const printForConfig =
  (describe: (config: DeploymentConfig, deps: SourceDeps) => Promise<unknown>) =>
  async (options: { config?: string }) => {
    const config = await readConfig(options.config);
    const logger = createLogger({ level: config.logLevel, secrets });
    const described = await describe(config, { logger, clock: processClock(), secrets });
    process.stdout.write(`${JSON.stringify(described, null, 2)}\n`);
  };

program
  .command('azure')
  .description('Azure Monitor helpers.')
  .command('dcr')
  .description(
    "Print the data collection rule's stream declarations and data flows, and the custom tables, for the configured sources (JSON, for Terraform).",
  )
  .addOption(configOption())
  .action(printForConfig(azureDcr));

const configCommand = program.command('config').description('Configuration helpers.');
configCommand
  .command('schema')
  .description('Print the JSON Schema of the deployment config (generated from its zod schema).')
  .action(() => {
    process.stdout.write(`${JSON.stringify(configJsonSchema(DeploymentConfigSchema), null, 2)}\n`);
  });
configCommand
  .command('records')
  .description(
    "Print the JSON Schema of each configured stream's records, by {source}/{stream} (from the columns the Azure tables are made of).",
  )
  .addOption(configOption())
  .action(printForConfig(recordSchemas));

program
  .command('connectors')
  .description('List the installed connectors: sources, sinks and checkpoint stores, with their variables.')
  .option('--json', 'print them as JSON')
  .option('--wide', 'every column (package, environment variables) and the workspace-only connectors')
  .action((options) => {
    process.stdout.write(
      options.json
        ? `${JSON.stringify(
            connectors.map(({ type, kind, package: pkg, summary, env, siem }) => ({
              type,
              kind,
              package: pkg,
              summary,
              variables: env?.variables ?? {},
              ...(siem ? { siem } : {}),
            })),
            null,
            2,
          )}\n`
        : connectorsText(connectors, { wide: options.wide, columns: process.stdout.columns }),
    );
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
  } else if (error instanceof ConfigError) {
    process.stderr.write(secrets.scrub(`ctxsiem: ${error.message}\n`));
    process.exitCode = EXIT_USAGE;
  } else {
    process.stderr.write(secrets.scrub(`ctxsiem: ${describeError(error)}\n`));
    process.exitCode = EXIT_FAILED;
  }
}
