/**
 * Runs a Dockerfile's build without Docker (there is no engine here): each stage gets a folder that
 * stands for its filesystem, `WORKDIR`, `ENV`, `COPY` (from the context, filtered by `.dockerignore`
 * with Docker's own matching rules, or `--from` an earlier stage) and `RUN` are carried out in it, and
 * the last stage's `ENTRYPOINT` + `CMD` and `HEALTHCHECK` can be started from it.
 *
 * What stands in for the base image: this machine's Node (its major must be the image tag's) and its
 * shell, with the stage's `/usr/local` as npm's global prefix, as in the official Node images. `RUN`
 * keeps the user's HOME, so pnpm reuses this machine's package store instead of downloading again.
 * Absolute paths inside the stage are mapped into its folder for `COPY`, `WORKDIR` and the arguments
 * of the exec-form commands; a `RUN` command must use paths relative to its `WORKDIR`.
 *
 * An instruction this runner does not model fails the build, naming it: a Dockerfile that grows one
 * must grow this runner too, rather than pass a test that skipped it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cp, mkdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, posix, relative } from 'node:path';
import dockerignore from '@balena/dockerignore';
import { Copy, DockerfileParser, Env, Healthcheck, type Instruction, JSONInstruction } from 'dockerfile-ast';

export interface Stage {
  /** `FROM … AS name`, or the stage's index. */
  name: string;
  image: string;
  /** The folder standing for the stage's `/`. */
  root: string;
  /** The working directory, as a path inside the stage. */
  workdir: string;
  env: Record<string, string>;
  user: string | undefined;
  expose: string[];
  /** `HEALTHCHECK`'s flags (`--interval` …) and exec-form command. */
  healthcheck: { flags: Record<string, string>; command: string[] } | undefined;
  entrypoint: string[];
  cmd: string[];
  /** Where each `COPY` into this stage came from: the context, or another stage's name. */
  copiedFrom: string[];
}

export interface BuildOptions {
  dockerfile: string;
  /** The build context (the repository's root). */
  context: string;
  /** An empty folder for the stages' filesystems. */
  into: string;
  /** Each RUN's output, as it comes. */
  log?: (text: string) => void;
}

const SUPPORTED = new Set([
  'FROM',
  'ARG',
  'ENV',
  'WORKDIR',
  'RUN',
  'COPY',
  'USER',
  'EXPOSE',
  'HEALTHCHECK',
  'ENTRYPOINT',
  'CMD',
]);

/** A path inside the stage (absolute, or relative to its working directory) → the host's path. */
export function hostPath(stage: Stage, path: string): string {
  return join(stage.root, posix.resolve(stage.workdir, path));
}

function expand(text: string, variables: Record<string, string>): string {
  return text.replace(
    /\$\{(\w+)\}|\$(\w+)/g,
    (_, braced: string, bare: string) => variables[braced ?? bare] ?? '',
  );
}

/**
 * The machine's proxy and certificate settings, which a build's network would have (the registries
 * here are reached through them); nothing else of the test's environment reaches a RUN.
 */
function machineNetwork(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && /proxy|cert|_ca_|ssl/i.test(entry[0]),
    ),
  );
}

/** Runs `command` with `sh -c`, rejecting with its output when it fails. */
function shell(command: string, cwd: string, env: Record<string, string>, log?: (text: string) => void) {
  return new Promise<void>((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk;
      log?.(chunk.toString());
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`RUN ${command} exited ${code}:\n${output.slice(-4000)}`)),
    );
  });
}

function jsonArguments(instruction: Instruction): string[] {
  const strings = instruction instanceof JSONInstruction ? instruction.getJSONStrings() : [];
  if (strings.length === 0)
    throw new Error(
      `line ${instruction.getRange().start.line + 1}: ${instruction.getKeyword()} must use the exec (JSON) form`,
    );
  return strings.map((argument) => argument.getJSONValue());
}

export async function buildDockerfile(options: BuildOptions): Promise<Stage[]> {
  const text = await readFile(options.dockerfile, 'utf8');
  const dockerfile = DockerfileParser.parse(text);
  // A CommonJS module: its `default` property is the factory itself, which is what TypeScript types.
  const ignore = dockerignore
    .default({ ignorecase: false })
    .add((await readFile(join(options.context, '.dockerignore'), 'utf8').catch(() => '')).split('\n'));
  const args: Record<string, string> = {};
  for (const arg of dockerfile.getInitialARGs()) {
    const property = arg.getProperty();
    if (property) args[property.getName()] = property.getValue() ?? '';
  }
  const stages: Stage[] = [];
  let stage: Stage | undefined;
  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword();
    const line = instruction.getRange().start.line + 1;
    if (!SUPPORTED.has(keyword)) throw new Error(`line ${line}: ${keyword} is not modelled by this build`);
    if (keyword === 'ARG') continue;
    if (keyword === 'FROM') {
      const words = instruction.getArguments().map((argument) => argument.getValue());
      const image = expand(words[0] ?? '', args);
      const name = words[1]?.toUpperCase() === 'AS' ? words[2]! : String(stages.length);
      const tagMajor = /^node:(\d+)/.exec(image)?.[1];
      if (tagMajor !== process.versions.node.split('.')[0])
        throw new Error(
          `line ${line}: ${image} is not a Node ${process.versions.node.split('.')[0]} image, which this build stands in for`,
        );
      stage = {
        name,
        image,
        root: join(options.into, `stage-${name}`),
        workdir: '/',
        env: {},
        user: undefined,
        expose: [],
        healthcheck: undefined,
        entrypoint: [],
        cmd: [],
        copiedFrom: [],
      };
      await mkdir(join(stage.root, 'usr', 'local', 'bin'), { recursive: true });
      stages.push(stage);
      continue;
    }
    if (!stage) throw new Error(`line ${line}: ${keyword} before FROM`);
    const env = stage.env;
    const words = instruction.getArguments().map((argument) => expand(argument.getValue(), env));
    switch (keyword) {
      case 'ENV':
        if (!(instruction instanceof Env)) throw new Error(`line ${line}: ENV did not parse as one`);
        for (const property of instruction.getProperties())
          stage.env[property.getName()] = property.getValue() ?? '';
        break;
      case 'WORKDIR':
        stage.workdir = posix.resolve(stage.workdir, words[0]!);
        await mkdir(hostPath(stage, '.'), { recursive: true });
        break;
      case 'USER':
        stage.user = words[0];
        break;
      case 'EXPOSE':
        stage.expose.push(...words);
        break;
      case 'ENTRYPOINT':
        stage.entrypoint = jsonArguments(instruction);
        break;
      case 'CMD':
        stage.cmd = jsonArguments(instruction);
        break;
      case 'HEALTHCHECK': {
        const healthcheck = instruction;
        if (!(healthcheck instanceof Healthcheck))
          throw new Error(`line ${line}: HEALTHCHECK did not parse as one`);
        const flags = Object.fromEntries(
          healthcheck.getFlags().map((flag) => [flag.getName(), flag.getValue() ?? '']),
        );
        const form = /\bCMD\s+(\[.*\])\s*$/s.exec(healthcheck.getArgumentsContent() ?? '')?.[1];
        if (!form) throw new Error(`line ${line}: HEALTHCHECK must be CMD in the exec (JSON) form`);
        stage.healthcheck = { flags, command: JSON.parse(form) as string[] };
        break;
      }
      case 'RUN': {
        const command = instruction.getArgumentsContent() ?? '';
        const nodeBin = dirname(process.execPath);
        await shell(
          command,
          hostPath(stage, '.'),
          {
            ...machineNetwork(),
            ...stage.env,
            HOME: process.env.HOME ?? '/root',
            PATH: `${join(stage.root, 'usr', 'local', 'bin')}:${nodeBin}:/usr/local/bin:/usr/bin:/bin`,
            npm_config_prefix: join(stage.root, 'usr', 'local'),
          },
          options.log,
        );
        break;
      }
      case 'COPY':
        if (!(instruction instanceof Copy)) throw new Error(`line ${line}: COPY did not parse as one`);
        await copy(instruction, stage, stages, options.context, ignore, words);
        break;
    }
  }
  return stages;
}

async function copy(
  instruction: Copy,
  stage: Stage,
  stages: Stage[],
  context: string,
  ignore: ReturnType<typeof dockerignore.default>,
  words: string[],
): Promise<void> {
  const flags = Object.fromEntries(
    instruction.getFlags().map((flag) => [flag.getName(), flag.getValue() ?? '']),
  );
  const unknown = Object.keys(flags).filter((flag) => flag !== 'from' && flag !== 'chown');
  if (unknown.length > 0) throw new Error(`COPY --${unknown.join(', --')} is not modelled by this build`);
  const sources = words.slice(0, -1);
  const destination = words.at(-1)!;
  const from = flags.from === undefined ? undefined : stages.find((earlier) => earlier.name === flags.from);
  if (flags.from !== undefined && !from) throw new Error(`COPY --from=${flags.from}: no such stage`);
  stage.copiedFrom.push(from ? from.name : 'context');
  const intoDirectory = destination.endsWith('/') || sources.length > 1;
  for (const source of sources) {
    const path = from ? hostPath(from, source) : join(context, source);
    const directory = (await stat(path)).isDirectory();
    const target =
      directory || !intoDirectory
        ? hostPath(stage, destination)
        : join(hostPath(stage, destination), posix.basename(source));
    await cp(path, target, {
      recursive: true,
      filter: (file) => {
        if (from) return true;
        const inContext = relative(context, file);
        return inContext === '' || !ignore.ignores(inContext);
      },
    });
  }
}

/** Starts the last stage's `ENTRYPOINT` with `CMD` (or `args` in its place), as `docker run` would. */
export function run(stage: Stage, args?: string[], env: Record<string, string> = {}): ChildProcess {
  return execInStage(stage, [...stage.entrypoint, ...(args ?? stage.cmd)], env);
}

/**
 * Runs an exec-form command in the stage: `node` is this machine's Node, absolute paths (in its words
 * and in the image's variables) are the stage's.
 */
export function execInStage(stage: Stage, command: string[], env: Record<string, string> = {}): ChildProcess {
  const [program, ...rest] = command.map((word) => (word.startsWith('/') ? hostPath(stage, word) : word));
  if (!program) throw new Error('an empty command');
  const executable = program === 'node' ? process.execPath : program;
  return spawn(executable, rest, {
    cwd: hostPath(stage, '.'),
    // A variable holding an absolute path (the image's CTXSIEM_CONFIG_FILE) names the stage's file.
    env: {
      ...Object.fromEntries(
        Object.entries(stage.env).map(([name, value]) => [
          name,
          value.startsWith('/') ? hostPath(stage, value) : value,
        ]),
      ),
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
