/**
 * The READMEs a reader meets and the fenced code blocks they show (indented ones too: a numbered
 * step's), with where each starts — what the README tests read: the shell commands
 * (`readme-commands.ts`), the TypeScript and JSON examples (`readme-code-blocks.ts`), the configuration
 * documents (`readme-config-examples.test.ts`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The READMEs a reader meets, in the order the walk takes them: the root's first. */
export function readmeFiles(root: string): string[] {
  const nested = ['apps', 'packages', 'test'].flatMap((parent) =>
    readdirSync(join(root, parent), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => join(parent, entry.name, 'README.md'))
      .sort(),
  );
  return ['README.md', 'content/README.md', 'terraform/README.md', ...nested].filter((file) => {
    try {
      readFileSync(join(root, file));
      return true;
    } catch {
      return false;
    }
  });
}

export interface CodeBlock {
  /** The README, relative to the repository. */
  file: string;
  /** Its position among the README's blocks of the same language, from 0. */
  index: number;
  /** The README's line of the block's first code line (the line after the opening fence), from 1. */
  line: number;
  /** The code, without the indentation of the fence. */
  code: string;
}

/** The blocks of one language (`ts`, `json`…) of a Markdown text, in order. */
export function codeBlocks(file: string, markdown: string, languages: readonly string[]): CodeBlock[] {
  const fence = new RegExp(
    `^([ \\t]*)\`\`\`(?:${languages.join('|')})[ \\t]*\\n([\\s\\S]*?)^\\1\`\`\``,
    'gm',
  );
  return [...markdown.matchAll(fence)].map((match, index) => {
    const indent = match[1]!;
    return {
      file,
      index,
      line: markdown.slice(0, match.index).split('\n').length + 1,
      code: match[2]!
        .split('\n')
        .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line.trimStart()))
        .join('\n'),
    };
  });
}

/** Every README's blocks of those languages, README by README in `readmeFiles` order. */
export function readmeBlocks(root: string, languages: readonly string[]): CodeBlock[] {
  return readmeFiles(root).flatMap((file) =>
    codeBlocks(file, readFileSync(join(root, file), 'utf8'), languages),
  );
}
