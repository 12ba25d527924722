import { DeploymentConfigSchema } from '@ctxsiem/registry';
import { beforeAll, describe, expect, it } from 'vitest';

/** Analyzing every item takes seconds on a busy machine: a deadline for liveness only. */
const ANALYSIS = 300_000;

import { sentinelContent } from '../src/sentinel/content-files.ts';
import {
  type ContentSelection,
  contentPlan,
  isoDuration,
  stableUuid,
} from '../src/sentinel/deployment-plan.ts';
import type { KqlTable } from '../src/sentinel/kql-workspace.ts';
import { contentDeployment, deploymentTables } from '../src/sentinel/workspace-tables.ts';

const ALL: ContentSelection = {
  functions: true,
  asimUnifyingParsers: true,
  rules: true,
  rulesEnabled: true,
  hunting: true,
  workbooks: true,
};
const content = sentinelContent();
let every: KqlTable[];
let monitorOnly: KqlTable[];

beforeAll(async () => {
  every = await deploymentTables(contentDeployment());
  // An environment collecting Monitor's default sets only (Machines, Sessions, Connections, Applications,
  // Users): no connection failures, no audit logs, no risk events.
  monitorOnly = await deploymentTables(
    DeploymentConfigSchema.parse({
      tenants: [{ customerId: 'a', clientId: 'a', clientSecret: 'x' }],
      sources: [{ type: 'monitor' }],
      sink: { type: 'file', directory: 'x' },
      checkpoint: { type: 'file', directory: 'x' },
    }),
  );
}, 120_000);

describe('what an environment deploys of the Sentinel content', () => {
  it('everything, when the sources collect every table the content reads', { timeout: ANALYSIS }, () => {
    const plan = contentPlan({ environment: 'e', tables: every, content, selection: ALL });
    expect(plan.skipped).toEqual([]);
    expect(plan.rules).toHaveLength(content.rules.length);
    expect(plan.hunting).toHaveLength(content.hunting.length);
    expect(plan.workbooks).toHaveLength(1);
    expect(plan.functions.map((fn) => fn.name)).toContain('Im_AuthenticationCustom');
  });

  it('leaves out what reads a table the environment lacks, naming it — and keeps the rest', {
    timeout: ANALYSIS,
  }, () => {
    const plan = contentPlan({ environment: 'e', tables: monitorOnly, content, selection: ALL });
    const skipped = new Map(plan.skipped.map(({ item, reason }) => [item, reason]));
    expect(skipped.get('function vimAuditEventCitrixCloud')).toMatch(
      /needs CitrixDaaSConfigOps_CL, CitrixSystemlogRecords_CL/,
    );
    expect(skipped.get('function vimAuthenticationCitrixDaaS')).toBe(
      'needs CitrixMonitorConnectionFailureLogs_CL',
    );
    expect(skipped.get('rule risk-jump')).toMatch(/needs CitrixAnalytics_riskScoreChange_V1_CL/);
    expect(skipped.get('rule new-admin')).toBeDefined();
    // The Monitor defaults are enough for the concurrent-sessions rule and the latest-version functions.
    expect(plan.rules.map((rule) => rule.key)).toEqual(['concurrent-sessions']);
    expect(plan.functions.map((fn) => fn.name)).toContain('CitrixMonitorSessionsLatest');
  });

  it('follows the selection: no unifying parsers, named rules only, and refuses a rule the data cannot support', {
    timeout: ANALYSIS,
  }, () => {
    const plan = contentPlan({
      environment: 'e',
      tables: every,
      content,
      selection: {
        ...ALL,
        asimUnifyingParsers: false,
        rules: ['risk-jump'],
        hunting: false,
        workbooks: false,
      },
    });
    expect(plan.functions.map((fn) => fn.name).filter((name) => name.endsWith('Custom'))).toEqual([]);
    expect(plan.rules.map((rule) => rule.key)).toEqual(['risk-jump']);
    expect(plan.hunting).toEqual([]);
    expect(plan.workbooks).toEqual([]);
    expect(() =>
      contentPlan({
        environment: 'e',
        tables: monitorOnly,
        content,
        selection: { ...ALL, rules: ['risk-jump'] },
      }),
    ).toThrow(/sentinelContent.rules: risk-jump needs CitrixAnalytics_riskScoreChange_V1_CL/);
    expect(() =>
      contentPlan({ environment: 'e', tables: every, content, selection: { ...ALL, rules: ['nope'] } }),
    ).toThrow(/no rule nope; there are: api-client-created/);
  });

  it('names workbooks by a stable UUID and writes durations as ISO 8601', () => {
    expect(stableUuid('prod/workbooks/a.json')).toBe(stableUuid('prod/workbooks/a.json'));
    expect(stableUuid('prod/workbooks/a.json')).not.toBe(stableUuid('dev/workbooks/a.json'));
    expect(stableUuid('x')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([isoDuration('10m'), isoDuration('1h'), isoDuration('14d')]).toEqual(['PT10M', 'PT1H', 'P14D']);
  });
});
