/**
 * maxResponseBytes: a body is refused on Content-Length, while it streams in, or while it decodes (a
 * compression bomb), with reading stopped at the cap, the connection dropped, and no retry.
 */
import { brotliCompressSync, constants, deflateSync, gzipSync } from 'node:zlib';
import { createLogger, SecretRegistry, SourceError } from '@ctxsiem/core';
import { afterEach, describe, expect, it } from 'vitest';
import { formatBytes, ResponseTooLargeError } from '../../src/index.ts';
import { type StreamedBody, sendJson, streamBody } from '../support/fake-citrix.ts';
import { errorText, rejectionOf, TEST_SECRET, testResources } from '../support/test-client.ts';

const resources = testResources();
afterEach(resources.close);

const KiB = 1024;
const MiB = 1024 * KiB;
/** The most a single chunk (one socket read, one decoder output chunk) can carry past the cap. */
const ONE_CHUNK = 64 * KiB;
const SESSIONS = 'monitorodata/Sessions';

/** `count` chunks of `size` bytes of `fill`. */
function* repeat(count: number, size: number, fill = 0x20): Generator<Buffer> {
  const chunk = Buffer.alloc(size, fill);
  for (let i = 0; i < count; i++) yield chunk;
}

/** `buffer` cut into pieces of at most `size` bytes. */
function* pieces(buffer: Buffer, size: number): Generator<Buffer> {
  for (let at = 0; at < buffer.length; at += size) yield buffer.subarray(at, at + size);
}

/** A JSON OData collection whose text is exactly `size` bytes. */
function jsonOfSize(size: number): string {
  const empty = '{"value":[],"pad":""}';
  return `{"value":[],"pad":"${'x'.repeat(size - empty.length)}"}`;
}

async function tooLarge(promise: Promise<unknown>): Promise<ResponseTooLargeError> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(ResponseTooLargeError);
  expect(error).toBeInstanceOf(SourceError);
  expect((error as ResponseTooLargeError).code).toBe('RESPONSE_TOO_LARGE');
  return error as ResponseTooLargeError;
}

/** A fake whose every API call is answered by `answer`, remembering what each answer streamed. */
async function fakeStreaming(answer: (res: Parameters<typeof streamBody>[0]) => StreamedBody) {
  const sent: StreamedBody[] = [];
  const fake = await resources.fakeCitrix({
    api: ({ res }) => {
      sent.push(answer(res));
    },
  });
  return { fake, sent };
}

describe('maxResponseBytes while the body streams in', () => {
  it('refuses a slow chunked body over the cap after reading about the cap, and drops the connection', async () => {
    const cap = 256 * KiB;
    const total = 16 * MiB;
    const { fake, sent } = await fakeStreaming((res) =>
      streamBody(res, { 'content-type': 'application/json' }, repeat(total / (16 * KiB), 16 * KiB), {
        pauseMs: 1,
      }),
    );
    const c = resources.client(fake, { maxResponseBytes: cap });
    const error = await tooLarge(c.getJson(SESSIONS));
    expect(error.reason).toBe('body');
    expect(error.limitBytes).toBe(cap);
    expect(error.status).toBe(200);
    expect(error.receivedBytes).toBeGreaterThan(cap);
    expect(error.receivedBytes).toBeLessThanOrEqual(cap + ONE_CHUNK);
    expect(error.contentLength).toBeUndefined();
    // The server saw the connection closed long before it could finish writing.
    await sent[0]?.done;
    expect(sent[0]?.closedEarly).toBe(true);
    expect(sent[0]?.complete).toBe(false);
    expect(sent[0]?.written).toBeLessThan(total / 4);
    // Not retried.
    expect(fake.apiRequests).toHaveLength(1);
    expect(c.stats).toMatchObject({ requests: 1, retries: 0 });
  });

  it('refuses a Content-Length over the cap before reading any of the body', async () => {
    const cap = 256 * KiB;
    const total = 10 * MiB;
    const { fake, sent } = await fakeStreaming((res) =>
      streamBody(
        res,
        { 'content-type': 'application/json', 'content-length': String(total) },
        repeat(total / (16 * KiB), 16 * KiB),
        { pauseMs: 1 },
      ),
    );
    const c = resources.client(fake, { maxResponseBytes: cap });
    const error = await tooLarge(c.getJson(SESSIONS));
    expect(error.reason).toBe('content-length');
    expect(error.contentLength).toBe(total);
    expect(error.receivedBytes).toBe(0);
    expect(error.decodedBytes).toBe(0);
    expect(error.message).toContain('announced a 10 MiB body (Content-Length 10485760)');
    expect(error.message).toContain('the body was not read');
    await sent[0]?.done;
    expect(sent[0]?.closedEarly).toBe(true);
    expect(sent[0]?.written).toBeLessThan(total / 4);
    expect(fake.apiRequests).toHaveLength(1);
    expect(c.stats.retries).toBe(0);
  });

  it('applies to error answers too: a huge 503 body is refused, not retried', async () => {
    const cap = 64 * KiB;
    const { fake } = await fakeStreaming((res) =>
      streamBody(res, { 'content-type': 'application/json' }, repeat(64, 16 * KiB), { status: 503 }),
    );
    const c = resources.client(fake, { maxResponseBytes: cap });
    const error = await tooLarge(c.getJson(SESSIONS));
    expect(error.status).toBe(503);
    expect(fake.apiRequests).toHaveLength(1);
  });

  it('counts the compressed bytes too: endless empty gzip members are refused at the wire cap', async () => {
    // Each empty member is 20 bytes that decode to nothing: only the count of received bytes stops it.
    const member = gzipSync(Buffer.alloc(0));
    const chunk = Buffer.concat(Array.from({ length: Math.floor((16 * KiB) / member.length) }, () => member));
    const cap = 256 * KiB;
    const chunks = (4 * MiB) / (16 * KiB);
    const { fake, sent } = await fakeStreaming((res) =>
      streamBody(
        res,
        { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        Array.from({ length: chunks }, () => chunk),
        { pauseMs: 1 },
      ),
    );
    const c = resources.client(fake, { maxResponseBytes: cap });
    const error = await tooLarge(c.getJson(SESSIONS));
    expect(error.reason).toBe('body');
    expect(error.decodedBytes).toBe(0);
    expect(error.receivedBytes).toBeGreaterThan(cap);
    expect(error.receivedBytes).toBeLessThanOrEqual(cap + ONE_CHUNK);
    await sent[0]?.done;
    expect(sent[0]?.closedEarly).toBe(true);
    expect(fake.apiRequests).toHaveLength(1);
  });
});

describe('maxResponseBytes while decoding (compression bombs)', () => {
  it('stops a gzip bomb after decoding about the cap, long before the server has sent it all', async () => {
    // 10 MiB of zeros gzip to about 10 KiB; 100 such members decode to 1000 MiB.
    const member = gzipSync(Buffer.alloc(10 * MiB));
    expect(member.length).toBeLessThan(20 * KiB);
    const members = 100;
    const cap = 1 * MiB;
    const { fake, sent } = await fakeStreaming((res) =>
      streamBody(
        res,
        { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        Array.from({ length: members }, () => member),
        { pauseMs: 2 },
      ),
    );
    const c = resources.client(fake, { maxResponseBytes: cap });
    const error = await tooLarge(c.getJson(SESSIONS));
    expect(error.reason).toBe('decoded');
    expect(error.encoding).toBe('gzip');
    // Memory stayed bounded: at most one decoder chunk past the cap was ever produced.
    expect(error.decodedBytes).toBeGreaterThan(cap);
    expect(error.decodedBytes).toBeLessThanOrEqual(cap + ONE_CHUNK);
    expect(error.receivedBytes).toBeLessThan(members * member.length);
    expect(error.message).toContain('sent a gzip body that decodes to more than the 1 MiB limit');
    await sent[0]?.done;
    expect(sent[0]?.closedEarly).toBe(true);
    expect(sent[0]?.written).toBeLessThan((members * member.length) / 2);
    expect(fake.apiRequests).toHaveLength(1);
    expect(c.stats.retries).toBe(0);
  });

  it.each([
    ['deflate', deflateSync],
    ['br', (data: Buffer) => brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } })],
    ['x-gzip', gzipSync],
  ] as const)('stops a %s bomb at the cap', async (encoding, compress) => {
    const bomb = compress(Buffer.alloc(32 * MiB));
    expect(bomb.length).toBeLessThan(64 * KiB);
    const cap = 512 * KiB;
    const { fake } = await fakeStreaming((res) =>
      streamBody(
        res,
        { 'content-type': 'application/json', 'content-encoding': encoding },
        pieces(bomb, 1024),
      ),
    );
    const c = resources.client(fake, { maxResponseBytes: cap });
    const error = await tooLarge(c.getJson(SESSIONS));
    expect(error.reason).toBe('decoded');
    expect(error.encoding).toBe(encoding);
    expect(error.decodedBytes).toBeGreaterThan(cap);
    expect(error.decodedBytes).toBeLessThanOrEqual(cap + ONE_CHUNK);
    expect(fake.apiRequests).toHaveLength(1);
  });
});

describe('bodies up to the cap', () => {
  const cap = 256 * KiB;

  it.each([
    ['plain, with Content-Length', false, true],
    ['plain, chunked', false, false],
    ['gzip, decoding to exactly the cap', true, false],
  ])('%s: a body of exactly maxResponseBytes is returned whole', async (_name, zipped, withLength) => {
    const text = jsonOfSize(cap);
    const body = zipped ? gzipSync(text) : Buffer.from(text);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (zipped) headers['content-encoding'] = 'gzip';
    if (withLength) headers['content-length'] = String(body.length);
    const { fake } = await fakeStreaming((res) => streamBody(res, headers, pieces(body, 16 * KiB)));
    const c = resources.client(fake, { maxResponseBytes: cap });
    const result = await c.getJson<{ value: unknown[]; pad: string }>(SESSIONS);
    expect(result.value).toEqual([]);
    expect(result.pad.length).toBe(cap - '{"value":[],"pad":""}'.length);
  });

  it.each([
    ['plain', false],
    ['gzip', true],
  ])('%s: one byte more is refused', async (_name, zipped) => {
    const text = jsonOfSize(cap + 1);
    const body = zipped ? gzipSync(text) : Buffer.from(text);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (zipped) headers['content-encoding'] = 'gzip';
    const { fake } = await fakeStreaming((res) => streamBody(res, headers, pieces(body, 16 * KiB)));
    const c = resources.client(fake, { maxResponseBytes: cap });
    const error = await tooLarge(c.getJson(SESSIONS));
    expect(error.reason).toBe(zipped ? 'decoded' : 'body');
  });

  it('the default cap is 64 MiB', async () => {
    const fake = await resources.fakeCitrix({ api: ({ res }) => sendJson(res, 200, { value: [] }) });
    expect(resources.client(fake).config.maxResponseBytes).toBe(64 * MiB);
  });
});

describe('the error message', () => {
  it('names method, origin and path without the query string, the limit, and how to raise it', async () => {
    const lines: string[] = [];
    const secrets = new SecretRegistry();
    const logger = createLogger({
      level: 'debug',
      secrets,
      destination: { write: (line: string) => lines.push(line) },
    });
    const cap = 256 * KiB;
    const { fake } = await fakeStreaming((res) =>
      streamBody(res, { 'content-type': 'application/json' }, repeat(64, 16 * KiB)),
    );
    const c = resources.client(fake, { maxResponseBytes: cap }, { logger, secrets });
    const error = await tooLarge(
      c.getJson(`${SESSIONS}?$filter=UserName%20eq%20'bob'&$skiptoken=opaque-skip-value&sig=abc123`),
    );
    expect(error.operation).toBe(`GET ${fake.url}/monitorodata/Sessions`);
    expect(error.message).toMatch(
      new RegExp(
        `^GET ${fake.url.replaceAll('.', '\\.')}/monitorodata/Sessions sent a body larger than the 256 KiB limit \\(maxResponseBytes = 262144 bytes\\); reading stopped after \\d+ bytes\\. Raise maxResponseBytes in the Citrix Cloud client config`,
      ),
    );
    const text = errorText(error) + lines.join('');
    for (const leak of ['?', 'skiptoken', 'bob', 'abc123', TEST_SECRET, ...fake.issuedTokens]) {
      expect(text).not.toContain(leak);
    }
  });

  it('refuses a huge token endpoint answer without retrying, naming the token URL but never the secret', async () => {
    const cap = 64 * KiB;
    const sent: StreamedBody[] = [];
    const fake = await resources.fakeCitrix({
      token: (_req, res) => {
        sent.push(
          streamBody(res, { 'content-type': 'application/json' }, repeat(64, 16 * KiB), { pauseMs: 1 }),
        );
      },
    });
    const c = resources.client(fake, { maxResponseBytes: cap });
    const error = await tooLarge(c.getJson(SESSIONS));
    expect(error.operation).toBe(`POST ${fake.url}/cctrustoauth2/acme/tokens/clients`);
    expect(fake.tokenRequests).toHaveLength(1);
    expect(fake.apiRequests).toHaveLength(0);
    expect(errorText(error)).not.toContain(TEST_SECRET);
    await sent[0]?.done;
    expect(sent[0]?.closedEarly).toBe(true);
  });

  it.each([
    [64 * MiB, '64 MiB'],
    [1.5 * MiB, '1.5 MiB'],
    [512 * KiB, '512 KiB'],
    [900, '900 bytes'],
    [2 * 1024 * MiB, '2 GiB'],
  ])('formatBytes(%i) = %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});
