/**
 * The conformance suite every bucket driver (core's `ObjectStoreDriver`: S3, GCS) runs against a real
 * server (MinIO, fake-gcs-server). What the object sink and the object checkpoint store rest on is
 * checked on the driver itself, so a new driver proves it before a sink or store is built on it:
 *
 * - create-only writes, whole and streamed: a second write of the name is refused (`created: false`)
 *   and leaves the stored bytes as they were; the digest metadata and the bytes (gzip kept as stored)
 *   come back; a streamed body is asked for again on each attempt;
 * - conditional documents (`ObjectBucket`): create-only, replace exactly one version, stale and
 *   made-up versions refused, reads with the version, deletes, listings;
 * - reads of what does not exist answer undefined; listings come in name order, under the prefix
 *   only, with sizes and versions that change with the content; failures are explained naming the
 *   operation and the object.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { gzipSync } from 'node:zlib';
import type { ObjectStoreDriver } from '@ctxsiem/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

export interface TestObjectStoreDriverOptions {
  name: string;
  /** A driver on a fresh, empty bucket. */
  create: () => Promise<{ driver: ObjectStoreDriver; cleanup?: () => Promise<void> }>;
  /** A driver on a bucket that does not exist, for the explained failure. */
  createMissing: () => Promise<ObjectStoreDriver>;
  /** How the driver writes locations: `s3://`, `gs://`. */
  scheme: string;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const ndjson = { contentType: 'application/x-ndjson' };

export function testObjectStoreDriver(options: TestObjectStoreDriverOptions): void {
  describe(`object store driver conformance: ${options.name}`, () => {
    let driver: ObjectStoreDriver;
    let cleanup: (() => Promise<void>) | undefined;
    let n = 0;
    /** A fresh object name for each case. */
    const fresh = (folder = 'case') => `${folder}-${++n}/part-${n}.ndjson`;

    beforeAll(async () => {
      ({ driver, cleanup } = await options.create());
    });
    afterAll(async () => {
      await driver?.close();
      await cleanup?.();
    });

    describe('create-only objects', () => {
      it('creates a whole body once, then refuses a second write of the name and keeps the first', async () => {
        const name = fresh();
        const first = Buffer.from('{"a":1}\n');
        expect(await driver.create(name, first, { ...ndjson, sha256: sha256(first) })).toMatchObject({
          created: true,
        });
        const other = Buffer.from('{"a":2}\n');
        const second = await driver.create(name, other, { ...ndjson, sha256: sha256(other) });
        expect(second.created).toBe(false);
        if (!second.created) expect(second.refusal).toBeDefined();
        expect(await driver.read(name)).toEqual(first);
      });

      it('streams a body, asking for it on each attempt, and refuses a second streamed write', async () => {
        const name = fresh();
        const body = Buffer.from(Array.from({ length: 2000 }, (_, i) => `{"i":${i}}\n`).join(''));
        let opened = 0;
        const open = () => {
          opened++;
          return Readable.from([body.subarray(0, 1000), body.subarray(1000)]);
        };
        expect(await driver.create(name, open, { ...ndjson, sha256: sha256(body) })).toMatchObject({
          created: true,
        });
        expect(opened).toBeGreaterThanOrEqual(1);
        expect(await driver.read(name)).toEqual(body);
        const again = await driver.create(name, open, { ...ndjson, sha256: sha256(body) });
        expect(again.created).toBe(false);
      });

      it('keeps the digest metadata and the size, and gives the bytes exactly as stored (gzip too)', async () => {
        const name = fresh();
        const plain = Buffer.from('{"zipped":true}\n');
        const body = gzipSync(plain);
        await driver.create(name, body, { ...ndjson, contentEncoding: 'gzip', sha256: sha256(body) });
        const stored = await driver.stored(name);
        expect(stored).toBeDefined();
        expect(stored?.sha256).toBe(sha256(body));
        expect(stored?.bytes).toBe(body.length);
        expect(await buffer(await stored!.body())).toEqual(body);
        // A second pass reads the bytes again.
        expect(await buffer(await stored!.body())).toEqual(body);
        stored!.release();
        expect(await driver.read(name)).toEqual(body);
        expect(await buffer((await driver.open(name))!)).toEqual(body);
      });

      it('answers undefined (not an error) for an object that does not exist', async () => {
        const name = fresh();
        expect(await driver.exists(name)).toBe(false);
        expect(await driver.stored(name)).toBeUndefined();
        expect(await driver.read(name)).toBeUndefined();
        expect(await driver.open(name)).toBeUndefined();
        await driver.remove(name); // removing what is not there is not an error
      });

      it('removes an object, after which the name can be created again', async () => {
        const name = fresh();
        const body = Buffer.from('x\n');
        await driver.create(name, body, { ...ndjson, sha256: sha256(body) });
        expect(await driver.exists(name)).toBe(true);
        await driver.remove(name);
        expect(await driver.exists(name)).toBe(false);
        expect((await driver.create(name, body, { ...ndjson, sha256: sha256(body) })).created).toBe(true);
      });
    });

    describe('listings', () => {
      it('lists the objects under a prefix only, in name order, with sizes and versions', async () => {
        const folder = `listing-${++n}`;
        const names = ['b.ndjson', 'a.ndjson', 'sub/c.ndjson'].map((leaf) => `${folder}/${leaf}`);
        for (const name of names) {
          const body = Buffer.from(`${name}\n`);
          await driver.create(name, body, { ...ndjson, sha256: sha256(body) });
        }
        const outside = `${folder}-beside/d.ndjson`;
        await driver.create(outside, Buffer.from('d\n'), { ...ndjson, sha256: sha256(Buffer.from('d\n')) });
        const listed = [];
        for await (const object of driver.objects(`${folder}/`)) listed.push(object);
        expect(listed.map((object) => object.name)).toEqual([...names].sort());
        for (const object of listed) {
          expect(object.size).toBe(Buffer.byteLength(`${object.name}\n`));
          expect(object.version).not.toBe('');
          expect(object.modified.getTime()).toBeGreaterThan(0);
        }
        // Rewritten (removed and created again with other bytes), an object has another version.
        const [first] = listed;
        await driver.remove(first!.name);
        const other = Buffer.from('other content\n');
        await driver.create(first!.name, other, { ...ndjson, sha256: sha256(other) });
        const after = [];
        for await (const object of driver.objects(first!.name)) after.push(object);
        expect(after).toHaveLength(1);
        expect(after[0]!.version).not.toBe(first!.version);
      });
    });

    describe('conditional documents', () => {
      it('creates once, replaces exactly the version read, refuses stale and made-up versions', async () => {
        const name = `documents-${++n}/stream.json`;
        const created = await driver.put(name, '{"v":1}', { create: true }, 'checkpoint');
        expect('version' in created).toBe(true);
        expect('refused' in (await driver.put(name, '{"v":1}', { create: true }, 'checkpoint'))).toBe(true);
        const v1 = (created as { version: string }).version;
        expect(await driver.get(name, 'checkpoint')).toEqual({ text: '{"v":1}', version: v1 });
        const replaced = await driver.put(name, '{"v":2}', { create: false, ifVersion: v1 }, 'checkpoint');
        expect('version' in replaced).toBe(true);
        const v2 = (replaced as { version: string }).version;
        expect(v2).not.toBe(v1);
        expect(
          'refused' in (await driver.put(name, '{"v":3}', { create: false, ifVersion: v1 }, 'checkpoint')),
        ).toBe(true);
        expect(
          'refused' in
            (await driver.put(name, '{"v":3}', { create: false, ifVersion: 'no-such' }, 'checkpoint')),
        ).toBe(true);
        expect(await driver.get(name, 'checkpoint')).toEqual({ text: '{"v":2}', version: v2 });
        expect(await driver.list(`documents-${n}/`, 'checkpoint')).toEqual([name]);
        await driver.delete(name, 'checkpoint');
        await driver.delete(name, 'checkpoint'); // a missing one is not an error
        expect(await driver.get(name, 'checkpoint')).toBeUndefined();
        // Deleted, the old version no longer matches.
        expect(
          'refused' in (await driver.put(name, '{"v":4}', { create: false, ifVersion: v2 }, 'checkpoint')),
        ).toBe(true);
      });
    });

    describe('failures', () => {
      it('explains a failure naming the operation, the object and the permission', async () => {
        const missing = await options.createMissing();
        try {
          const name = 'part.ndjson';
          const body = Buffer.from('x\n');
          const error = await missing.create(name, body, { ...ndjson, sha256: sha256(body) }).then(
            () => undefined,
            (caught: unknown) => caught,
          );
          expect(error).toBeDefined();
          const { message } = missing.explain(error, { action: 'writing', name, access: 'write' });
          expect(message).toContain(`writing ${missing.location(name)}`);
          expect(missing.location(name)).toBe(`${options.scheme}://${missing.bucket}/${name}`);
          expect(missing.permission('write')).not.toBe('');
          expect(missing.createOnlyIgnored(name)).toContain(missing.location(name));
        } finally {
          await missing.close();
        }
      });
    });
  });
}
