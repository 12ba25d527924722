/**
 * What one invocation of a function asks for: some of the configured tenants and sources. A Lambda's
 * EventBridge Scheduler input, a Cloud Scheduler request body and a Pub/Sub message all carry it as
 * `{"tenants": ["acme"], "sources": ["monitor"]}`; anything else in them is ignored, and no selection
 * collects everything configured.
 */
import { ConfigError, toIssues } from '@ctxsiem/core';
import { z } from 'zod';
import type { CollectSelection } from './collect.ts';

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
