/** The README's environment tables are the schema's, and it walks a user from the file to apply. */
import { readFileSync } from 'node:fs';
import { testReadmeOptions } from '@ctxsiem/test-kit/options-table';
import { describe, expect, it } from 'vitest';
import { AwsSchema, AzureSchema, EnvironmentSchema, GcpSchema, SecOpsSchema } from '../src/environment.ts';

const README = new URL('../README.md', import.meta.url);

testReadmeOptions({
  readme: README,
  tables: [
    { id: 'environment', schema: EnvironmentSchema },
    { id: 'aws', schema: AwsSchema },
    { id: 'gcp', schema: GcpSchema },
    { id: 'azure', schema: AzureSchema },
    { id: 'secops', schema: SecOpsSchema },
  ],
});

describe('terraform/README.md', () => {
  it('shows the path from an environment file to apply, and how to set each cloud’s secrets', () => {
    const readme = readFileSync(README, 'utf8');
    for (const step of [
      'make synth ENV=',
      'terraform -chdir=terraform/cdktf.out/stacks/<stack> init',
      'terraform -chdir=terraform/cdktf.out/stacks/<stack> apply',
      'aws secretsmanager put-secret-value',
      'gcloud secrets versions add',
      'az keyvault secret set',
      'checkov-waivers.json',
    ])
      expect(readme).toContain(step);
  });
});
