import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { ByteCounter, encodeNdjson, ndjsonStream } from '../src/index.ts';

/** Collects what reaches the end of a pipeline. */
function collector(): { sink: Writable; body: () => Buffer } {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  return { sink, body: () => Buffer.concat(chunks) };
}

describe('ByteCounter', () => {
  it('passes a stream through unchanged and counts its bytes', async () => {
    const counter = new ByteCounter();
    const out = collector();
    await pipeline(Readable.from([Buffer.from('héllo '), Buffer.from('wörld\n')]), counter, out.sink);
    expect(out.body().toString('utf8')).toBe('héllo wörld\n');
    expect(counter.bytes).toBe(Buffer.byteLength('héllo wörld\n'));
  });

  it('counts what a streamed NDJSON body (plain or gzip) really is, as a receipt reports it', async () => {
    const records = Array.from({ length: 500 }, (_, i) => ({ id: `r-${i}`, text: 'é ✓' }));
    for (const gzip of [false, true]) {
      const counter = new ByteCounter();
      const out = collector();
      await pipeline(ndjsonStream(records, gzip), counter, out.sink);
      expect(counter.bytes).toBe(out.body().length);
      if (!gzip) expect(out.body()).toEqual(encodeNdjson(records));
    }
  });

  it('counts nothing for an empty stream', async () => {
    const counter = new ByteCounter();
    await pipeline(Readable.from([]), counter, collector().sink);
    expect(counter.bytes).toBe(0);
  });
});
