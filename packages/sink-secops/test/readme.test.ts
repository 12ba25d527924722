import { readFileSync } from 'node:fs';
import { testReadmeOptions } from '@ctxsiem/test-kit/options-table';
import { describe, expect, it } from 'vitest';
import { secopsSinkConnector } from '../src/connector.ts';

const README = new URL('../README.md', import.meta.url);

testReadmeOptions({ readme: README, tables: [{ id: 'sink', schema: secopsSinkConnector.schema }] });

describe('README', () => {
  it('explains log types, request sizes, the ledger and its limit, failures, auth and each dependency', () => {
    const readme = readFileSync(README, 'utf8');
    for (const text of [
      'CITRIX_SESSION_METADATA',
      'CITRIX_MONITOR',
      'CITRIX_ANALYTICS',
      '4,000,000',
      'delivery ledger',
      'one request in flight',
      'chronicle.logs.import',
      'deadLetters',
    ])
      expect(readme).toContain(text);
    const dependencies = readme.split('## Dependencies')[1] ?? '';
    for (const dep of ['google-auth-library', '@ctxsiem/core', 'zod']) expect(dependencies).toContain(dep);
  });
});
