/**
 * The streams the deployment's sources deliver, with what their records carry — columns, time field,
 * tenant field — once per `{source}/{stream}` (every tenant's records of a stream look alike): what the
 * Azure DCR and tables, and the records' JSON Schemas, are generated from.
 */
import { type Column, recordJsonSchema, type TableProjection } from '@ctxsiem/core';
import type { DeploymentConfig } from '@ctxsiem/registry';
import { eachSource, type SourceDeps } from './each-source.ts';

export interface DeclaredStream {
  source: string;
  stream: string;
  columns: readonly Column[];
  timeField: string;
  tenantField?: string | undefined;
  /** The table a product defines for these records, when there is one. */
  table?: TableProjection | undefined;
}

/** Every configured stream with its columns; fails naming the streams that have no column list. */
export async function declaredStreams(config: DeploymentConfig, deps: SourceDeps): Promise<DeclaredStream[]> {
  const declared = new Map<string, DeclaredStream>();
  const unknown: string[] = [];
  await eachSource(config, deps, async (source) => {
    for (const stream of source.streams) {
      const name = `${source.type}/${stream.name}`;
      if (!stream.columns) {
        unknown.push(name);
        continue;
      }
      declared.set(name, {
        source: source.type,
        stream: stream.name,
        columns: stream.columns,
        timeField: 'cursorField' in stream ? stream.cursorField : stream.timeField,
        tenantField: source.tenantField,
        ...('azureTable' in stream && stream.azureTable ? { table: stream.azureTable } : {}),
      });
    }
  });
  if (unknown.length > 0)
    throw new Error(`no column list for ${unknown.join(', ')}: their streams cannot be declared`);
  return [...declared.values()];
}

/** `ctxsiem config records`: the JSON Schema of each configured stream's records, by `{source}/{stream}`. */
export async function recordSchemas(
  config: DeploymentConfig,
  deps: SourceDeps,
): Promise<Record<string, Record<string, unknown>>> {
  const schemas: Record<string, Record<string, unknown>> = {};
  for (const stream of await declaredStreams(config, deps)) {
    const title = `${stream.source}/${stream.stream}`;
    schemas[title] = recordJsonSchema({ ...stream, title });
  }
  return schemas;
}
