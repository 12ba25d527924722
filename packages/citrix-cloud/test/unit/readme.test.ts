import { readFileSync } from 'node:fs';
import { optionRows } from '@ctxsiem/core/config';
import { testReadmeOptions } from '@ctxsiem/test-kit/options-table';
import { describe, expect, it } from 'vitest';
import { CitrixCloudConfigSchema } from '../../src/index.ts';

const README = new URL('../../README.md', import.meta.url);

testReadmeOptions({ readme: README, tables: [{ id: 'config', schema: CitrixCloudConfigSchema }] });

describe('README', () => {
  it('documents the nested backoff options as dotted rows', () => {
    const names = optionRows(CitrixCloudConfigSchema).map((row) => row.name);
    expect(names).toEqual(expect.arrayContaining(['backoff', 'backoff.baseMs', 'backoff.maxMs']));
  });

  it('has a Dependencies section explaining each runtime dependency', () => {
    const section = readFileSync(README, 'utf8').split('## Dependencies')[1]?.split('\n## ')[0] ?? '';
    for (const dep of ['undici', 'zod', '@ctxsiem/core', 'p-retry']) expect(section).toContain(dep);
  });
});
