/** The local file sink: the embedded default. Same layout as the object sinks, written atomically. */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Batch,
  batchKey,
  encodeNdjson,
  parseConfig,
  type Sink,
  SinkError,
  type SinkFactory,
} from '@ctxsiem/core';
import { writeFileAtomic } from './atomic-write.ts';
import { type FileSinkConfig, FileSinkConfigSchema } from './config.ts';

export const fileSink: SinkFactory<unknown> = (input) => {
  const config: FileSinkConfig = parseConfig('sink-file', FileSinkConfigSchema, input);
  const layout = { prefix: config.prefix, gzip: config.gzip };

  const sink: Sink = {
    type: 'file',
    async write(batch: Batch) {
      const path = join(config.directory, batchKey(batch, layout));
      const body = encodeNdjson(batch.records, config.gzip);
      try {
        await writeFileAtomic(path, body);
      } catch (error) {
        throw new SinkError(`could not write ${path}`, { cause: error, retryable: false });
      }
      return { location: path, records: batch.records.length, bytes: body.length };
    },
    async check() {
      const probe = join(
        config.directory,
        config.prefix.replaceAll('{tenant}', '_probe'),
        `.ctxsiem-probe-${process.pid}`,
      );
      try {
        await writeFileAtomic(probe, '{}\n');
        await rm(probe);
      } catch (error) {
        throw new SinkError(`the output folder ${config.directory} is not writable`, { cause: error });
      }
      return `wrote and removed a probe file under ${config.directory}`;
    },
    async close() {},
  };
  return sink;
};
