// THROWAWAY (delete after): probes MinIO's conditional-write semantics via @aws-sdk/client-s3.
import { CopyObjectCommand, CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client,
  CreateMultipartUploadCommand, UploadPartCommand, CompleteMultipartUploadCommand } from '@aws-sdk/client-s3';
import { startMinio } from '../test-kit/src/servers/index.ts';

const describeErr = (e) => ({ name: e?.name, ctor: e?.constructor?.name, status: e?.$metadata?.httpStatusCode, Code: e?.Code, message: String(e?.message).slice(0, 140), attempts: e?.$metadata?.attempts });
async function attempt(label, fn) {
  try { const r = await fn(); console.log(`  OK   ${label}`, r?.ETag ?? r?.$metadata?.httpStatusCode ?? ''); return r; }
  catch (e) { console.log(`  FAIL ${label}`, JSON.stringify(describeErr(e))); return undefined; }
}
let t = performance.now();
const srv = await startMinio();
console.log(`minio ready at ${srv.endpoint} in ${Math.round(performance.now() - t)} ms`);
const ready = await fetch(`${srv.endpoint}/minio/health/ready`); console.log('health/ready', ready.status);
const live = await fetch(`${srv.endpoint}/minio/health/live`); console.log('health/live', live.status);
const s3 = new S3Client({ endpoint: srv.endpoint, region: srv.region, forcePathStyle: true, credentials: { accessKeyId: srv.accessKeyId, secretAccessKey: srv.secretAccessKey } });
const Bucket = 'ckpt';
await attempt('CreateBucket', () => s3.send(new CreateBucketCommand({ Bucket })));
await attempt('CreateBucket again', () => s3.send(new CreateBucketCommand({ Bucket })));
const put = (Key, Body, extra = {}) => s3.send(new PutObjectCommand({ Bucket, Key, Body, ...extra }));
const head = async (Key) => (await s3.send(new HeadObjectCommand({ Bucket, Key })));
const body = async (Key) => (await s3.send(new GetObjectCommand({ Bucket, Key }))).Body.transformToString();

console.log(' -- create-only');
await attempt("PutObject IfNoneMatch:'*' #1", () => put('a', 'v1', { IfNoneMatch: '*' }));
await attempt("PutObject IfNoneMatch:'*' #2 → expect 412", () => put('a', 'v2', { IfNoneMatch: '*' }));
console.log('  content:', await body('a'));
console.log(' -- compare-and-swap');
const e1 = (await head('a')).ETag;
await attempt(`PutObject IfMatch:${e1} (current)`, () => put('a', 'v3', { IfMatch: e1 }));
await attempt(`PutObject IfMatch:${e1} (stale) → expect 412`, () => put('a', 'v4', { IfMatch: e1 }));
await attempt('PutObject IfMatch:"0123" (garbage) → expect 412', () => put('a', 'v4', { IfMatch: '"0123456789abcdef0123456789abcdef"' }));
await attempt('PutObject IfMatch on a missing key → AWS: 404 NoSuchKey', () => put('missing', 'x', { IfMatch: e1 }));
const e3 = (await head('a')).ETag;
await attempt(`PutObject IfNoneMatch:${e3} (specific etag, current) → AWS rejects (only '*'); MinIO?`, () => put('a', 'v5', { IfNoneMatch: e3 }));
console.log('  content:', await body('a'));
console.log(' -- ETag is content MD5 → ABA');
await put('aba', 'same'); const ea = (await head('aba')).ETag; await put('aba', 'other'); await put('aba', 'same');
await attempt(`PutObject IfMatch:<etag of first "same"> after same→other→same`, () => put('aba', 'new', { IfMatch: ea }));
console.log(' -- other operations');
const ed = (await head('a')).ETag;
await attempt('DeleteObject IfMatch stale → AWS (2024+): 412', () => s3.send(new DeleteObjectCommand({ Bucket, Key: 'a', IfMatch: e1 })));
console.log('  exists after stale-IfMatch delete:', await head('a').then(() => true, () => false));
await attempt('CopyObject onto existing dest with IfNoneMatch:* → AWS: 412', () => s3.send(new CopyObjectCommand({ Bucket, Key: 'a', CopySource: `${Bucket}/aba`, IfNoneMatch: '*' })));
console.log('  content of a:', await body('a'));
await attempt(`DeleteObject IfMatch current`, () => s3.send(new DeleteObjectCommand({ Bucket, Key: 'a', IfMatch: (await head('a')).ETag })));
console.log('  exists after current-IfMatch delete:', await head('a').then(() => true, () => false));
console.log(' -- multipart CompleteMultipartUpload IfNoneMatch:* onto existing key');
await put('mp', 'exists');
const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'mp' }));
const part = await s3.send(new UploadPartCommand({ Bucket, Key: 'mp', UploadId, PartNumber: 1, Body: 'part' }));
await attempt('CompleteMultipartUpload IfNoneMatch:* → expect 412', () => s3.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'mp', UploadId, IfNoneMatch: '*', MultipartUpload: { Parts: [{ ETag: part.ETag, PartNumber: 1 }] } })));
console.log('  content of mp:', await body('mp'));

console.log(' -- concurrency: 20 parallel create-only puts of one new key');
let rs = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => put('race', `w${i}`, { IfNoneMatch: '*' })));
console.log('  fulfilled:', rs.filter((r) => r.status === 'fulfilled').length, 'rejected:', JSON.stringify([...new Set(rs.filter((r) => r.status === 'rejected').map((r) => `${r.reason.name}/${r.reason.$metadata?.httpStatusCode}`))]));
const base = (await head('race')).ETag;
console.log(' -- concurrency: 20 parallel IfMatch puts from the same etag (distinct bodies)');
rs = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => put('race', `cas${i}`, { IfMatch: base })));
console.log('  fulfilled:', rs.filter((r) => r.status === 'fulfilled').length, 'rejected:', JSON.stringify([...new Set(rs.filter((r) => r.status === 'rejected').map((r) => `${r.reason.name}/${r.reason.$metadata?.httpStatusCode}`))]));
t = performance.now();
await srv.stop();
console.log('stopped in', Math.round(performance.now() - t), 'ms');
