/**
 * The type check of the READMEs' ```ts blocks (`readme-blocks.ts` finds them) — all of them in one TypeScript program, each compiled as a module of the package whose
 * README shows it, under the repository's own compiler options (`tsconfig.base.json`: strict, ESM,
 * `customConditions: ['@ctxsiem/source']`, so the workspace packages resolve to their sources). The
 * modules and their tsconfig exist only for the compiler (its virtual file system): nothing is written.
 */
import { dirname, join } from 'node:path';
import { API } from 'typescript/unstable/sync';
import type { CodeBlock } from './readme-blocks.ts';

/** What a README's examples take from the reader, and where they compile. */
export interface Assumptions {
  /** The names the examples use without defining them → their types, as `declare const name: Type;`. */
  declare?: Record<string, string>;
  /**
   * The package folder (relative to the repository) whose dependencies the examples import, when not
   * the README's own (its package's dependencies and the package itself, by its name): one for all the
   * README's blocks, or one a block.
   */
  compiledIn?: string | readonly string[];
}

export interface Checked {
  block: CodeBlock;
  /** The module the check compiled: the prelude of declarations, then the block. */
  source: string;
  /** One line a compiler diagnostic: `<file> ts block <index>, line <n> (README line <m>): TS<code> <text>`. */
  diagnostics: string[];
}

/** The declarations a README's examples are compiled after, one line a name. */
export function prelude(assumptions: Assumptions | undefined): string {
  return Object.entries(assumptions?.declare ?? {})
    .map(([name, type]) => `declare const ${name}: ${type};\n`)
    .join('');
}

/** A compiler message with its chain, on one line. */
function message(diagnostic: {
  text: string;
  messageChain?: readonly { text: string }[] | undefined;
}): string {
  return [diagnostic.text, ...(diagnostic.messageChain ?? []).map(message)].join(' ');
}

/**
 * Type-checks every block in one program (one compiler process, one program over all of them). Each block
 * becomes a module next to the README it comes from (or in `compiledIn`), its prelude first; the
 * diagnostics are reported by the block's own lines and the README's.
 */
export function typeCheck(
  root: string,
  blocks: readonly CodeBlock[],
  assumptions: Readonly<Record<string, Assumptions>>,
): Checked[] {
  const modules = blocks.map((block) => {
    const compiledIn = assumptions[block.file]?.compiledIn;
    const folder =
      (typeof compiledIn === 'string' ? compiledIn : compiledIn?.[block.index]) ?? dirname(block.file);
    const head = prelude(assumptions[block.file]);
    // `export {}` last keeps each block a module of its own, whatever it imports.
    const source = `${head}${block.code}\nexport {};\n`;
    return {
      block,
      source,
      preludeLines: head ? head.split('\n').length - 1 : 0,
      path: join(root, folder, `README.ts-example-${block.file.replaceAll('/', '_')}-${block.index}.ts`),
    };
  });
  const config = join(root, 'tsconfig.readme-examples.json');
  const files: Record<string, string> = {
    [config]: JSON.stringify({
      extends: './tsconfig.base.json',
      compilerOptions: { noEmit: true },
      files: modules.map(({ path }) => path),
    }),
    ...Object.fromEntries(modules.map(({ path, source }) => [path, source])),
  };
  const api = new API({
    cwd: root,
    fs: {
      readFile: (name) => files[name],
      fileExists: (name) => (name in files ? true : undefined),
    },
  });
  try {
    const snapshot = api.updateSnapshot({ openProjects: [config] });
    const program = snapshot.getProject(config)!.program;
    const setup = [...program.getConfigFileParsingDiagnostics(), ...program.getProgramDiagnostics()];
    if (setup.length) throw new Error(`the examples' program: ${setup.map(message).join('; ')}`);
    return modules.map(({ block, source, preludeLines, path }) => ({
      block,
      source,
      diagnostics: [...program.getSyntacticDiagnostics(path), ...program.getSemanticDiagnostics(path)].map(
        (diagnostic) => {
          const line = source.slice(0, diagnostic.pos).split('\n').length - preludeLines;
          const where =
            line < 1
              ? `the prelude's line ${line + preludeLines}`
              : `line ${line} (README line ${block.line + line - 1})`;
          return `${block.file} ts block ${block.index}, ${where}: TS${diagnostic.code} ${message(diagnostic)}`;
        },
      ),
    }));
  } finally {
    api.close();
  }
}
