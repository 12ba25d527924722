/**
 * The shell commands the READMEs show, as a reader copies them: every ```sh block of the root README,
 * `content/`, `terraform/`, each app's and package's and each test folder's README, one command a line
 * (a trailing `# …` is the README's comment, not the command's). How the README test runs each is
 * below: as written, unless a command is named in `NOT_RUN_HERE` with the reason, so that a command a
 * README adds or changes is run — or refused until someone says why it cannot be.
 */
import { codeBlocks } from './readme-blocks.ts';

export interface ReadmeCommand {
  /** The README, relative to the repository. */
  file: string;
  /** The command, as written (without the README's trailing comment). */
  command: string;
  /** The README's comment on that line, if any. */
  comment: string;
}

/** The commands of a Markdown text's shell blocks (indented ones too: a numbered step's), in order. */
export function shellCommands(file: string, markdown: string): ReadmeCommand[] {
  const commands: ReadmeCommand[] = [];
  for (const block of codeBlocks(file, markdown, ['sh', 'bash', 'shell'])) {
    for (const raw of block.code.split('\n')) {
      const line = raw.trim();
      if (!line || line.startsWith('#')) continue;
      // A comment starts at ` #` outside quotes; no README command quotes a `#`.
      const at = line.search(/\s#(\s|$)/);
      commands.push({
        file,
        command: (at < 0 ? line : line.slice(0, at)).trim(),
        comment: at < 0 ? '' : line.slice(at).replace(/^\s*#\s?/, ''),
      });
    }
  }
  return commands;
}

const DOCKER =
  'needs a Docker engine, which the machine that tests it does not have: apps/container/test/dockerfile.test.ts builds the Dockerfile without one and runs its ENTRYPOINT + CMD against the emulator';

/**
 * Commands this suite cannot run as written, and why; the test says each. Keyed by README and command:
 * the same command elsewhere is run.
 */
export const NOT_RUN_HERE: Record<string, string> = {
  'README.md: make test':
    'this is the suite `make test` runs (CI runs it as written in a fresh clone: .ci/run)',
  'README.md: make new-source NAME=acmelogs':
    'it adds a package to the repository: test/scaffold runs it as written on a copy, then the generated package’s tests',
  'README.md: pnpm exec vitest run packages/source-acmelogs':
    'the package exists only after the scaffolder: test/scaffold runs these tests on its copy',
  'apps/container/README.md: docker build -f apps/container/Dockerfile -t ctxsiem .': DOCKER,
  'apps/container/README.md: docker run --rm ctxsiem demo': DOCKER,
  'apps/container/README.md: docker run -d -p 9464:9464 -v "$PWD/deploy.yaml:/etc/ctxsiem/config.yaml:ro" ctxsiem':
    DOCKER,
  'terraform/README.md: terraform -chdir=terraform/cdktf.out/stacks/<stack> init':
    'needs a cloud: the providers for AWS and Google are not served offline and `apply` needs an account; terraform/test plans the Azure stacks with OpenTofu and the azurerm provider built offline',
  'terraform/README.md: terraform -chdir=terraform/cdktf.out/stacks/<stack> apply':
    'needs a cloud account and its credentials (see the init line above)',
  'packages/monitor-model/README.md: git -C /work/.mirror/smitpi+CTXCloudApi/repo show <commit>:CTXCloudApi/Private/monitor-rest-apis.json > /tmp/oa.json':
    'needs a clone of smitpi/CTXCloudApi outside the project (its <commit> is recorded in the facts the script writes); packages/monitor-model/test checks the facts against the committed document',
  'packages/monitor-model/README.md: node packages/monitor-model/scripts/derive-openapi-facts.ts /tmp/oa.json --commit <commit>':
    'reads the document the line above fetches from that clone',
  'packages/monitor-model/README.md: node packages/monitor-model/scripts/derive-openapi-facts.ts /tmp/oa.json --commit <commit> --check':
    'reads the document the line above fetches from that clone',
};

/** The key of a command in `NOT_RUN_HERE`. */
export const commandKey = ({ file, command }: ReadmeCommand) => `${file}: ${command}`;

/**
 * `make` as the README writes it, without remaking `deps` and `build`: `make test` made them before the
 * suites ran, and remaking them would rewrite the `dist/` files other suites are reading meanwhile.
 */
export function asRun(command: string): string {
  return command.replace(/^make(?=\s)/, 'make --no-print-directory -o deps -o build');
}
