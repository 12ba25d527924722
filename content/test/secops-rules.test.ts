/**
 * The SecOps YARA-L rules (content/secops/rules): each passes the structural linter — sections in
 * order, the meta ctxsiem requires, variables defined, every UDM field path and event type known to
 * the schema derived from Google's udm.proto — and reads only fields ctxsiem's UDM mapping fills. The
 * rules' syntax is NOT verified by a YARA-L engine (none exists offline).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { UDM_MAPPINGS } from '@ctxsiem/sink-secops';
import { describe, expect, it } from 'vitest';
import { lintYaral, REQUIRED_META } from '../src/yaral-lint.ts';

const RULES = new URL('../secops/rules/', import.meta.url);
const files = readdirSync(RULES).filter((file) => file.endsWith('.yaral'));
const read = (file: string) => readFileSync(new URL(file, RULES), 'utf8');

/** The questions the Sentinel analytic rules answer (content/sentinel/rules): SecOps answers the same. */
const SENTINEL_RULES = new URL('../sentinel/rules/', import.meta.url);
const QUESTIONS = [
  ...new Set(
    readdirSync(SENTINEL_RULES)
      .filter((file) => file.endsWith('.yaml'))
      .map((file) => /^question: (\S+)$/m.exec(readFileSync(new URL(file, SENTINEL_RULES), 'utf8'))?.[1]),
  ),
];

describe('SecOps YARA-L rules', () => {
  it('there is a rule for every question the Sentinel analytic rules answer', () => {
    expect(QUESTIONS).toContain('impossible-travel');
    const questions = new Set(files.map((file) => lintYaral(read(file)).rule?.meta.ctxsiem_question));
    expect([...questions].sort()).toEqual([...QUESTIONS].sort());
  });

  for (const file of files)
    it(`${file} passes the structural lint and is named as its file`, () => {
      const { rule, problems } = lintYaral(read(file));
      expect(problems).toEqual([]);
      expect(`${rule!.name}.yaral`).toBe(file);
      expect(rule!.fields.length).toBeGreaterThan(0);
    });

  it('every field a rule reads is one the UDM mapping fills (or UDM enrichment adds)', () => {
    const sample = JSON.stringify(Object.keys(UDM_MAPPINGS));
    expect(sample).toContain('monitor/Connections');
    // The mapping's code names every field it fills; enrichment (ip_geo_artifact) is Google's.
    const mapping = readFileSync(
      new URL('../../packages/sink-secops/src/udm-mapping.ts', import.meta.url),
      'utf8',
    );
    for (const file of files)
      for (const field of lintYaral(read(file)).rule!.fields) {
        if (field.includes('ip_geo_artifact') || field.startsWith('additional')) continue;
        const leaf = field.replace(/\.seconds$/, '').split('.');
        expect(mapping, `${file}: ${field}`).toContain(`${leaf.at(-1)}:`);
      }
  });
});

describe('YARA-L structural linter', () => {
  const valid = read('citrix_cloud_api_client_created.yaral');

  it('refuses a misspelt UDM field, an unknown event type and a wrong enum value', () => {
    expect(
      lintYaral(
        valid.replace('$client.target.resource.resource_type', '$client.target.resource.resourcetype'),
      ).problems,
    ).toEqual(['`$client.target.resource.resourcetype`: UDM has no field target.resource.resourcetype']);
    expect(lintYaral(valid.replace('"USER_RESOURCE_CREATION"', '"USER_RESOURCE_CREATED"')).problems).toEqual([
      'metadata.event_type = "USER_RESOURCE_CREATED": not a value of its enum (no such UDM event type)',
    ]);
    expect(lintYaral(valid.replace('"CREDENTIAL"', '"API_KEY"')).problems).toEqual([
      'target.resource.resource_type = "API_KEY": not a value of its enum',
    ]);
  });

  it('refuses sections out of order or missing, missing meta keys, undefined variables', () => {
    const swapped = valid
      .replace(/ {2}outcome:[\s\S]*?(?= {2}condition:)/, '')
      .replace(/( {2}condition:[\s\S]*?)(\n\})/, '$1\n  outcome:\n    $x = max(1)\n$2');
    expect(lintYaral(swapped).problems).toContain(
      'sections out of order: meta, events, condition, outcome (must be meta, events, match, outcome, condition, options)',
    );
    expect(lintYaral(valid.replace(/ {2}events:/, '  evnts:')).problems).toEqual(
      expect.arrayContaining(['unknown section `evnts:`', 'missing section `events:`']),
    );
    for (const key of REQUIRED_META)
      expect(lintYaral(valid.replace(new RegExp(`\\n\\s*${key} = .*`), '')).problems).toContain(
        `meta lacks \`${key}\``,
      );
    expect(lintYaral(valid.replace('condition:\n    $client', 'condition:\n    $clinet')).problems).toEqual([
      'condition uses `$clinet`, which the rule does not define',
    ]);
    expect(
      lintYaral(valid.replace('$actor = array_distinct($client.', '$actor = array_distinct($other.'))
        .problems,
    ).toEqual([
      'outcome uses `$other`, which the rule does not define',
      'outcome reads `$other.principal.user.userid` but `$other` is no event variable',
    ]);
    expect(lintYaral('rules x {}').problems).toEqual(['the file must hold one `rule <name> {`']);
  });

  it('keeps // inside strings and drops comments', () => {
    expect(
      lintYaral(valid.replace('author = "ctxsiem"', 'author = "https://example.com/ctxsiem" // a comment'))
        .problems,
    ).toEqual([]);
  });
});
