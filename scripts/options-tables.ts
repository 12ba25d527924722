/**
 * Every package README's options tables, rendered from the zod schemas they document (see
 * `@ctxsiem/test-kit/options-table`). From the repo root:
 *
 *   node scripts/options-tables.ts           exits 1 listing the READMEs whose tables are stale
 *   node scripts/options-tables.ts --write   rewrites the tables in place
 *
 * A table sits between `<!-- options:{id} -->` and `<!-- /options:{id} -->` in its README. Packages
 * are loaded from source (`--conditions=@ctxsiem/source`; the script re-runs itself with it if missing).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { OptionsTable } from '../packages/test-kit/src/options-table.ts';

const SOURCE_CONDITION = '@ctxsiem/source';

interface ReadmeTables {
  /** Repo-relative path of the README. */
  readme: string;
  /** The README's tables: marker id and schema (loaded lazily, from source). */
  tables: () => Promise<OptionsTable[]>;
}

export const README_TABLES: ReadmeTables[] = [
  {
    readme: 'packages/citrix-cloud/README.md',
    tables: async () => {
      const { CitrixCloudConfigSchema } = await import('../packages/citrix-cloud/src/config.ts');
      return [{ id: 'config', schema: CitrixCloudConfigSchema }];
    },
  },
  {
    readme: 'packages/source-monitor/README.md',
    tables: async () => {
      const { MonitorOptionsSchema } = await import('../packages/source-monitor/src/config.ts');
      return [{ id: 'source', schema: MonitorOptionsSchema }];
    },
  },
  {
    readme: 'packages/source-analytics/README.md',
    tables: async () => {
      const { AnalyticsOptionsSchema } = await import('../packages/source-analytics/src/config.ts');
      return [{ id: 'source', schema: AnalyticsOptionsSchema }];
    },
  },
  {
    readme: 'packages/sink-file/README.md',
    tables: async () => {
      const { FileCheckpointConfigSchema, FileSinkConfigSchema } = await import(
        '../packages/sink-file/src/config.ts'
      );
      return [
        { id: 'sink', schema: FileSinkConfigSchema },
        { id: 'checkpoint', schema: FileCheckpointConfigSchema },
      ];
    },
  },
  {
    readme: 'packages/sink-s3/README.md',
    tables: async () => {
      const { S3CheckpointConfigSchema, S3SinkConfigSchema } = await import(
        '../packages/sink-s3/src/config.ts'
      );
      return [
        { id: 'sink', schema: S3SinkConfigSchema },
        { id: 'checkpoint', schema: S3CheckpointConfigSchema },
      ];
    },
  },
  {
    readme: 'packages/sink-gcs/README.md',
    tables: async () => {
      const { GcsCheckpointConfigSchema, GcsSinkConfigSchema } = await import(
        '../packages/sink-gcs/src/config.ts'
      );
      return [
        { id: 'sink', schema: GcsSinkConfigSchema },
        { id: 'checkpoint', schema: GcsCheckpointConfigSchema },
      ];
    },
  },
];

async function main(write: boolean): Promise<number> {
  const { isOptionsTableCurrent, renderOptionsTable, replaceOptionsTable } = await import(
    '../packages/test-kit/src/options-table.ts'
  );
  const stale: string[] = [];
  const broken: string[] = [];
  let written = 0;
  for (const { readme, tables } of README_TABLES) {
    const path = fileURLToPath(new URL(`../${readme}`, import.meta.url));
    try {
      const current = readFileSync(path, 'utf8');
      let next = current;
      const outdated: string[] = [];
      for (const { id, schema } of await tables()) {
        const table = renderOptionsTable(schema);
        if (!isOptionsTableCurrent(next, id, table)) outdated.push(id);
        next = replaceOptionsTable(next, id, table);
      }
      if (write && next !== current) {
        writeFileSync(path, next);
        written++;
        console.log(`${readme}: updated${outdated.length ? ` (${outdated.join(', ')})` : ' (padding)'}`);
      } else if (outdated.length) {
        stale.push(`${readme} (${outdated.join(', ')})`);
      }
    } catch (error) {
      broken.push(`${readme}: ${(error as Error).message}`);
    }
  }
  for (const line of broken) console.error(line);
  if (stale.length) {
    console.error(`Stale options tables; run \`node scripts/options-tables.ts --write\`:`);
    for (const line of stale) console.error(`  ${line}`);
  }
  if (!written && !stale.length && !broken.length) console.log('Every README options table is up to date.');
  return stale.length || broken.length ? 1 : 0;
}

// NODE_OPTIONS flags do not show in execArgv: then the child gets the flag twice, which is harmless.
const withSourceCondition = process.execArgv.some((arg) => arg.includes(SOURCE_CONDITION));

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (withSourceCondition) {
    process.exitCode = await main(process.argv.includes('--write'));
  } else {
    const args = [`--conditions=${SOURCE_CONDITION}`, ...process.execArgv, ...process.argv.slice(1)];
    process.exitCode = spawnSync(process.execPath, args, { stdio: 'inherit' }).status ?? 1;
  }
}
