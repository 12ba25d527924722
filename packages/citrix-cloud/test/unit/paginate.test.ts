import { SourceError } from '@ctxsiem/core';
import { afterEach, describe, expect, it } from 'vitest';
import { buildODataUrl, ForeignOriginError, type ODataPage, paginateOData } from '../../src/index.ts';
import { type FakeCitrix, sendJson } from '../support/fake-citrix.ts';
import { rejectionOf, testResources } from '../support/test-client.ts';

const resources = testResources();
const fakeCitrix = resources.fakeCitrix;
afterEach(resources.close);

const client = (fake: FakeCitrix) => resources.client(fake);

async function collect<T>(pages: AsyncIterable<ODataPage<T>>): Promise<ODataPage<T>[]> {
  const out: ODataPage<T>[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

/** 7 records served 3 per page; `link` decides how the nextLink is written. */
function pagedSessions(link: (skip: number, fake: FakeCitrix) => string) {
  const records = Array.from({ length: 7 }, (_, i) => ({ SessionKey: `s${i}` }));
  return ({
    res,
    url,
    server,
  }: {
    res: import('node:http').ServerResponse;
    url: URL;
    server: FakeCitrix;
  }) => {
    const skip = Number(url.searchParams.get('$skiptoken') ?? '0');
    const page = records.slice(skip, skip + 3);
    const next = skip + 3 < records.length ? { '@odata.nextLink': link(skip + 3, server) } : {};
    sendJson(res, 200, {
      '@odata.context': `${server.url}/monitorodata/$metadata#Sessions`,
      value: page,
      ...next,
    });
  };
}

describe('paginateOData', () => {
  it('follows absolute nextLinks and returns every page in order with resumable next tokens', async () => {
    const fake = await fakeCitrix({
      api: pagedSessions((skip, s) => `${s.url}/monitorodata/Sessions?$skiptoken=${skip}`),
    });
    const pages = await collect(
      paginateOData(client(fake), buildODataUrl('monitorodata/Sessions', { orderby: 'ModifiedDate asc' })),
    );
    expect(pages.map((p) => p.records.map((r) => (r as { SessionKey: string }).SessionKey))).toEqual([
      ['s0', 's1', 's2'],
      ['s3', 's4', 's5'],
      ['s6'],
    ]);
    expect(pages.map((p) => p.next)).toEqual([
      `${fake.url}/monitorodata/Sessions?$skiptoken=3`,
      `${fake.url}/monitorodata/Sessions?$skiptoken=6`,
      undefined,
    ]);
    expect(fake.apiRequests.map((r) => r.url)).toEqual([
      '/monitorodata/Sessions?$orderby=ModifiedDate%20asc',
      '/monitorodata/Sessions?$skiptoken=3',
      '/monitorodata/Sessions?$skiptoken=6',
    ]);
  });

  it('follows relative nextLinks (root-relative and page-relative) and reports them as absolute', async () => {
    const fake = await fakeCitrix({
      api: pagedSessions((skip) =>
        skip === 3 ? `/monitorodata/Sessions?$skiptoken=${skip}` : `Sessions?$skiptoken=${skip}`,
      ),
    });
    const pages = await collect(paginateOData(client(fake), 'monitorodata/Sessions'));
    expect(pages.flatMap((p) => p.records)).toHaveLength(7);
    expect(pages[0]?.next).toBe(`${fake.url}/monitorodata/Sessions?$skiptoken=3`);
    expect(fake.apiRequests.map((r) => r.url)).toEqual([
      '/monitorodata/Sessions',
      '/monitorodata/Sessions?$skiptoken=3',
      '/monitorodata/Sessions?$skiptoken=6',
    ]);
  });

  it('sends the caller headers with every page request', async () => {
    const fake = await fakeCitrix({
      api: pagedSessions((skip, s) => `${s.url}/monitorodata/Sessions?$skiptoken=${skip}`),
    });
    await collect(
      paginateOData(client(fake), 'monitorodata/Sessions', { headers: { Prefer: 'odata.maxpagesize=3' } }),
    );
    expect(fake.apiRequests.map((r) => r.headers.prefer)).toEqual(Array(3).fill('odata.maxpagesize=3'));
  });

  it('resumes from a next token of an earlier run', async () => {
    const fake = await fakeCitrix({
      api: pagedSessions((skip, s) => `${s.url}/monitorodata/Sessions?$skiptoken=${skip}`),
    });
    const pages = await collect(
      paginateOData(client(fake), 'monitorodata/Sessions', {
        resume: `${fake.url}/monitorodata/Sessions?$skiptoken=3`,
      }),
    );
    expect(pages.map((p) => p.records.length)).toEqual([3, 1]);
    expect(fake.apiRequests[0]?.url).toBe('/monitorodata/Sessions?$skiptoken=3');
  });

  it('a nextLink to another origin stops with ForeignOriginError and that origin receives nothing', async () => {
    const foreign = await fakeCitrix();
    const fake = await fakeCitrix({
      api: pagedSessions((skip) => `${foreign.url}/monitorodata/Sessions?$skiptoken=${skip}`),
    });
    const seen: ODataPage[] = [];
    const error = await rejectionOf(
      (async () => {
        for await (const page of paginateOData(client(fake), 'monitorodata/Sessions')) seen.push(page);
      })(),
    );
    expect(error).toBeInstanceOf(ForeignOriginError);
    expect((error as ForeignOriginError).foreignOrigin).toBe(foreign.origin);
    expect((error as ForeignOriginError).message).toContain(foreign.origin);
    expect(seen).toHaveLength(0); // the page whose link is foreign is not handed out with a bad resume token
    expect(foreign.requests).toHaveLength(0);
    expect(fake.apiRequests).toHaveLength(1);
  });

  it.each([
    ['another port', (f: FakeCitrix) => f.url.replace(/:(\d+)$/, (_m, p: string) => `:${Number(p) + 1}`)],
    ['another scheme', (f: FakeCitrix) => f.url.replace('http:', 'https:')],
    ['another host name', (f: FakeCitrix) => f.url.replace('127.0.0.1', 'localhost')],
    ['a protocol-relative link to another host', (f: FakeCitrix) => `//localhost:${new URL(f.url).port}`],
    ['userinfo tricks', (f: FakeCitrix) => `http://${new URL(f.url).host}@localhost:1`],
  ])('refuses a nextLink to %s', async (_name, base) => {
    const fake = await fakeCitrix({
      api: pagedSessions((skip, s) => `${base(s)}/monitorodata/Sessions?$skiptoken=${skip}`),
    });
    const error = await rejectionOf(collect(paginateOData(client(fake), 'monitorodata/Sessions')));
    expect(error).toBeInstanceOf(ForeignOriginError);
    expect(fake.apiRequests).toHaveLength(1);
  });

  it('refuses a resume token on another origin before sending anything', async () => {
    const foreign = await fakeCitrix();
    const fake = await fakeCitrix();
    const error = await rejectionOf(
      collect(
        paginateOData(client(fake), 'monitorodata/Sessions', {
          resume: `${foreign.url}/monitorodata/Sessions?$skiptoken=3`,
        }),
      ),
    );
    expect(error).toBeInstanceOf(ForeignOriginError);
    expect(foreign.requests).toHaveLength(0);
    expect(fake.requests).toHaveLength(0);
  });

  it('stops on a nextLink that repeats a page instead of looping forever', async () => {
    const fake = await fakeCitrix({
      api: ({ res, server }) =>
        sendJson(res, 200, { value: [{}], '@odata.nextLink': `${server.url}/monitorodata/Sessions` }),
    });
    const error = await rejectionOf(collect(paginateOData(client(fake), 'monitorodata/Sessions')));
    expect(error).toBeInstanceOf(SourceError);
    expect((error as SourceError).code).toBe('PAGING_LOOP');
  });

  it('rejects a body that is not an OData collection', async () => {
    const fake = await fakeCitrix({ api: ({ res }) => sendJson(res, 200, { items: [] }) });
    const error = await rejectionOf(collect(paginateOData(client(fake), 'monitorodata/Sessions')));
    expect((error as SourceError).code).toBe('INVALID_RESPONSE');
  });
});
