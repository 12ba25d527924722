/**
 * A sentinel consumer in a process of its own, for tests that kill it: reads `{ options, tenant }` as
 * JSON on stdin (the password travels there, not on the command line), joins the group through the
 * source, prints `joined <partitions>` once it has its assignment, and keeps fetching without ever
 * committing until it is killed. Run with `node --conditions=@ctxsiem/source`.
 */
import { silentLogger, systemClock } from '@ctxsiem/core';
import { SentinelOptionsSchema, sentinelSource } from '../src/index.ts';

let input = '';
for await (const chunk of process.stdin) input += chunk;
const { options, tenant } = JSON.parse(input) as { options: unknown; tenant: string };
const source = sentinelSource(
  { options: SentinelOptionsSchema.parse(options), tenant },
  { logger: silentLogger(), clock: systemClock },
);
const consumer = await source.open(new AbortController().signal);
const owned = [0, 1, 2].filter((partition) => consumer.owns(partition));
process.stdout.write(`joined ${owned.join(',')}\n`);
for await (const _message of consumer.messages()) {
  // Fetched, never committed: a member that dies now leaves its partitions uncommitted.
}
