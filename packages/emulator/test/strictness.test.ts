/**
 * The emulator as strict as the service (issue 25): Monitor answers only the representations a request's
 * `Accept` admits (406 otherwise), and its errors have Citrix's documented shape.
 */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../src/index.ts';
import { apiGet, authHeaders, login, monitorPath, useEmulator, windowFilter } from './emulator-client.ts';

const NOW = Date.UTC(2024, 7, 6, 12, 30);
const SESSIONS = monitorPath('Sessions', {
  $filter: windowFilter('ModifiedDate', new Date(Date.UTC(2024, 7, 6, 7)), new Date(Date.UTC(2024, 7, 6, 8))),
  $top: '2',
});

/** A GET with exactly these headers (fetch would add `Accept: *\/*` of its own). */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const fixture = useEmulator({ now: () => NOW });

const METADATA = '/monitorodata/$metadata';

/**
 * [path, Accept, status]: data and the service document are JSON, `$metadata` is XML; a request gets them
 * when its Accept admits them (RFC 9110 media ranges and weights, OData's format parameters), else 406.
 */
const NEGOTIATIONS: readonly (readonly [string, string, 200 | 406])[] = [
  [SESSIONS, 'application/json', 200],
  [SESSIONS, '*/*', 200],
  [SESSIONS, 'application/*', 200],
  [SESSIONS, 'application/json;odata.metadata=minimal', 200],
  [SESSIONS, 'application/json; odata.metadata=full; odata.streaming=true', 200],
  [SESSIONS, 'Application/JSON;ODATA.METADATA=Minimal', 200],
  [SESSIONS, 'application/json;IEEE754Compatible=false', 200],
  [SESSIONS, 'application/xml;q=0.9, application/json;q=0.1', 200],
  [SESSIONS, 'text/html, application/xhtml+xml, */*;q=0.01', 200],
  [SESSIONS, 'text/csv;q=1, application/json;odata.metadata=none;q=0.5', 200],
  [SESSIONS, 'application/xml', 406],
  [SESSIONS, 'text/csv', 406],
  [SESSIONS, 'text/*', 406],
  [SESSIONS, 'application/atom+xml', 406],
  [SESSIONS, 'application/json;q=0', 406],
  [SESSIONS, '*/*, application/json;q=0', 406],
  [SESSIONS, 'application/*;q=0.5, application/json;q=0', 406],
  [SESSIONS, 'application/json;charset=utf-8', 406],
  [SESSIONS, 'application/json;odata.metadata=verbose', 406],
  [SESSIONS, 'application/json;format=compact', 406],
  ['/monitorodata', 'application/json', 200],
  ['/monitorodata', 'application/xml', 406],
  [METADATA, 'application/xml', 200],
  [METADATA, '*/*', 200],
  [METADATA, 'application/*', 200],
  [METADATA, 'application/json;q=0.9, application/xml;q=0.1', 200],
  [METADATA, 'application/json', 406],
  [METADATA, 'text/csv', 406],
  [METADATA, 'application/xml;q=0, */*', 406],
];

describe('Monitor content negotiation', () => {
  const withAccept = (path: string, accept: string) =>
    apiGet(fixture.emulator, fixture.session, path, { headers: { accept } });

  it('serves what Accept admits, and answers 406 in the Citrix error shape otherwise', async () => {
    for (const [path, accept, status] of NEGOTIATIONS) {
      const label = `${path} with Accept: ${accept}`;
      const response = await withAccept(path, accept);
      expect(response.status, label).toBe(status);
      const mediaType = path === METADATA ? 'application/xml' : 'application/json';
      if (status === 200) {
        const contentType = path === METADATA ? mediaType : 'application/json; odata.metadata=minimal';
        expect(response.headers.get('content-type'), label).toBe(contentType);
        expect(await response.text(), label).toMatch(
          path === METADATA ? /^<\?xml.*<edmx:Edmx/s : /^\{"@odata/,
        );
        continue;
      }
      expect(response.headers.get('content-type'), label).toMatch(/^application\/json/);
      expect(await response.json(), label).toEqual({
        type: 'https://errors-api.cloud.com/common/notAcceptable',
        detail: `Must accept ${mediaType} media type`,
        parameters: [{ name: 'contentType', value: mediaType }],
      });
    }
  });

  it('serves JSON and $metadata to a request without any Accept header', async () => {
    const headers = authHeaders(fixture.session);
    const data = await rawGet(`${fixture.emulator.url}${SESSIONS}`, headers);
    expect(data.status).toBe(200);
    expect((JSON.parse(data.body) as { value: unknown[] }).value).toHaveLength(2);
    const metadata = await rawGet(`${fixture.emulator.url}${METADATA}`, headers);
    expect(metadata.status).toBe(200);
    expect(metadata.body).toContain('<edmx:Edmx');
  });

  it('routes before it negotiates, and negotiates before it reads the query', async () => {
    const unknown = await withAccept('/monitorodata/Failures', 'text/csv');
    expect(unknown.status).toBe(404);
    const badQuery = await withAccept(monitorPath('Sessions', { $filter: 'Bogus eq 5' }), 'text/csv');
    expect(badQuery.status).toBe(406);
    // Authentication comes first of all.
    const anonymous = await fetch(`${fixture.emulator.url}${SESSIONS}`, { headers: { accept: 'text/csv' } });
    expect(anonymous.status).toBe(401);
    expect(
      fixture.emulator
        .stats()
        .log.slice(-3)
        .map((entry) => entry.status),
    ).toEqual([404, 406, 401]);
  });
});

describe('Monitor error bodies', () => {
  const bodyOf = async (path: string) => {
    const response = await apiGet(fixture.emulator, fixture.session, path);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('answers 400 and 404 as Citrix common errors, never as OData errors', async () => {
    const invalid = await bodyOf(monitorPath('Sessions', { $top: 'many' }));
    expect(invalid.status).toBe(400);
    expect(invalid.body.type).toBe('https://errors-api.cloud.com/common/invalidString');
    expect(invalid.body.detail).toContain('many');
    expect(invalid.body).not.toHaveProperty('error');

    const keyLookup = await bodyOf('/monitorodata/Sessions(1)');
    expect(keyLookup.status).toBe(400);
    expect(keyLookup.body.type).toBe('https://errors-api.cloud.com/common/invalidString');

    const missing = await bodyOf('/monitorodata/NoSuchSet');
    expect(missing.status).toBe(404);
    expect(Object.keys(missing.body).sort()).toEqual(['detail', 'type']);
    expect(missing.body.type).toBe('https://errors-api.cloud.com/common/notFound');
    expect(missing.body.detail).toContain('NoSuchSet');
  });

  it('keeps the 500s as OData errors, as before', async () => {
    const failing = await startEmulator({ now: () => NOW, faults: { failEntity: ['Users'] } });
    try {
      const response = await apiGet(failing, await login(failing), '/monitorodata/Users');
      expect(response.status).toBe(500);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('InternalServerError');
    } finally {
      await failing.close();
    }
  });
});
