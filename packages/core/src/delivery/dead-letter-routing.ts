/**
 * A SIEM API sink keeps no dead letters (what would the SIEM do with a record it cannot ingest?): the
 * deployment names an object sink for them (`deadLetters`: file, S3, GCS), and this routes every
 * dead-letter part — writes, reads, listing — there, and everything else to the API sink.
 */
import type { Sink } from '../contracts/sink.ts';

export function withDeadLetterSink(sink: Sink, deadLetters: Sink): Sink {
  const routed: Sink = {
    type: sink.type,
    write: (batch) => (batch.kind === 'deadletter' ? deadLetters.write(batch) : sink.write(batch)),
    readPart: (part) => (part.kind === 'deadletter' ? deadLetters.readPart(part) : sink.readPart(part)),
    listDeadLetters: () => deadLetters.listDeadLetters(),
    async check() {
      const [own, dead] = await Promise.all([sink.check(), deadLetters.check()]);
      return `${own}; dead letters: ${dead}`;
    },
    async close() {
      await Promise.all([sink.close(), deadLetters.close()]);
    },
  };
  const { readPartDigests, refuse } = sink;
  // The runner asks for digests of `records` parts only; dead-letter parts are read with readPart.
  if (readPartDigests) routed.readPartDigests = (part, fence) => readPartDigests.call(sink, part, fence);
  if (refuse) routed.refuse = (record) => refuse.call(sink, record);
  return routed;
}
