/**
 * Every package README's options tables, rendered from the zod schemas they document (see
 * `@ctxsiem/core/config`, `options-table.ts`). From the repo root:
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
import type { OptionsTable } from '../packages/core/src/config/options-table.ts';

const SOURCE_CONDITION = '@ctxsiem/source';

interface ReadmeTables {
  /** Repo-relative path of the README. */
  readme: string;
  /** The README's tables: marker id and schema (loaded lazily, from source). */
  tables: () => Promise<OptionsTable[]>;
}

/** Which options table of a connector package's README documents a connector of each kind. */
const TABLE_ID = {
  'pull-source': 'source',
  'stream-source': 'source',
  sink: 'sink',
  'checkpoint-store': 'checkpoint',
};

/**
 * The READMEs and their tables: the Citrix Cloud client's, the bucket drivers', and one per installed connector (from the
 * registry, so a new connector package is covered without an edit here) whose README has its marker.
 */
export async function readmeTables(): Promise<ReadmeTables[]> {
  const { connectors } = await import('../packages/registry/src/index.ts');
  const byReadme = new Map<string, OptionsTable[]>();
  for (const connector of connectors) {
    const readme = `packages/${connector.package.replace(/^@ctxsiem\//, '')}/README.md`;
    const id = TABLE_ID[connector.kind];
    const text = readFileSync(fileURLToPath(new URL(`../${readme}`, import.meta.url)), 'utf8');
    if (!text.includes(`<!-- options:${id} -->`)) continue;
    byReadme.set(readme, [...(byReadme.get(readme) ?? []), { id, schema: connector.schema }]);
  }
  return [
    {
      readme: 'packages/citrix-cloud/README.md',
      tables: async () => {
        const { CitrixCloudConfigSchema } = await import('../packages/citrix-cloud/src/config.ts');
        return [{ id: 'config', schema: CitrixCloudConfigSchema }];
      },
    },
    {
      readme: 'packages/object-store-s3/README.md',
      tables: async () => {
        const { S3ConnectionSchema } = await import('../packages/object-store-s3/src/config.ts');
        return [{ id: 'connection', schema: S3ConnectionSchema }];
      },
    },
    {
      readme: 'packages/object-store-gcs/README.md',
      tables: async () => {
        const { GcsConnectionSchema } = await import('../packages/object-store-gcs/src/config.ts');
        return [{ id: 'connection', schema: GcsConnectionSchema }];
      },
    },
    {
      readme: 'terraform/README.md',
      tables: async () => {
        const { EnvironmentSchema, AwsSchema, GcpSchema, AzureSchema, SecOpsSchema } = await import(
          '../terraform/src/environment.ts'
        );
        return [
          { id: 'environment', schema: EnvironmentSchema },
          { id: 'aws', schema: AwsSchema },
          { id: 'gcp', schema: GcpSchema },
          { id: 'azure', schema: AzureSchema },
          { id: 'secops', schema: SecOpsSchema },
        ];
      },
    },
    ...[...byReadme].map(([readme, tables]) => ({ readme, tables: async () => tables })),
  ];
}

async function main(write: boolean): Promise<number> {
  const { isOptionsTableCurrent, renderOptionsTable, replaceOptionsTable } = await import(
    '../packages/core/src/config/options-table.ts'
  );
  const stale: string[] = [];
  const broken: string[] = [];
  let written = 0;
  for (const { readme, tables } of await readmeTables()) {
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
