/**
 * `apps/container/Dockerfile`, built without Docker (see dockerfile-build.ts): its build stage runs for
 * real — pnpm from the registry, the workspace's install from the lockfile, the bundle — and the image's
 * stage is started as `docker run` would: `serve` collects from the emulator on schedule, the
 * `HEALTHCHECK` command passes while it runs and fails once it stopped, and SIGTERM drains it.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkpointKey } from '@ctxsiem/core';
import { type Emulator, startEmulator } from '@ctxsiem/emulator';
import { fileCheckpointStore, readStoredRecords } from '@ctxsiem/sink-file';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIGURES_COMMAND, staleFigures } from '../../../scripts/artifact-figures.ts';
import { buildDockerfile, execInStage, hostPath, run, type Stage } from './dockerfile-build.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');

let dir: string;
let stages: Stage[];
let image: Stage;
let emulator: Emulator;
let buildLog = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctxsiem-dockerfile-'));
  const now = Date.now();
  emulator = await startEmulator({ seed: 5, pageSize: 50, sessionsPerHour: 60, now: () => now });
  try {
    stages = await buildDockerfile({
      dockerfile: join(ROOT, 'apps', 'container', 'Dockerfile'),
      context: ROOT,
      into: join(dir, 'stages'),
      log: (text) => {
        buildLog += text;
      },
    });
  } catch (error) {
    throw new Error(`${(error as Error).message}\n--- build output ---\n${buildLog.slice(-4000)}`);
  }
  image = stages.at(-1)!;
}, 300_000);
afterAll(async () => {
  await emulator?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Every file under `path`, relative to it. */
async function filesUnder(path: string): Promise<string[]> {
  const entries = await readdir(path, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(path.length + 1));
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('close', (code) => resolve(code)));
}

function stderrOf(child: ChildProcess): { text: string } {
  const output = { text: '' };
  child.stderr!.on('data', (chunk) => {
    output.text += chunk;
  });
  return output;
}

async function until(check: () => boolean, what: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A config that collects Sessions from the emulator into `out` every two seconds. */
const serveConfig = (out: string) => ({
  tenants: [{ customerId: 'demo', clientId: 'demo', clientSecret: 'demo', apiBase: emulator.url }],
  sources: [{ type: 'monitor', entities: ['Sessions'] }],
  sink: { type: 'file', directory: out },
  checkpoint: { type: 'file', directory: join(out, '_state') },
  runner: { lookbackMinutes: 60 },
  serve: { schedules: [{ cron: '*/2 * * * * *' }], host: '127.0.0.1', port: 0, drainSeconds: 20 },
});

describe('the container image', () => {
  it('is built in two stages and runs the bundle as an unprivileged user', () => {
    expect(stages.map((stage) => stage.name)).toEqual(['build', '1']);
    expect(image.image).toMatch(/^node:24\.\d+\.\d+-[a-z]+-slim$/);
    expect(image.user).toBe('node');
    expect(image.copiedFrom).toEqual(['build']);
    expect(image.expose).toEqual(['9464']);
    expect(image.env.NODE_ENV).toBe('production');
    expect(image.entrypoint).toEqual(['node', '/app/cli.mjs']);
    // `serve` reads the config mounted at /etc/ctxsiem/config.yaml, or CTXSIEM_CONFIG when it is set.
    expect(image.cmd).toEqual(['serve']);
    expect(image.env.CTXSIEM_CONFIG_FILE).toBe('/etc/ctxsiem/config.yaml');
    // The unprivileged user's home (the node images create it owned by `node`): writable for it.
    expect(image.workdir).toBe('/home/node');
    expect(image.healthcheck?.command).toEqual(['node', '/app/healthcheck.mjs']);
    expect(image.healthcheck?.flags).toMatchObject({ interval: '30s', timeout: '5s' });
  });

  it('holds production code only: the bundle, no node_modules, no sources, no dev tooling', async () => {
    const files = await filesUnder(image.root);
    expect(files).toContain('app/cli.mjs');
    expect(files).toContain('app/healthcheck.mjs');
    // The Kafka routing worker's entry and the module it loads, beside the CLI (core's routing-workers).
    expect(files).toContain('app/routing-worker.mjs');
    expect(files).toContain('app/message-routing.mjs');
    expect(
      files.filter(
        (file) =>
          !/^app\/(cli|healthcheck|routing-worker|message-routing)\.mjs$|^app\/chunks\/[\w-]+\.mjs$/.test(
            file,
          ),
      ),
    ).toEqual(
      // The stand-in for the base image's global prefix, empty in the runtime stage.
      [],
    );
  });

  it('installs in its build stage only what the bundle is built from: no terraform provider bindings', async () => {
    const build = stages[0]!;
    const installed = await readdir(hostPath(build, '/src/node_modules/.pnpm'));
    // The CLI's own dependencies are there, and the bundler…
    expect(installed.some((name) => name.startsWith('commander@'))).toBe(true);
    expect(installed.some((name) => name.startsWith('esbuild@'))).toBe(true);
    // …but not terraform/'s cdktf and its provider bindings, nor the workspace's other apps.
    expect(installed.filter((name) => /^(@cdktf|cdktf|constructs)[+@]/.test(name))).toEqual([]);
    expect(installed.some((name) => name.startsWith('@google-cloud+functions-framework@'))).toBe(false);
  });

  it('has the bundle’s size and the memory minimum in the README as the build and the measurement give them', async () => {
    const files = await filesUnder(join(image.root, 'app'));
    let bytes = 0;
    for (const file of files) bytes += (await stat(join(image.root, 'app', file))).size;
    const readme = await readFile(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    expect(staleFigures(readme, 'container', bytes), `stale: run ${FIGURES_COMMAND}`).toBeUndefined();
  });

  it("registers no test connector: the test kit's generated source is not in the image", async () => {
    const listing = run(image, ['connectors', '--json']);
    let stdout = '';
    listing.stdout!.on('data', (chunk) => {
      stdout += chunk;
    });
    expect(await exitOf(listing)).toBe(0);
    const types = (JSON.parse(stdout) as { type: string }[]).map((connector) => connector.type);
    expect(types).toContain('monitor');
    expect(types).not.toContain('generated');
  });

  it('builds from a context without local or built files (.dockerignore)', async () => {
    const build = stages[0]!;
    const copied = await readdir(hostPath(build, '.'));
    expect(copied).toContain('pnpm-lock.yaml');
    expect(copied).not.toContain('.git');
    expect(copied).not.toContain('out');
    // Built on this machine before the test, kept out of the context: the image builds its own.
    expect(await readdir(hostPath(build, 'packages/core'))).not.toContain('dist');
    expect(await readdir(hostPath(build, 'apps/container'))).not.toContain('dist');
  });

  it('serves: collects on schedule, passes its HEALTHCHECK, and drains on SIGTERM', async () => {
    const out = join(dir, 'volume', 'out');
    const config = serveConfig(out);
    // The volume of `docker run -v …:/etc/ctxsiem/config.yaml`.
    await mkdir(hostPath(image, '/etc/ctxsiem'), { recursive: true });
    await writeFile(hostPath(image, '/etc/ctxsiem/config.yaml'), JSON.stringify(config));

    const daemon = run(image);
    const exited = exitOf(daemon);
    const log = stderrOf(daemon);
    let url = '';
    try {
      await until(
        () => /scheduled collection finished"/.test(log.text),
        () => `a scheduled collection:\n${log.text.slice(-3000)}`,
      );
      url = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(log.text)![1]!;
      const check = execInStage(image, image.healthcheck!.command, { CTXSIEM_HEALTH_URL: `${url}/healthz` });
      const checkOutput = stderrOf(check);
      expect({ code: await exitOf(check), stderr: checkOutput.text }).toEqual({ code: 0, stderr: '' });
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
    } finally {
      daemon.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(log.text).toMatch(/SIGTERM: draining/);

    // What the image stored is the emulator's data for the range its checkpoint covers, once each.
    const state = (await fileCheckpointStore({ directory: join(out, '_state') }).read(
      checkpointKey('demo', 'monitor', 'Sessions'),
    ))!.state;
    const stored = (await readStoredRecords(join(out, 'Sessions'))).map(
      (r) => `${r.SessionKey}@${r.ModifiedDate}`,
    );
    const truth = [
      ...emulator.data.monitor('Sessions', { from: new Date(state.origin!), to: new Date(state.position) }),
    ].map((r) => `${r.SessionKey}@${r.ModifiedDate}`);
    expect(truth.length).toBeGreaterThan(0);
    expect(stored.toSorted()).toEqual(truth.toSorted());

    // Stopped: the same HEALTHCHECK now fails, saying why.
    const check = execInStage(image, image.healthcheck!.command, { CTXSIEM_HEALTH_URL: `${url}/healthz` });
    const checkOutput = stderrOf(check);
    expect(await exitOf(check)).toBe(1);
    expect(checkOutput.text).toMatch(/^unhealthy: http:\/\/127\.0\.0\.1:\d+\/healthz: ECONNREFUSED/);
  }, 90_000);

  it('serves the config in CTXSIEM_CONFIG with the default command, the mounted file aside', async () => {
    const out = join(dir, 'volume', 'inline-out');
    const config = serveConfig(out);
    const daemon = run(image, undefined, { CTXSIEM_CONFIG: JSON.stringify(config) });
    const exited = exitOf(daemon);
    const log = stderrOf(daemon);
    try {
      await until(
        () => /scheduled collection finished"/.test(log.text),
        () => `a scheduled collection:\n${log.text.slice(-3000)}`,
      );
    } finally {
      daemon.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect((await readStoredRecords(join(out, 'Sessions'))).length).toBeGreaterThan(0);
  }, 90_000);

  it('a command given without --config says that CTXSIEM_CONFIG_FILE names a file that is not there', async () => {
    await rm(hostPath(image, '/etc/ctxsiem/config.yaml'), { force: true });
    const status = run(image, ['status']);
    const log = stderrOf(status);
    expect(await exitOf(status)).not.toBe(0);
    expect(log.text).toMatch(/cannot read .*config\.yaml: ENOENT/);
    expect(log.text).toMatch(/CTXSIEM_CONFIG_FILE names .*: mount the config there, or set CTXSIEM_CONFIG/);
  }, 60_000);

  it("`demo` writes its files under the working directory, the unprivileged user's home", async () => {
    const demo = run(image, ['demo', '--json']);
    const log = stderrOf(demo);
    expect(await exitOf(demo), log.text.slice(-2000)).toBe(0);
    expect(await readdir(hostPath(image, '/home/node/out/demo'))).toContain('Sessions');
  }, 120_000);
});
