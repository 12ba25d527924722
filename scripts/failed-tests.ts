/**
 * Prints each failed test of a vitest JSON report on a few lines of its own — its file, its name, and
 * the start and the end of its message — so that the end of a long `make test` log (what CI shows) says what
 * failed and why, not only how many. Secrets are never in these messages: the suites' collector
 * output is scanned separately, and messages come from assertions.
 *
 *   node scripts/failed-tests.ts report.json
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface Report {
  testResults: {
    name: string;
    status: string;
    message?: string;
    assertionResults: { fullName: string; status: string; failureMessages?: string[] }[];
  }[];
}

const HEAD_CHARS = 300;
const TAIL_CHARS = 900;
/** The start of a long message (what failed) and its end (why: a child's stderr comes last). */
const shortened = (text: string) =>
  text.length <= HEAD_CHARS + TAIL_CHARS
    ? text
    : `${text.slice(0, HEAD_CHARS)}\n[… ${text.length - HEAD_CHARS - TAIL_CHARS} characters …]\n${text.slice(-TAIL_CHARS)}`;
/** The message without colour codes and stack frames (the file is named already). */
const plain = (text: string) =>
  text
    // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes from the reporter
    .replace(/\u001b\[[0-9;]*m/g, '')
    .split('\n')
    .filter((line) => !/^\s*at /.test(line))
    .join('\n')
    .trim();

const file = process.argv[2];
if (!file) throw new Error('usage: node scripts/failed-tests.ts <vitest json report>');
const report = JSON.parse(readFileSync(file, 'utf8')) as Report;
for (const suite of report.testResults) {
  const where = relative(process.cwd(), suite.name);
  if (suite.status === 'failed' && suite.assertionResults.length === 0)
    console.log(`FAILED ${where} (the file did not run): ${shortened(plain(suite.message ?? ''))}`);
  for (const test of suite.assertionResults.filter((t) => t.status === 'failed'))
    console.log(
      `FAILED ${where} › ${test.fullName}:\n  ${shortened(plain(test.failureMessages?.[0] ?? '')).replaceAll('\n', '\n  ')}`,
    );
}
