import { describe, expect, it } from 'vitest';
import {
  buildODataUrl,
  formatODataInstant,
  isQueryTimeoutResponse,
  odataErrorMessage,
  quoteODataString,
  retryDelayFromBody,
} from '../../src/index.ts';

describe('buildODataUrl', () => {
  it('encodes spaces as %20, keeps $ option names and readable OData punctuation', () => {
    const url = buildODataUrl('monitorodata/Sessions', {
      filter: 'ModifiedDate ge 2024-08-06T07:00:00Z and ModifiedDate lt 2024-08-06T08:00:00Z',
      select: ['SessionKey', 'StartDate', 'ModifiedDate'],
      expand: 'User($select=UserName,FullName)',
      orderby: 'ModifiedDate asc',
      top: 100,
      count: true,
    });
    expect(url).toBe(
      'monitorodata/Sessions' +
        '?$filter=ModifiedDate%20ge%202024-08-06T07:00:00Z%20and%20ModifiedDate%20lt%202024-08-06T08:00:00Z' +
        '&$select=SessionKey,StartDate,ModifiedDate' +
        '&$expand=User($select%3DUserName,FullName)' +
        '&$orderby=ModifiedDate%20asc' +
        '&$top=100' +
        '&$count=true',
    );
    expect(url).not.toContain('+');
  });

  it('escapes characters that would change the query: + & = # and quotes stay intact', () => {
    const url = buildODataUrl('monitorodata/Users', {
      filter: "UserName eq 'a+b&c=d#e' and ModifiedDate ge 2024-01-01T00:00:00+01:00",
    });
    expect(url).toBe(
      "monitorodata/Users?$filter=UserName%20eq%20'a%2Bb%26c%3Dd%23e'%20and%20ModifiedDate%20ge%202024-01-01T00:00:00%2B01:00",
    );
    const parsed = new URL(url, 'https://api.cloud.com/');
    expect(parsed.searchParams.get('$filter')).toBe(
      "UserName eq 'a+b&c=d#e' and ModifiedDate ge 2024-01-01T00:00:00+01:00",
    );
  });

  it('appends to an existing query and leaves the path alone without options', () => {
    expect(buildODataUrl('casodata/sessions?year=2024&month=08&day=06', { top: 10, skip: 20 })).toBe(
      'casodata/sessions?year=2024&month=08&day=06&$top=10&$skip=20',
    );
    expect(buildODataUrl('monitorodata/Machines')).toBe('monitorodata/Machines');
    expect(buildODataUrl('monitorodata/Machines', { select: [], filter: undefined })).toBe(
      'monitorodata/Machines',
    );
  });

  it('rejects a negative or fractional $top', () => {
    expect(() => buildODataUrl('x', { top: -1 })).toThrow(RangeError);
    expect(() => buildODataUrl('x', { top: 1.5 })).toThrow(RangeError);
  });
});

describe('OData literals', () => {
  it('formats instants without milliseconds when whole, and quotes strings', () => {
    expect(formatODataInstant(new Date('2024-08-06T07:00:00.000Z'))).toBe('2024-08-06T07:00:00Z');
    expect(formatODataInstant(new Date('2024-08-06T07:00:00.250Z'))).toBe('2024-08-06T07:00:00.250Z');
    expect(quoteODataString("O'Brien")).toBe("'O''Brien'");
  });
});

describe('odataErrorMessage', () => {
  it.each([
    ['{"error":{"code":"BadRequest","message":"Invalid $filter"}}', 'BadRequest: Invalid $filter'],
    ['{"error":{"code":"","message":{"lang":"en-US","value":"verbose style"}}}', 'verbose style'],
    ['{"error":{"code":"X","message":"outer","innererror":{"message":"inner"}}}', 'X: outer — inner'],
    ['{"Message":"An error has occurred."}', 'An error has occurred.'],
    [
      '{"type":"https://errors-api.cloud.com/common/authorization","detail":"Missing permission Monitor read"}',
      'authorization: Missing permission Monitor read',
    ],
    [
      '{"error":"invalid_client","error_description":"Invalid client credentials"}',
      'invalid_client: Invalid client credentials',
    ],
    ['upstream connect error', 'upstream connect error'],
    ['<html><body>502</body></html>', undefined],
    ['', undefined],
    ['{"value":[]}', undefined],
  ])('%s → %s', (body, expected) => {
    expect(odataErrorMessage(body)).toBe(expected);
  });
});

describe('retryDelayFromBody', () => {
  it('reads the retryDelay parameter of a Citrix Cloud gateway error', () => {
    const body =
      '{"type":"https://errors-api.cloud.com/common/tooManyRequests","detail":"slow down","parameters":[{"name":"retryDelay","value":"5"}]}';
    expect(retryDelayFromBody(body)).toBe(5000);
    expect(retryDelayFromBody('{"error":{"code":"429"}}')).toBeUndefined();
    expect(retryDelayFromBody('not json')).toBeUndefined();
  });
});

describe('isQueryTimeoutResponse', () => {
  it('recognises 504/500 whose message mentions a timeout', () => {
    expect(isQueryTimeoutResponse(504, 'The query timed out')).toBe(true);
    expect(isQueryTimeoutResponse(500, 'Execution Timeout Expired.')).toBe(true);
    expect(isQueryTimeoutResponse(500, 'QueryTimeout: time-out after 30 s')).toBe(true);
  });

  it('leaves other answers to the retry policy', () => {
    expect(isQueryTimeoutResponse(504, undefined)).toBe(false);
    expect(isQueryTimeoutResponse(500, 'An error has occurred.')).toBe(false);
    expect(isQueryTimeoutResponse(503, 'timeout')).toBe(false);
    expect(isQueryTimeoutResponse(408, 'Request timeout')).toBe(false);
  });
});
