import { describe, expect, it } from 'vitest';
import { logTypeOf } from '../src/log-types.ts';

describe('logTypeOf', () => {
  it('defaults each source to the log type SecOps parses it with, overridable per stream or source', () => {
    expect(logTypeOf({ source: 'monitor', stream: 'Sessions' }, {})).toBe('CITRIX_SESSION_METADATA');
    expect(logTypeOf({ source: 'monitor', stream: 'Machines' }, {})).toBe('CITRIX_MONITOR');
    expect(logTypeOf({ source: 'analytics', stream: 'sessions' }, {})).toBe('CITRIX_ANALYTICS');
    expect(logTypeOf({ source: 'sentinel', stream: 'riskScoreChange' }, {})).toBe('CITRIX_ANALYTICS');
    expect(logTypeOf({ source: 'licensing', stream: 'usage' }, {})).toBe('CITRIX_LICENSING');
    const overrides = { 'sentinel/userProfile': 'CITRIX_UEBA', sentinel: 'CITRIX_RISK' };
    expect(logTypeOf({ source: 'sentinel', stream: 'userProfile' }, overrides)).toBe('CITRIX_UEBA');
    expect(logTypeOf({ source: 'sentinel', stream: 'indicatorSummary' }, overrides)).toBe('CITRIX_RISK');
  });
});
