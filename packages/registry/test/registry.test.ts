import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ConfigError, parseConfig } from '@ctxsiem/core';
import { describe, expect, it } from 'vitest';
import {
  configFromEnv,
  connectors,
  connectorsMarkdown,
  connectorsText,
  DeploymentConfigSchema,
  findConnector,
  withEnvNames,
} from '../src/index.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const tenant = { customerId: 'acme', clientId: 'id', clientSecret: 'env:SECRET' };

const fromEnv = (env: Record<string, string>) => {
  const { config, variables } = configFromEnv(env);
  try {
    return parseConfig('environment', DeploymentConfigSchema, config);
  } catch (error) {
    throw error instanceof ConfigError ? withEnvNames(error, variables) : error;
  }
};

describe('the connector registry', () => {
  it('is generated from the workspace and up to date (module, dependencies, README tables)', () => {
    const check = spawnSync(process.execPath, ['scripts/generate-registry.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('holds every kind, each type once per kind', () => {
    const keys = connectors.map((c) => `${c.kind}:${c.type}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const key of [
      'pull-source:monitor',
      'pull-source:analytics',
      'stream-source:sentinel',
      'sink:file',
      'sink:s3',
      'checkpoint-store:gcs',
    ])
      expect(keys).toContain(key);
    expect(findConnector('sink', 'nope')).toBeUndefined();
  });

  it('builds the deployment schema from the connectors: a config file selects them by type', () => {
    const config = DeploymentConfigSchema.parse({
      tenants: [tenant],
      sources: [{ type: 'monitor' }, { type: 'analytics', top: 500 }],
      sink: { type: 's3', bucket: 'logs' },
      checkpoint: { type: 'file', directory: 'state' },
    });
    expect(config.sources.map((s) => s.type)).toEqual(['monitor', 'analytics']);
    const bad = DeploymentConfigSchema.safeParse({
      tenants: [tenant],
      sources: [{ type: 'nosuch' }],
      sink: { type: 'file', directory: 'out' },
      checkpoint: { type: 'file', directory: 'state' },
    });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['sources', 0, 'type']);
  });

  it('writes files under out/collect by default, beside the demo’s out/demo, never into it', () => {
    const config = fromEnv({
      CITRIX_CUSTOMER_ID: 'acme',
      CITRIX_CLIENT_ID: 'id',
      CITRIX_CLIENT_SECRET: 'secret',
    });
    expect(config.sink).toMatchObject({ type: 'file', directory: 'out/collect' });
    expect(config.checkpoint).toMatchObject({ type: 'file', directory: 'out/collect/_state' });
  });

  it("maps the seeds' environment through each connector's own variables, and names the variable of a bad value", () => {
    const config = fromEnv({
      CITRIX_CUSTOMER_ID: 'acme',
      CITRIX_CLIENT_ID: 'id',
      CITRIX_CLIENT_SECRET: 'secret',
      ENTITIES: 'Sessions,Users',
      PAGE_SIZE: '250',
      SINK: 's3',
      S3_BUCKET: 'logs',
      S3_PREFIX: '/citrix/',
    });
    expect(config.sources[0]).toMatchObject({
      type: 'monitor',
      entities: ['Sessions', 'Users'],
      pageSize: 250,
    });
    expect(config.sink).toMatchObject({ type: 's3', bucket: 'logs', prefix: 'citrix' });
    expect(config.checkpoint).toMatchObject({
      type: 's3',
      prefix: '_ctxsiem/citrix/state',
      previousPrefix: 'citrix/_state',
      legacyKey: 'citrix/state.json',
    });
    expect(() =>
      fromEnv({
        CITRIX_CUSTOMER_ID: 'a',
        CITRIX_CLIENT_ID: 'b',
        CITRIX_CLIENT_SECRET: 'c',
        PAGE_SIZE: 'lots',
      }),
    ).toThrow(/sources\[0\]\.pageSize: .*\(from PAGE_SIZE\)/);
    expect(() =>
      fromEnv({
        CITRIX_CUSTOMER_ID: 'a',
        CITRIX_CLIENT_ID: 'b',
        CITRIX_CLIENT_SECRET: 'c',
        SOURCE: 'nosuch',
      }),
    ).toThrow(/sources\[0\]\.type: .*\(from SOURCE\)/);
  });

  it('configures the sentinel source from the CAS_* variables, naming the variable of a bad value', () => {
    const config = fromEnv({
      CITRIX_CUSTOMER_ID: 'acme',
      CITRIX_CLIENT_ID: 'id',
      CITRIX_CLIENT_SECRET: 'secret',
      SOURCE: 'sentinel',
      CAS_REGION: 'eu',
      CAS_TOPIC: 'cas-acme',
      CAS_GROUP_ID: 'acme-ctxsiem',
      CAS_USERNAME: 'acme-export',
      CAS_PASSWORD: 'env:CAS_PASSWORD_VALUE',
      CAS_VERIFY_HOSTNAME: 'false',
    });
    expect(config.sources[0]).toMatchObject({
      type: 'sentinel',
      region: 'eu',
      topic: 'cas-acme',
      groupId: 'acme-ctxsiem',
      username: 'acme-export',
      password: 'env:CAS_PASSWORD_VALUE',
      mechanism: 'SCRAM-SHA-256',
      verifyHostname: false,
    });
    expect(() =>
      fromEnv({
        CITRIX_CUSTOMER_ID: 'a',
        CITRIX_CLIENT_ID: 'b',
        CITRIX_CLIENT_SECRET: 'c',
        SOURCE: 'sentinel',
        CAS_TOPIC: 't',
        CAS_GROUP_ID: 'g',
        CAS_USERNAME: 'u',
        CAS_PASSWORD: 'p',
        CAS_BROKERS: 'casnb-0.citrix.com',
      }),
    ).toThrow(/sources\[0\]\.brokers\[0\]: must be host:port \(from CAS_BROKERS\)/);
  });

  it("runs the seeds' documented environments unchanged: their source and their bucket's sink", () => {
    const tenant = { CITRIX_CUSTOMER_ID: 'acme', CITRIX_CLIENT_ID: 'id', CITRIX_CLIENT_SECRET: 'secret' };
    // Seed 001: the Analytics Lambda (API_BASE names casodata; no SOURCE, no SINK).
    const analytics = fromEnv({
      ...tenant,
      S3_BUCKET: 'citrix-analytics-logs',
      S3_PREFIX: 'citrix_analytics',
      STATE_KEY: 'citrix_analytics/state.json',
      API_BASE: 'https://api.cloud.com/casodata',
      ENTITIES: 'sessions,machines,users',
      TOP_N: '1000',
      LOOKBACK_MINUTES: '75',
    });
    expect(analytics.sources[0]).toMatchObject({
      type: 'analytics',
      entities: ['sessions', 'machines', 'users'],
    });
    expect(analytics.sink).toMatchObject({
      type: 's3',
      bucket: 'citrix-analytics-logs',
      prefix: 'citrix_analytics',
    });
    expect(analytics.checkpoint).toMatchObject({ type: 's3', legacyKey: 'citrix_analytics/state.json' });
    // Seed 002: the Monitor Lambda.
    const monitor = fromEnv({
      ...tenant,
      S3_BUCKET: 'citrix-monitor-logs',
      S3_PREFIX: 'citrix_monitor',
      STATE_KEY: 'citrix_monitor/state.json',
      API_BASE: 'https://api.cloud.com',
      ENTITIES: 'Machines,Sessions,Connections,Applications,Users',
      PAGE_SIZE: '1000',
      LOOKBACK_MINUTES: '75',
      USE_TIME_FILTER: 'true',
    });
    expect(monitor.sources[0]).toMatchObject({ type: 'monitor', pageSize: 1000 });
    expect(monitor.sink).toMatchObject({ type: 's3', bucket: 'citrix-monitor-logs' });
    // Seed 000: the Cloud Function (a bare host, its interval as the look-back).
    const fn = fromEnv({
      ...tenant,
      URL_DOMAIN: 'api-us.cloud.com',
      CHRONICLE_FUNCTION_INTERVAL: '60',
      GCS_BUCKET: 'citrix-logs',
    });
    expect(fn.tenants[0]).toMatchObject({ apiBase: 'https://api-us.cloud.com' });
    expect(fn.runner).toMatchObject({ lookbackMinutes: 60 });
    expect(() => fromEnv({ ...tenant, CHRONICLE_FUNCTION_INTERVAL: 'hourly' })).toThrow(
      /runner\.lookbackMinutes: .*\(from CHRONICLE_FUNCTION_INTERVAL\)/,
    );
    // A bucket of each kind, or an explicit SINK, or neither.
    expect(fromEnv({ ...tenant, GCS_BUCKET: 'citrix-logs' }).sink).toMatchObject({ type: 'gcs' });
    expect(fromEnv({ ...tenant, S3_BUCKET: 'citrix-logs', SINK: 'file' }).sink).toMatchObject({
      type: 'file',
    });
    expect(fromEnv(tenant).sink).toMatchObject({ type: 'file' });
  });

  it('gives a SIEM API sink a dead-letter sink and checkpoints where its bucket is, and refuses it without one', () => {
    const tenant = { CITRIX_CUSTOMER_ID: 'acme', CITRIX_CLIENT_ID: 'id', CITRIX_CLIENT_SECRET: 'secret' };
    // Google's Citrix ingestion scripts' variables, plus the bucket dead letters and checkpoints go to.
    const config = fromEnv({
      ...tenant,
      SINK: 'secops',
      CHRONICLE_CUSTOMER_ID: '01234567-89ab-cdef-0123-456789abcdef',
      CHRONICLE_REGION: 'europe',
      CHRONICLE_SERVICE_ACCOUNT: 'projects/p/secrets/sa/versions/latest',
      SECOPS_PROJECT: 'secops-project',
      GCS_BUCKET: 'citrix-dead-letters',
    });
    expect(config.sink).toMatchObject({ type: 'secops', region: 'europe', project: 'secops-project' });
    expect(config.deadLetters).toMatchObject({ type: 'gcs', bucket: 'citrix-dead-letters' });
    expect(config.checkpoint).toMatchObject({ type: 'gcs', bucket: 'citrix-dead-letters' });
    expect(
      fromEnv({ ...tenant, SINK: 'secops', SECOPS_INSTANCE: 'x', SECOPS_PROJECT: 'p' }).deadLetters,
    ).toMatchObject({
      type: 'file',
    });
    const refused = DeploymentConfigSchema.safeParse({
      tenants: [{ customerId: 'acme', clientId: 'id', clientSecret: 'secret' }],
      sources: [{ type: 'monitor' }],
      sink: { type: 'secops', project: 'p', instance: 'x' },
      checkpoint: { type: 'file', directory: 'state' },
    });
    expect(refused.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      ['deadLetters', 'the secops sink keeps no dead letters: name a file, s3 or gcs sink for them'],
    ]);
  });

  it('renders the connectors table for the CLI and the README', () => {
    expect(connectorsText(connectors, { wide: true })).toMatch(
      /source\s+monitor\s+@ctxsiem\/source-monitor\s+ENTITIES, PAGE_SIZE/,
    );
    expect(connectorsText(connectors, { wide: true })).toMatch(/\bgenerated\b/);
    // By default: one line per deployable connector, fitting the terminal.
    const narrow = connectorsText(connectors, { columns: 80 });
    for (const line of narrow.trimEnd().split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    expect(narrow).toMatch(/^monitor +source +Citrix Monitor/m);
    expect(narrow).not.toMatch(/^generated /m);
    expect(narrow).toContain('(--wide: every column and the 1 test-only connector)');
    expect(connectorsMarkdown(connectors).split('\n')[0]).toMatch(/^\| Kind +\| Type +\|/);
  });

  it('loads every manifest without loading a cloud SDK', () => {
    const probe = `
      import { registerHooks } from 'node:module';
      const heavy = [];
      registerHooks({ resolve(specifier, context, next) {
        if (/^@aws-sdk|^@google-cloud|^undici$/.test(specifier)) heavy.push(specifier);
        return next(specifier, context);
      } });
      const registry = await import('@ctxsiem/registry');
      console.log(JSON.stringify({ connectors: registry.connectors.length, heavy }));
    `;
    const result = spawnSync(
      process.execPath,
      ['--conditions=@ctxsiem/source', '--input-type=module', '-e', probe],
      { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8' },
    );
    expect(result.stderr).toBe('');
    const loaded = JSON.parse(result.stdout) as { connectors: number; heavy: string[] };
    expect(loaded.connectors).toBe(connectors.length);
    expect(loaded.heavy).toEqual([]);
  });
});
