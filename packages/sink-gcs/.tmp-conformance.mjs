// THROWAWAY (delete after): probes fake-gcs-server's conditional-write semantics via @google-cloud/storage.
import { Storage } from '@google-cloud/storage';
import { startFakeGcs } from '../test-kit/src/servers/index.ts';

const describeErr = (e) => ({ name: e?.name, code: e?.code, message: String(e?.message).split('\n')[0].slice(0, 160), reason: e?.errors?.[0]?.reason });
async function attempt(label, fn) {
  try { const r = await fn(); console.log(`  OK   ${label}`, r ?? ''); return r; }
  catch (e) { console.log(`  FAIL ${label}`, JSON.stringify(describeErr(e))); return undefined; }
}

for (const backend of ['memory', 'filesystem']) {
  const srv = await startFakeGcs({ backend });
  console.log(`\n== fake-gcs-server backend=${backend} at ${srv.endpoint}`);
  const storage = new Storage({ apiEndpoint: srv.endpoint, projectId: 'test' });
  const [bucket] = await storage.createBucket('ckpt');
  const gen = async (f) => (await f.getMetadata())[0].generation;
  for (const resumable of [false, true]) {
    console.log(` -- resumable=${resumable}`);
    const f = bucket.file(`obj-${resumable}`);
    await attempt('save ifGenerationMatch:0 (create-only) #1', () => f.save('v1', { resumable, preconditionOpts: { ifGenerationMatch: 0 } }));
    const g1 = await gen(f);
    console.log('  generation after #1:', g1);
    await attempt('save ifGenerationMatch:0 (create-only) #2 → expect 412', () => f.save('v2', { resumable, preconditionOpts: { ifGenerationMatch: 0 } }));
    await attempt(`save ifGenerationMatch:${g1} (current) → expect OK`, () => f.save('v3', { resumable, preconditionOpts: { ifGenerationMatch: Number(g1) } }));
    const g2 = await gen(f);
    console.log('  generation after CAS:', g2, 'content:', (await f.download())[0].toString());
    await attempt(`save ifGenerationMatch:${g1} (stale) → expect 412`, () => f.save('v4', { resumable, preconditionOpts: { ifGenerationMatch: Number(g1) } }));
    await attempt(`save ifGenerationNotMatch:${g2} (current) → expect 412`, () => f.save('v5', { resumable, preconditionOpts: { ifGenerationNotMatch: Number(g2) } }));
    console.log('  content now:', (await f.download())[0].toString());
  }
  const f = bucket.file('obj-false');
  const g = await gen(f);
  console.log(' -- other operations');
  await attempt('setMetadata ifMetagenerationMatch:999 (stale) → expect 412', () => f.setMetadata({ metadata: { a: 'b' } }, { ifMetagenerationMatch: 999 }));
  await attempt('download ifGenerationMatch:1 (stale) → GCS would 412', async () => (await f.download({ ifGenerationMatch: 1 }))[0].toString());
  await attempt('delete ifGenerationMatch:1 (stale) → GCS would 412', () => f.delete({ ifGenerationMatch: 1 }));
  console.log('  object still exists after stale delete?', (await f.exists())[0]);
  if ((await f.exists())[0]) await attempt(`delete ifGenerationMatch:${g} (current)`, () => f.delete({ ifGenerationMatch: Number(g) }));
  await attempt('copy to obj-true with ifGenerationMatch:0 (dest exists) → GCS would 412', () => bucket.file('obj-true').copy(bucket.file('obj-true'), { preconditionOpts: { ifGenerationMatch: 0 } }));

  console.log(' -- concurrency: 20 parallel create-only saves of one new name');
  const c = bucket.file('race-create');
  const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => c.save(`w${i}`, { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } })));
  console.log('  fulfilled:', results.filter((r) => r.status === 'fulfilled').length, 'rejected codes:', [...new Set(results.filter((r) => r.status === 'rejected').map((r) => r.reason.code))]);
  const base = await gen(c);
  console.log(' -- concurrency: 20 parallel CAS saves from the same generation', base);
  const cas = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => c.save(`cas${i}`, { resumable: false, preconditionOpts: { ifGenerationMatch: Number(base) } })));
  console.log('  fulfilled:', cas.filter((r) => r.status === 'fulfilled').length, 'rejected codes:', [...new Set(cas.filter((r) => r.status === 'rejected').map((r) => r.reason.code))]);
  console.log(' -- generations of consecutive writes:');
  const gens = [];
  for (let i = 0; i < 3; i++) { await c.save(`seq${i}`, { resumable: false }); gens.push(await gen(c)); }
  console.log('  ', gens.join(', '));
  await srv.stop();
}
