import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_SECRETS } from '@ctxsiem/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctxsiem } from './run-cli.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctxsiem-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const validEnv = () => ({
  SOURCE: 'generated',
  CITRIX_CUSTOMER_ID: 'acme',
  CITRIX_CLIENT_ID: 'client',
  CITRIX_CLIENT_SECRET: TEST_SECRETS.cli,
  OUTPUT_DIR: join(dir, 'out'),
  LOOKBACK_MINUTES: '90',
});

describe('ctxsiem CLI', () => {
  it('lists the installed connectors from the registry, as a table or as JSON', async () => {
    const table = await ctxsiem(['connectors']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^monitor +source +Citrix Monitor Service OData/m);
    expect(table.stdout).toMatch(/^s3 +checkpoint store +One JSON object per stream/m);
    expect(table.stdout).not.toMatch(/^generated /m);
    const wide = await ctxsiem(['connectors', '--wide']);
    expect(wide.stdout).toMatch(/^source +monitor +@ctxsiem\/source-monitor/m);
    expect(wide.stdout).toMatch(/^checkpoint store +s3 +@ctxsiem\/sink-s3/m);
    expect(wide.stdout).toMatch(/^source +generated +@ctxsiem\/source-generated/m);
    const json = await ctxsiem(['connectors', '--json']);
    const listed = JSON.parse(json.stdout) as {
      type: string;
      kind: string;
      variables: Record<string, string>;
    }[];
    expect(listed.find((c) => c.kind === 'sink' && c.type === 's3')?.variables.bucket).toBe('S3_BUCKET');
  });

  let firstTo = '';
  it('has --help on every command', async () => {
    for (const command of [
      [],
      ['collect'],
      ['demo'],
      ['state'],
      ['status'],
      ['backfill'],
      ['state', 'show'],
      ['state', 'reset'],
      ['config'],
      ['config', 'schema'],
      ['config', 'records'],
      ['deadletter'],
      ['deadletter', 'list'],
      ['deadletter', 'replay'],
      ['azure', 'dcr'],
    ]) {
      const result = await ctxsiem([...command, '--help']);
      expect(result.code, command.join(' ')).toBe(0);
      expect(result.stdout).toContain('Usage: ctxsiem');
    }
    // Fifteen CLI processes one after another: on a loaded machine each start takes seconds.
  }, 180_000);

  it('prints the Azure DCR and tables of the configured sources, TimeGenerated from each cursor field', async () => {
    const result = await ctxsiem(['azure', 'dcr'], {
      env: {
        CITRIX_CUSTOMER_ID: 'acme',
        CITRIX_CLIENT_ID: 'id',
        CITRIX_CLIENT_SECRET: 'dcr-secret-value-1',
        ENTITIES: 'Sessions,SessionMetrics',
      },
    });
    expect(result.code, result.stderr).toBe(0);
    const declaration = JSON.parse(result.stdout);
    expect(Object.keys(declaration.streamDeclarations)).toEqual([
      'Custom-CitrixMonitorSessions',
      'Custom-CitrixMonitorSessionMetrics',
    ]);
    expect(declaration.dataFlows[1].transformKql).toContain("todatetime(['CollectedDate'])");
    expect(Object.keys(declaration.tables)).toEqual([
      'CitrixMonitorSessions_CL',
      'CitrixMonitorSessionMetrics_CL',
    ]);
  });

  it("prints the JSON Schema of each configured stream's records, from the same columns", async () => {
    const result = await ctxsiem(['config', 'records'], {
      env: {
        SOURCE: 'licensing',
        CITRIX_CUSTOMER_ID: 'acme',
        CITRIX_CLIENT_ID: 'id',
        CITRIX_CLIENT_SECRET: 'records-secret-value-1',
        LICENSING_TELEMETRY: 's3://uploads/licensing',
      },
    });
    expect(result.code, result.stderr).toBe(0);
    const schemas = JSON.parse(result.stdout);
    expect(Object.keys(schemas)).toEqual(['licensing/usage', 'licensing/history', 'licensing/telemetry']);
    const telemetry = schemas['licensing/telemetry'];
    expect(telemetry.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(telemetry.properties.eventTime).toMatchObject({ format: 'date-time' });
    expect(telemetry.properties.documentVersion.type).toEqual(['integer', 'null']);
    expect(telemetry.required).toEqual(['citrix_customer_id']);
    expect(result.stdout).not.toContain('records-secret-value-1');
  });

  it('prints the JSON Schema generated from the config schema', async () => {
    const result = await ctxsiem(['config', 'schema']);
    const schema = JSON.parse(result.stdout);
    expect(schema.properties.tenants.items.properties.clientSecret.description).toContain('env:NAME');
    expect(schema.required).toEqual(expect.arrayContaining(['tenants', 'sources', 'sink', 'checkpoint']));
  });

  it('collects from environment variables; --json prints only the summary on stdout', async () => {
    const result = await ctxsiem(['collect', '--json'], { env: validEnv() });
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    firstTo = summary.streams[0].to;
    expect(summary.streams[0]).toMatchObject({
      tenant: 'acme',
      source: 'generated',
      stream: 'events',
      status: 'ok',
    });
    for (const field of ['from', 'to', 'records', 'pages', 'status'])
      expect(summary.streams[0]).toHaveProperty(field);
    expect(summary.totals).toMatchObject({ failed: [] });
    expect(summary.totals.records).toBeGreaterThan(0);
    expect(result.stderr).toContain('records in');
    const files = await readdir(join(dir, 'out', 'events'), { recursive: true });
    expect(files.some((f) => String(f).endsWith('.ndjson'))).toBe(true);
  });

  it('resumes from the checkpoint on a second run, and state show/reset work', async () => {
    const second = await ctxsiem(['collect', '--json'], { env: validEnv() });
    const summary = JSON.parse(second.stdout);
    expect(summary.streams[0].from).toBe(firstTo);
    const shown = await ctxsiem(['state', 'show'], { env: validEnv() });
    expect(shown.stdout).toContain('acme/generated/events');
    expect(shown.stdout).toContain(`delivered up to ${summary.streams[0].to}`);
    const status = JSON.parse((await ctxsiem(['status', '--json'], { env: validEnv() })).stdout);
    expect(status.consumers).toEqual([]);
    expect(status.streams).toEqual([
      expect.objectContaining({
        tenant: 'acme',
        source: 'generated',
        stream: 'events',
        position: summary.streams[0].to,
        midWindow: false,
        lastRun: expect.objectContaining({ status: summary.streams[0].status }),
      }),
    ]);
    expect(status.streams[0].lagSeconds).toBeGreaterThan(0);
    const table = (await ctxsiem(['status'], { env: validEnv() })).stdout;
    expect(table).toMatch(/tenant +source +stream +position +lag +last run +last error/);
    expect(table).toMatch(new RegExp(`acme +generated +events +${summary.streams[0].to}`));
    expect((await ctxsiem(['state', 'reset'], { env: validEnv() })).code).toBe(2);
    const reset = await ctxsiem(['state', 'reset', '--yes'], { env: validEnv() });
    expect(reset.stdout).toContain('reset 1 checkpoint');
  });

  it('never prints a secret from the config, even at debug level', async () => {
    const result = await ctxsiem(['collect'], { env: { ...validEnv(), LOG_LEVEL: 'debug' } });
    expect(result.code).toBe(0);
    expect(result.stdout + result.stderr).not.toContain(TEST_SECRETS.cli);
  });
});

describe('invalid configuration exits 2 naming the field and the reason', () => {
  const envCases: [string, Record<string, string>, RegExp][] = [
    [
      'missing customer id',
      { CITRIX_CUSTOMER_ID: '' },
      /tenants\[0\]\.customerId: .*\(from CITRIX_CUSTOMER_ID\)/,
    ],
    [
      'non-numeric page size',
      { PAGE_SIZE: 'abc' },
      /sources\[0\]\.pageSize: .*expected number.*\(from PAGE_SIZE\)/,
    ],
    ['negative lookback', { LOOKBACK_MINUTES: '-5' }, /runner\.lookbackMinutes: .*\(from LOOKBACK_MINUTES\)/],
    ['unknown sink', { SINK: 'ftp' }, /sink\.type: .*\(from SINK\)/],
    ['unknown source', { SOURCE: 'nope' }, /sources\[0\]\.type: .*\(from SOURCE\)/],
    ['API base not a URL', { API_BASE: 'api cloud com' }, /tenants\[0\]\.apiBase: must be an absolute URL/],
    ['gzip not a boolean', { GZIP: 'maybe' }, /sink\.gzip: .*\(from GZIP\)/],
    ['unknown region', { CITRIX_REGION: 'mars' }, /tenants\[0\]\.region: .*\(from CITRIX_REGION\)/],
    ['unknown log level', { LOG_LEVEL: 'loud' }, /logLevel: .*\(from LOG_LEVEL\)/],
    [
      'secret reference to an unset variable',
      { CITRIX_CLIENT_SECRET: 'env:CTXSIEM_TEST_UNSET' },
      /tenants\[0\]\.clientSecret: environment variable CTXSIEM_TEST_UNSET is not set/,
    ],
  ];
  for (const [name, overrides, message] of envCases) {
    it(`environment: ${name}`, async () => {
      const result = await ctxsiem(['collect'], { env: { ...validEnv(), ...overrides } });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(message);
    });
  }

  const fileCases: [string, string, RegExp][] = [
    [
      'no tenants',
      JSON.stringify({
        tenants: [],
        sources: [{ type: 'generated' }],
        sink: { type: 'file', directory: 'x' },
        checkpoint: { type: 'file', directory: 'y' },
      }),
      /tenants: must list at least one tenant/,
    ],
    [
      'an unknown key',
      JSON.stringify({
        tenants: [{ customerId: 'a', clientId: 'b', clientSecret: 'c' }],
        sources: [{ type: 'generated' }],
        sink: { type: 'file', directory: 'x', bukket: 1 },
        checkpoint: { type: 'file', directory: 'y' },
      }),
      /sink: .*bukket/,
    ],
    [
      'queue capacity 0',
      JSON.stringify({
        tenants: [{ customerId: 'a', clientId: 'b', clientSecret: 'c' }],
        sources: [{ type: 'generated' }],
        sink: { type: 'file', directory: 'x' },
        checkpoint: { type: 'file', directory: 'y' },
        runner: { queueCapacity: 0 },
      }),
      /runner\.queueCapacity: /,
    ],
  ];
  for (const [name, content, message] of fileCases) {
    it(`file: ${name}`, async () => {
      const file = join(dir, `${name.replaceAll(' ', '-')}.json`);
      await writeFile(file, content);
      const result = await ctxsiem(['collect', '--config', file]);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(message);
    });
  }

  it('file: YAML that does not parse', async () => {
    const file = join(dir, 'broken.yaml');
    await writeFile(file, 'tenants: [\n  - a: b\n  c');
    const result = await ctxsiem(['collect', '-c', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/broken\.yaml is not valid YAML/);
  });

  it('a missing config file', async () => {
    const result = await ctxsiem(['collect', '-c', join(dir, 'nope.yaml')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cannot read .*nope\.yaml: ENOENT/);
  });

  it('an unknown option is a usage error', async () => {
    const result = await ctxsiem(['collect', '--frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown option '--frobnicate'");
  });
});

describe('where the config comes from', () => {
  it('reads CTXSIEM_CONFIG before the file CTXSIEM_CONFIG_FILE names, and says when --config makes it ignored', async () => {
    const inline = JSON.stringify({
      tenants: [{ customerId: 'acme', clientId: 'client', clientSecret: 'env:CITRIX_CLIENT_SECRET' }],
      sources: [{ type: 'generated' }],
      sink: { type: 'file', directory: join(dir, 'inline') },
      checkpoint: { type: 'file', directory: join(dir, 'inline', '_state') },
    });
    const env = {
      CTXSIEM_CONFIG: inline,
      CTXSIEM_CONFIG_FILE: join(dir, 'not-mounted.yaml'),
      CITRIX_CLIENT_SECRET: TEST_SECRETS.cli,
    };
    const fromVariable = await ctxsiem(['state', 'show'], { env });
    expect(fromVariable.code, fromVariable.stderr).toBe(0);
    expect(fromVariable.stderr).not.toMatch(/ignored/);

    const overridden = await ctxsiem(['state', 'show', '--config', join(dir, 'missing.yaml')], { env });
    expect(overridden.code).not.toBe(0);
    expect(overridden.stderr).toMatch(/cannot read .*missing\.yaml: ENOENT/);
    expect(overridden.stderr).toMatch(
      /CTXSIEM_CONFIG is set but ignored: --config \S*missing\.yaml takes precedence \(leave --config out to use CTXSIEM_CONFIG\)/,
    );
  });
});
