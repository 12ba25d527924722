/**
 * The secret scan `make test` ends with: every line the test suites' collector processes wrote (kept
 * in `CTXSIEM_TEST_LOGS` by `keepProcessOutput`) is searched for every secret the tests used
 * (`TEST_SECRETS`), plain or JSON-escaped. Prints `secret scan: N log lines, M secrets` and exits 1 on
 * any hit, naming the file and line (with the secret itself masked).
 *
 *   node --conditions=@ctxsiem/source scripts/secret-scan.ts [folder]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_SECRETS, testLogDirectory } from '../packages/test-kit/src/test-logs.ts';

const directory = process.argv[2] ?? testLogDirectory();
const secrets = Object.values(TEST_SECRETS).flatMap((secret) => [
  secret,
  JSON.stringify(secret).slice(1, -1),
]);
let lines = 0;
const hits: string[] = [];
let files: string[] = [];
try {
  files = readdirSync(directory).filter((name) => name.endsWith('.log'));
} catch {
  files = [];
}
for (const name of files.sort()) {
  readFileSync(join(directory, name), 'utf8')
    .split('\n')
    .forEach((line, index) => {
      lines++;
      for (const secret of secrets)
        if (line.includes(secret))
          hits.push(`${name}:${index + 1}: ${line.replaceAll(secret, '<SECRET>').slice(0, 200)}`);
    });
}
for (const hit of hits) console.error(`secret found: ${hit}`);
console.log(`secret scan: ${lines} log lines, ${hits.length} secrets`);
process.exitCode = hits.length > 0 || files.length === 0 ? 1 : 0;
if (files.length === 0)
  console.error(`secret scan: no collector output under ${directory}: the suites kept nothing`);
