import { defineSink, type Env, envValue } from '@ctxsiem/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  checkpointConnectors,
  configFromEnv,
  connectors,
  DEPLOYMENT_VARIABLES,
  ENVIRONMENT_VARIABLES,
  environmentVariableRows,
  environmentVariablesMarkdown,
  SWITCH_VARIABLES,
  sinkConnectors,
  sourceConnectors,
  type VariableRow,
} from '../src/index.ts';

const rows = environmentVariableRows(connectors);
const rowsOf = (variable: string) => rows.filter((row) => row.variable === variable);
const rowFilling = (variable: string, field: string): VariableRow | undefined =>
  rowsOf(variable).find((row) => row.fields.includes(field));

/** An environment holding `values` that records every variable read from it. */
function recording(values: Record<string, string>): { env: Env; read: Set<string> } {
  const read = new Set<string>();
  const env = new Proxy(
    {},
    {
      get: (_, key) => {
        if (typeof key !== 'string') return undefined;
        read.add(key);
        return values[key];
      },
    },
  ) as Env;
  return { env, read };
}

describe('the environment variables table', () => {
  it('has a row for every variable of the deployment, filling its field', () => {
    for (const [field, variable] of Object.entries(DEPLOYMENT_VARIABLES))
      expect(rowFilling(variable, field), `${variable} → ${field}`).toBeDefined();
    for (const variable of Object.keys(ENVIRONMENT_VARIABLES))
      expect(rowsOf(variable), variable).not.toHaveLength(0);
  });

  it("has a row for every variable of every manifest, filling the field of the connector's section", () => {
    const section = { sink: 'sink', 'checkpoint-store': 'checkpoint' } as Record<string, string>;
    for (const connector of connectors)
      for (const [field, variable] of Object.entries(connector.env?.variables ?? {})) {
        const path = `${section[connector.kind] ?? 'sources[0]'}.${field}`;
        const row = rowsOf(variable).find(
          (candidate) =>
            candidate.fields.includes(path) && candidate.readBy.join('; ').includes(`\`${connector.type}\``),
        );
        expect(row, `${connector.kind} ${connector.type}: ${variable} → ${path}`).toBeDefined();
      }
  });

  it('has every variable configFromEnv reads, whichever connectors the environment chooses', () => {
    const listed = new Set(rows.map((row) => row.variable));
    const choices: Record<string, string>[] = [
      ...sourceConnectors.map((c) => ({ SOURCE: c.type })),
      ...sinkConnectors.map((c) => ({ SINK: c.type })),
      ...sinkConnectors.map((c) => ({ SINK: 'secops', DEAD_LETTER_SINK: c.type })),
      ...checkpointConnectors.map((c) => ({ CHECKPOINT: c.type })),
      { S3_BUCKET: 'logs' },
      { GCS_BUCKET: 'logs' },
    ];
    for (const choice of choices) {
      const { env, read } = recording(choice);
      configFromEnv(env);
      expect(read.size).toBeGreaterThan(20);
      for (const variable of read)
        expect(listed, `${variable} (with ${JSON.stringify(choice)})`).toContain(variable);
    }
  });

  it('gives every row a meaning, and the deployment its own variables first', () => {
    for (const row of rows) expect(row.meaning, row.variable).not.toBe('');
    const groups = rows.map((row) => row.group);
    expect([...new Set(groups)]).toEqual(['deployment', 'source', 'sink', 'checkpoint store']);
    expect(groups.lastIndexOf('deployment')).toBeLessThan(groups.indexOf('source'));
  });

  it("takes meanings and defaults from the schemas, the variable's own name left out", () => {
    expect(rowFilling('LEASE_SECONDS', 'runner.leaseSeconds')).toMatchObject({
      readBy: ['every app'],
      default: '`600`',
      meaning: "How long a run's hold on a stream lasts without renewal.",
    });
    expect(rowFilling('S3_BUCKET', 'sink.bucket')).toMatchObject({
      readBy: ['`s3` sink'],
      default: '',
      meaning: 'Bucket the NDJSON objects go to.',
    });
    expect(rowFilling('ENTITIES', 'sources[0].entities')?.default).toMatch(/^`[A-Za-z]+(,[A-Za-z]+)+`$/);
    // "Default: …" sentences go to the Default column; a default the environment fills in shows there.
    expect(rowFilling('AWS_REGION', 'sink.region')?.default).toBe('AWS_DEFAULT_REGION, else us-east-1');
    expect(rowFilling('OUTPUT_DIR', 'sink.directory')?.default).toBe('`out/collect`');
    expect(rowFilling('STATE_DIR', 'checkpoint.directory')?.default).toBe('`$OUTPUT_DIR/_state`');
  });

  it("lists a variable's other names after it, and as its default", () => {
    const names = rows.map((row) => row.variable);
    expect(names.indexOf('URL_DOMAIN')).toBe(names.indexOf('API_BASE') + 1);
    expect(rowFilling('URL_DOMAIN', 'tenants[0].apiBase')).toBeDefined();
    expect(rowFilling('LOOKBACK_MINUTES', 'runner.lookbackMinutes')?.default).toBe(
      '`$CHRONICLE_FUNCTION_INTERVAL`, else `75`',
    );
    // Found in the SecOps manifest's `read`, which takes Google's names when ours are unset.
    expect(rowFilling('CHRONICLE_REGION', 'sink.region')?.meaning).toBe(
      'Read in place of `SECOPS_REGION` when that is unset.',
    );
    expect(rowFilling('SECOPS_REGION', 'sink.region')?.default).toBe('`$CHRONICLE_REGION`, else `us`');
  });

  it('merges the rows alike of several connectors, and says what a switching variable means', () => {
    expect(rowsOf('S3_ENDPOINT')).toHaveLength(1);
    expect(rowsOf('S3_ENDPOINT')[0]).toMatchObject({
      fields: ['sink.endpoint', 'checkpoint.endpoint'],
      readBy: ['`s3` sink', '`s3` checkpoint store'],
    });
    expect(rowsOf('S3_BUCKET')).toHaveLength(2);
    expect(rowsOf('SEED_LAYOUT')).toEqual([
      expect.objectContaining({ meaning: SWITCH_VARIABLES.SEED_LAYOUT!.meaning, default: '`false`' }),
    ]);
  });

  it("reads what a manifest's env.read does: an alias, a default, a variable switching a field", () => {
    const sink = defineSink({
      type: 'probe',
      package: '@ctxsiem/probe',
      summary: 'A sink for this test.',
      schema: z.object({
        type: z.literal('probe'),
        bucket: z.string().describe('Where it goes (PROBE_BUCKET). Default: nowhere.'),
        folder: z.string().describe('Its folder.'),
        mode: z.string().default('plain').describe('How it goes.'),
        name: z.string().describe('Its name.'),
      }),
      env: {
        variables: { bucket: 'PROBE_BUCKET', folder: 'PROBE_FOLDER', mode: 'PROBE_FAST', name: 'PROBE_NAME' },
        read: (env) =>
          envValue.defined({
            bucket: env.PROBE_BUCKET ?? env.OLD_BUCKET,
            folder: env.PROBE_FOLDER ?? `${env.PROBE_BUCKET}/folder`,
            mode: envValue.boolean(env.PROBE_FAST) === true ? 'fast' : undefined,
            name: env.PROBE_NAME ?? env.PROBE_BUCKET,
          }),
      },
      create: async () => {
        throw new Error('not built here');
      },
    });
    const probe = environmentVariableRows([sink]).filter((row) => row.group !== 'deployment');
    expect(probe).toEqual([
      {
        variable: 'OLD_BUCKET',
        group: 'sink',
        fields: ['sink.bucket'],
        readBy: ['`probe` sink'],
        default: '',
        meaning: 'Read in place of `PROBE_BUCKET` when that is unset.',
      },
      {
        variable: 'PROBE_BUCKET',
        group: 'sink',
        fields: ['sink.bucket'],
        readBy: ['`probe` sink'],
        default: '`$OLD_BUCKET`, else nowhere',
        meaning: 'Where it goes.',
      },
      // Its value never lands in `mode`, and SWITCH_VARIABLES does not say what it means: no meaning.
      {
        variable: 'PROBE_FAST',
        group: 'sink',
        fields: ['sink.mode'],
        readBy: ['`probe` sink'],
        default: '',
        meaning: '',
      },
      {
        variable: 'PROBE_FOLDER',
        group: 'sink',
        fields: ['sink.folder'],
        readBy: ['`probe` sink'],
        default: '`$PROBE_BUCKET/folder`',
        meaning: 'Its folder.',
      },
      // Another variable of its own manifest in its place is a default, not an alias.
      {
        variable: 'PROBE_NAME',
        group: 'sink',
        fields: ['sink.name'],
        readBy: ['`probe` sink'],
        default: '`$PROBE_BUCKET`',
        meaning: 'Its name.',
      },
    ]);
  });

  it('renders a Markdown table, a row per line, five cells each', () => {
    const table = environmentVariablesMarkdown(connectors).trimEnd().split('\n');
    expect(table[0]).toMatch(/^\| Variable +\| Fills +\| Read by +\| Default +\| Meaning +\|$/);
    expect(table).toHaveLength(rows.length + 2);
    for (const line of table) expect(line.match(/(?<!\\)\|/g), line).toHaveLength(6);
    expect(table.find((line) => line.startsWith('| `SEED_LAYOUT`'))).toContain(
      '`sink.deadLetterPrefix`, `checkpoint.prefix`',
    );
  });
});
