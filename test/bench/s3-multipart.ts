/**
 * Benchmark: memory of the S3 sink's multipart path. Writes one batch of N MB (NDJSON) to a real MinIO
 * and reports how much the process grew while uploading, beyond the records it already held. Streamed
 * encoding + a bounded part queue keep that growth about the same for 50 MB and 150 MB batches.
 *   node --conditions=@ctxsiem/source test/bench/s3-multipart.ts <megabytes>
 */
import { type Batch, silentLogger, systemClock } from '@ctxsiem/core';
import { startMinio } from '@ctxsiem/local-services';
import { ensureBucket } from '@ctxsiem/object-store-s3';
import { s3Sink } from '@ctxsiem/sink-s3';

const megabytes = Number(process.argv[2] ?? 50);
const minio = await startMinio();
const config = minio.connection('bench');
await ensureBucket(config);
const sink = s3Sink(config, { logger: silentLogger(), clock: systemClock });

// ~1 KB per record.
const filler = 'x'.repeat(1000);
const records = Array.from({ length: megabytes * 1000 }, (_, i) => ({ id: i, filler }));
const from = new Date('2024-08-06T07:00:00Z');
const batch: Batch = {
  tenant: 'bench',
  source: 'bench',
  stream: 'big',
  window: { from, to: new Date('2024-08-06T08:00:00Z') },
  seq: 0,
  kind: 'records',
  records,
};
global.gc?.();
const live = () => {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
};
const before = process.memoryUsage().rss;
const liveBefore = live();
let peak = before;
let livePeak = liveBefore;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
  livePeak = Math.max(livePeak, live());
}, 5);
const began = performance.now();
const receipt = await sink.write(batch);
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
const seconds = (performance.now() - began) / 1000;
await sink.close();
await minio.stop();
process.stdout.write(
  `${JSON.stringify({
    benchmark: 's3 multipart upload of one batch',
    megabytes: Math.round(receipt.bytes / 1e6),
    upload: (receipt as { upload?: string }).upload,
    seconds: Number(seconds.toFixed(2)),
    rssBeforeMb: Math.round(before / 1048576),
    growthDuringUploadMb: Math.round((peak - before) / 1048576),
    liveGrowthMb: Math.round((livePeak - liveBefore) / 1048576),
  })}\n`,
);
