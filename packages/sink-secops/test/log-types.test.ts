import { readFileSync } from 'node:fs';
import { GOOGLE_CITRIX_LOG_TYPES } from '@ctxsiem/local-services';
import { describe, expect, it } from 'vitest';
import { extractCitrixRows, generateModule, type LogTypeData } from '../scripts/derive-log-types.ts';
import {
  CITRIX_LOG_TYPES_WITH_PARSER,
  CITRIX_LOG_TYPES_WITHOUT_PARSER,
  DEFAULT_LOG_TYPES,
  logTypeOf,
  resolveLogType,
  sourcesWithoutLogType,
} from '../src/log-types.ts';

const DATA = JSON.parse(
  readFileSync(new URL('../data/google-citrix-log-types.json', import.meta.url), 'utf8'),
) as LogTypeData;
const parsed = new Set<string>(CITRIX_LOG_TYPES_WITH_PARSER.map((row) => row.logType));

describe('SecOps log types', () => {
  it('defaults every source to a log type Google lists with a default parser: Sessions to CITRIX_MONITOR', () => {
    for (const [source, { logType }] of Object.entries(DEFAULT_LOG_TYPES))
      expect(parsed.has(logType), `${source} → ${logType}`).toBe(true);
    expect(logTypeOf({ source: 'monitor', stream: 'Sessions' }, {})).toBe('CITRIX_MONITOR');
    expect(logTypeOf({ source: 'monitor', stream: 'Machines' }, {})).toBe('CITRIX_MONITOR');
    expect(logTypeOf({ source: 'systemlog', stream: 'records' }, {})).toBe('CITRIX_MONITOR');
    expect(logTypeOf({ source: 'analytics', stream: 'sessions' }, {})).toBe('CITRIX_ANALYTICS');
    expect(logTypeOf({ source: 'sentinel', stream: 'riskScoreChange' }, {})).toBe('CITRIX_ANALYTICS');
    // CITRIX_SESSION_METADATA is listed, but without a parser: never a default.
    expect(CITRIX_LOG_TYPES_WITHOUT_PARSER.map((row) => row.logType)).toContain('CITRIX_SESSION_METADATA');
  });

  it('gives a source SecOps has no log type for none: a custom type must be named, per source', () => {
    for (const source of ['daasconfiglog', 'licensing']) {
      expect(resolveLogType({ source, stream: 'operations' }, {})).toBeUndefined();
      expect(() => logTypeOf({ source, stream: 'usage' }, {})).toThrow(
        new RegExp(`the ${source} source has no SecOps log type .*name it in logTypes`),
      );
    }
    expect(sourcesWithoutLogType(['monitor', 'daasconfiglog', 'licensing', 'daasconfiglog'], {})).toEqual([
      'daasconfiglog',
      'licensing',
    ]);
    expect(sourcesWithoutLogType(['daasconfiglog'], { daasconfiglog: 'DAAS_CUSTOM' })).toEqual([]);
    // A per-stream override alone does not cover the source: its other streams would have none.
    expect(sourcesWithoutLogType(['licensing'], { 'licensing/usage': 'LIC_CUSTOM' })).toEqual(['licensing']);
    const overrides = { 'sentinel/userProfile': 'CITRIX_UEBA', sentinel: 'CITRIX_RISK' };
    expect(logTypeOf({ source: 'sentinel', stream: 'userProfile' }, overrides)).toBe('CITRIX_UEBA');
    expect(logTypeOf({ source: 'sentinel', stream: 'indicatorSummary' }, overrides)).toBe('CITRIX_RISK');
  });

  it('keeps the list derived from Google’s page, with its source and date, generated and unchanged', () => {
    expect(DATA.source).toBe(
      'https://docs.cloud.google.com/chronicle/docs/ingestion/parser-list/supported-default-parsers',
    );
    expect(DATA.read).toMatch(/^\d{4}-\d\d-\d\d$/);
    const generated = readFileSync(new URL('../src/log-types.generated.ts', import.meta.url), 'utf8');
    expect(generated).toBe(generateModule(DATA));
    // The contract server knows the same log types.
    expect([...GOOGLE_CITRIX_LOG_TYPES].sort()).toEqual(
      [...DATA.withDefaultParser, ...DATA.withoutDefaultParser].map((row) => row.logType).sort(),
    );
  });

  it('extracts the Citrix rows of both tables from the page’s text', () => {
    const withParser = DATA.withDefaultParser.flatMap((row) => [
      row.product,
      row.category,
      row.logType,
      row.format,
      row.updated,
      'View Change',
    ]);
    const page = [
      'Supported log types with a default parser',
      'Supported log types without a default parser',
      'Vendor / Product',
      'HCL BigFix',
      'Network Management and Optimization',
      'HCL_BIGFIX',
      'JSON',
      '2023-12-08',
      'View Change',
      'CipherTrust Manager',
      'CIPHERTRUST_MANAGER',
      'SYSLOG + CEF + JSON',
      '2025-11-20',
      ...withParser,
      'Supported log types without a default parser',
      'Vendor / Product',
      'Ingestion label',
      'Cisco XDR',
      'CISCO_XDR',
      ...DATA.withoutDefaultParser.flatMap((row) => [row.product, row.logType]),
      'Cleafy',
      'CLEAFY',
    ].join('\n');
    expect(extractCitrixRows(page)).toEqual({
      withDefaultParser: DATA.withDefaultParser,
      withoutDefaultParser: DATA.withoutDefaultParser,
    });
  });
});
