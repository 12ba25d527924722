import { readFileSync } from 'node:fs';
import { testReadmeOptions } from '@ctxsiem/test-kit/options-table';
import { describe, expect, it } from 'vitest';
import { azureMonitorSinkConnector } from '../src/connector.ts';

const README = new URL('../README.md', import.meta.url);

testReadmeOptions({ readme: README, tables: [{ id: 'sink', schema: azureMonitorSinkConnector.schema }] });

describe('README', () => {
  it('explains streams, the gzip limit, the ledger and its limit, the record id and de-duplication, failures, the library choice and each dependency', () => {
    const readme = readFileSync(README, 'utf8');
    for (const text of [
      'Custom-CitrixMonitorSessions',
      'Requests of at most 1 MB after gzip',
      'delivery ledger',
      'one request in flight',
      'Monitoring Metrics Publisher',
      '## Why not `@azure/monitor-ingestion`',
      '## Record id: de-duplicating in KQL',
      'summarize arg_max(TimeGenerated, *) by CtxsiemRecordId',
      'resent after its answer was lost',
    ])
      expect(readme).toContain(text);
    const dependencies = readme.split('## Dependencies')[1] ?? '';
    for (const dep of ['@azure/identity', '@ctxsiem/core', 'zod']) expect(dependencies).toContain(dep);
  });
});
