/**
 * What one invocation of a function asks for: some of the configured tenants and sources. A Lambda's
 * EventBridge Scheduler input, a Cloud Scheduler request body and a Pub/Sub message all carry it as
 * `{"tenants": ["acme"], "sources": ["monitor"]}`; anything else in them is ignored, and no selection
 * collects everything configured.
 */
import { ConfigError, type ConfigIssue, toIssues } from '@ctxsiem/core';
import type { DeploymentConfig } from '@ctxsiem/registry';
import { z } from 'zod';

/** Which of the configured tenants (customer ids) and sources (types) a run collects; default all. */
export interface CollectSelection {
  tenants?: readonly string[] | undefined;
  sources?: readonly string[] | undefined;
  /** Where the selection came from, for error messages (`event`); default `selection`. */
  field?: string | undefined;
}

/** Refuses a selection naming a tenant or source the deployment does not configure. */
export function checkSelection(config: DeploymentConfig, selection: CollectSelection): void {
  const field = selection.field ?? 'selection';
  const issues: ConfigIssue[] = [];
  const configured = {
    tenants: config.tenants.map((tenant): string => tenant.customerId),
    sources: config.sources.map((source): string => source.type),
  };
  for (const kind of ['tenants', 'sources'] as const)
    for (const name of selection[kind] ?? [])
      if (!configured[kind].includes(name))
        issues.push({
          path: `${field}.${kind}`,
          reason: `"${name}" is not configured (configured: ${configured[kind].join(', ')})`,
        });
  if (issues.length > 0) throw new ConfigError('selection', issues);
}

/** Whether a selection (of tenants or of sources) takes `name`: no selection takes every one. */
export function isSelected(names: readonly string[] | undefined, name: string): boolean {
  return names === undefined || names.length === 0 || names.includes(name);
}

const names = z.array(z.string().min(1)).min(1).optional();

export const SelectionSchema = z.looseObject({
  tenants: names.describe('Customer ids to collect (default: every configured tenant).'),
  sources: names.describe('Source types to collect (default: every configured source).'),
});

/** The selection `value` carries, checked; a malformed one is a `ConfigError` naming `{field}.…`. */
export function parseSelection(value: unknown, field: string): CollectSelection {
  if (value === undefined || value === null) return { field };
  const parsed = SelectionSchema.safeParse(value);
  if (!parsed.success)
    throw new ConfigError(
      field,
      toIssues(parsed.error).map((issue) => ({
        ...issue,
        path: issue.path ? `${field}.${issue.path}` : field,
      })),
    );
  return { tenants: parsed.data.tenants, sources: parsed.data.sources, field };
}
