import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ManualClock, SourceHold, type SourceHoldOptions, silentLogger } from '../src/index.ts';
import { memoryDocuments } from './memory-documents.ts';

const LEASE = 60_000;

function setUp() {
  const clock = new ManualClock(Date.parse('2026-12-07T12:00:00Z'));
  const documents = memoryDocuments();
  const options = (owner: string): SourceHoldOptions => ({
    documents,
    tenant: 'acme',
    source: 'monitor',
    owner,
    leaseMs: LEASE,
    clock,
    logger: silentLogger(),
  });
  return { clock, documents, options };
}

/** Lets the renewal a clock move fired finish its write. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('a replica’s hold on a tenant’s source', () => {
  it('is one replica’s at a time: another finds who holds it and until when', async () => {
    const { options } = setUp();
    const first = await SourceHold.take(options('host-a:1:aaaa'));
    expect(first).toBeInstanceOf(SourceHold);
    expect(await SourceHold.take(options('host-b:2:bbbb'))).toEqual({
      owner: 'host-a:1:aaaa',
      expiresAt: '2026-12-07T12:01:00.000Z',
    });
  });

  it('is renewed while the run lasts, and free for the next replica once released', async () => {
    const { clock, documents, options } = setUp();
    const hold = (await SourceHold.take(options('host-a:1:aaaa'))) as SourceHold;
    for (let i = 0; i < 6; i++) {
      clock.advance(LEASE / 3);
      await settle();
    }
    // Two leases on, renewed every third of one: still held.
    expect(documents.writes).toBe(7);
    expect(await SourceHold.take(options('host-b:2:bbbb'))).toMatchObject({ owner: 'host-a:1:aaaa' });
    await hold.release();
    const next = await SourceHold.take(options('host-b:2:bbbb'));
    expect(next).toBeInstanceOf(SourceHold);
    await (next as SourceHold).release();
    // Released: no renewal after it.
    const writes = documents.writes;
    clock.advance(LEASE);
    await settle();
    expect(documents.writes).toBe(writes);
  });

  it('is taken over when it expired, or when its holder was a process of this host that is gone', async () => {
    const { clock, documents, options } = setUp();
    const expired = new Date(clock.now() - 1).toISOString();
    await documents.write('_holds/acme/monitor', { owner: 'host-a:1:aaaa', expiresAt: expired }, undefined);
    expect(await SourceHold.take(options('host-b:2:bbbb'))).toBeInstanceOf(SourceHold);
    // A holder whose pid is gone from this host (kill -9): taken over before its hold expires.
    const local = setUp();
    await SourceHold.take(local.options(`${hostname()}:999999999:dead`));
    expect(await SourceHold.take(local.options('host-b:2:bbbb'))).toBeInstanceOf(SourceHold);
  });

  it('stops renewing when another replica took it over (a renewal that came too late)', async () => {
    const { clock, documents, options } = setUp();
    const hold = (await SourceHold.take(options('host-a:1:aaaa'))) as SourceHold;
    const stored = (await documents.read('_holds/acme/monitor'))!;
    await documents.write('_holds/acme/monitor', { owner: 'host-b:2:bbbb', expiresAt: 'x' }, stored.version);
    clock.advance(LEASE / 3);
    await settle();
    const writes = documents.writes;
    clock.advance(LEASE);
    await settle();
    expect(documents.writes).toBe(writes);
    await hold.release();
    expect((await documents.read('_holds/acme/monitor'))!.document.owner).toBe('host-b:2:bbbb');
  });
});
