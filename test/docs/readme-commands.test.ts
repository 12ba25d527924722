/**
 * Every shell command the READMEs show runs as written (issue 34): the walk a newcomer takes — `make
 * demo`, then what the CLI section lists, from where the demo leaves them — and every other README's
 * commands, in the repository, one after another. Commands ending in `&` are started and left running
 * until the walk ends (they must name the `--port` they listen on: the walk waits for it); `ctxsiem
 * serve` runs until it is ready, then gets SIGTERM as the README says. A command this suite cannot run
 * (it needs a cloud, or changes the repository) is named in `NOT_RUN_HERE` with the reason, and the
 * walk says which it left. A README change that breaks a command fails here, naming the README.
 *
 * `make` targets run without remaking `deps` and `build` (`make test` made them first; see `asRun`), and
 * `./bin/ctxsiem` is the built CLI a reader runs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CliRun, processRun } from '@ctxsiem/test-kit';
import { afterAll, describe, expect, it } from 'vitest';
import { readmeFiles } from './readme-blocks.ts';
import { asRun, commandKey, NOT_RUN_HERE, type ReadmeCommand, shellCommands } from './readme-commands.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** What a command must leave behind, beyond exiting 0 (its README comment says it does). */
const LEAVES: Record<string, string[]> = {
  'apps/lambda/README.md: make build': [
    'apps/lambda/dist/lambda.zip',
    'apps/lambda/dist/lambda.zip.base64sha256',
  ],
  'apps/cloud-function/README.md: make build': [
    'apps/cloud-function/dist/function.zip',
    'apps/cloud-function/dist/function.zip.base64sha256',
  ],
  'terraform/README.md: make synth ENV=prod-gcp': ['terraform/cdktf.out/stacks/prod-gcp/cdk.tf.json'],
  'README.md: make demo': ['out/demo/ctxsiem.yaml', 'out/demo/_state'],
};

/** A reader's environment: their PATH and HOME (the project's cache), nothing of this test process. */
function readerEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'CTXSIEM_CACHE', 'CTXSIEM_TEST_LOGS'])
    if (process.env[name] !== undefined) env[name] = process.env[name]!;
  return env;
}

type Finished = CliRun;

function start(command: string): ChildProcess {
  // Its own process group, so that what it starts (make → node) is stopped with it.
  return spawn('bash', ['-c', asRun(command)], {
    cwd: ROOT,
    env: readerEnvironment(),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
}

/** Resolves once `check` answers true, asking again until then; rejects if `exited` settles first. */
async function pollUntil(
  what: string,
  check: () => Promise<boolean>,
  exited: Promise<unknown>,
): Promise<void> {
  let gone = false;
  const mark = () => {
    gone = true;
  };
  exited.then(mark, mark);
  for (;;) {
    if (gone) throw new Error(`it exited before ${what}`);
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

/** Whether something accepts connections on the port. */
const accepting = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/** Whether `url` answers 200. */
const answers = (url: string) =>
  fetch(url).then(
    (response) => response.status === 200,
    () => false,
  );

const tail = (text: string) => text.split('\n').slice(-40).join('\n');

const commands: ReadmeCommand[] = readmeFiles(ROOT).flatMap((file) =>
  shellCommands(file, readFileSync(join(ROOT, file), 'utf8')),
);
const background: { child: ChildProcess; done: Promise<Finished> }[] = [];
/** What each command that ran printed, by its key. */
const printed = new Map<string, Finished>();

afterAll(async () => {
  for (const { child, done } of background) {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGTERM');
    await done.catch(() => undefined);
  }
});

describe('the READMEs’ shell commands', () => {
  it('are found where the walk starts (README.md: make demo, then the CLI section)', () => {
    expect(commands.slice(0, 1).map(commandKey)).toEqual(['README.md: make demo']);
    expect(commands.filter((c) => c.file === 'README.md').length).toBeGreaterThan(15);
  });

  it('each command left out is in a README, and the reason is said', () => {
    const keys = new Set(commands.map(commandKey));
    expect(Object.keys(NOT_RUN_HERE).filter((key) => !keys.has(key))).toEqual([]);
    const left = commands.filter((c) => NOT_RUN_HERE[commandKey(c)] !== undefined);
    process.stdout.write(
      `README commands not run here:\n${left.map((c) => `  ${commandKey(c)}\n    ${NOT_RUN_HERE[commandKey(c)]}`).join('\n')}\n`,
    );
    expect(left.length).toBe(Object.keys(NOT_RUN_HERE).length);
  });

  for (const [index, readme] of commands.entries()) {
    const key = commandKey(readme);
    if (NOT_RUN_HERE[key] !== undefined) continue;
    const label = `readme-${index}`;
    it(`${key}`, { timeout: 600_000 }, async () => {
      const command = readme.command.replace(/\s*&$/, '');
      const leftRunning = readme.command.endsWith('&');
      const serves = /\bctxsiem serve\b/.test(command);
      // What it listens on: the port a command left running names (`--port N`, or N last), serve's 9464.
      const port = serves
        ? 9464
        : Number(/--port[ =](\d+)/.exec(command)?.[1] ?? /\s(\d{2,5})$/.exec(command)?.[1]);
      if (leftRunning || serves) {
        expect(port, `${key}: a command left running must name its port`).toBeGreaterThan(0);
        // Else the wait below would be answered by whatever holds the port: a walk whose process was
        // killed before its end leaves what it started running.
        expect(await accepting(port), `${key}: port ${port} is in use by another process`).toBe(false);
      }
      const child = start(command);
      // Every command's output goes to the secret scan, but a test server's: it prints its test
      // credentials for the reader (test/servers/README.md), by design.
      const done = processRun(child, command.startsWith('test/servers/') ? undefined : label);
      if (leftRunning) {
        background.push({ child, done });
        await pollUntil(`anything listened on port ${port}`, () => accepting(port), done);
        return;
      }
      if (serves) {
        await pollUntil('/readyz answered 200', () => answers(`http://127.0.0.1:${port}/readyz`), done);
        process.kill(-child.pid!, 'SIGTERM');
      }
      const result = await done;
      expect(result.code, `${key} exited ${result.code ?? result.signal}:\n${tail(result.stderr)}`).toBe(0);
      for (const file of LEAVES[key] ?? [])
        expect(existsSync(join(ROOT, file)), `${key} leaves ${file}`).toBe(true);
      printed.set(key, result);
    });
  }

  it('what `make demo` tells a reader to run next is in the walk, so each ran above as printed', () => {
    const demo = printed.get('README.md: make demo');
    expect(demo, 'make demo ran first').toBeDefined();
    const suggested = [...demo!.stderr.matchAll(/^ {2}(\.\/bin\/ctxsiem .+)$/gm)].map((match) => match[1]!);
    expect(suggested.length).toBeGreaterThan(3);
    const walked = new Set(commands.filter((c) => c.file === 'README.md').map((c) => c.command));
    expect(suggested.filter((command) => !walked.has(command))).toEqual([]);
  });
});
