import { readFileSync } from 'node:fs';
import { testReadmeOptions } from '@ctxsiem/test-kit/options-table';
import { describe, expect, it } from 'vitest';
import { sentinelConnector } from '../src/connector.ts';

const README = new URL('../README.md', import.meta.url);

testReadmeOptions({ readme: README, tables: [{ id: 'source', schema: sentinelConnector.schema }] });

describe('README', () => {
  it('documents the regional brokers, the host name switch and each runtime dependency', () => {
    const readme = readFileSync(README, 'utf8');
    for (const host of [
      'casnb-0.citrix.com:9094',
      'casnb-eu-0.citrix.com:9094',
      'casnb-aps-0.citrix.com:9094',
    ])
      expect(readme).toContain(host);
    expect(readme).toContain('verifyHostname: false');
    const dependencies = readme.split('## Dependencies')[1] ?? '';
    for (const dep of ['@platformatic/kafka', 'kafkajs', '@ctxsiem/core', 'zod'])
      expect(dependencies).toContain(dep);
  });
});
