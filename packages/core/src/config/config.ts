/**
 * One zod schema per config is the source of its type, defaults, docs and JSON Schema. These helpers
 * turn zod failures into a ConfigError that names each bad field.
 */
import { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../errors/errors.ts';

export function parseConfig<S extends z.ZodType>(component: string, schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigError(component, toIssues(result.error));
}

export function toIssues(error: z.ZodError): ConfigIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path
      .map((part) => (typeof part === 'number' ? `[${part}]` : String(part)))
      .join('.')
      .replace(/\.\[/g, '['),
    reason: issue.message,
  }));
}

/** JSON Schema (draft 2020-12) of a config schema, as `ctxsiem config schema` prints it. */
export function configJsonSchema(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}

/** An ISO-8601 UTC instant (`2024-08-06T07:00:00Z`), parsed to a Date. */
export const isoInstant = z.iso
  .datetime({ offset: true, message: 'must be an ISO-8601 date-time such as 2024-08-06T07:00:00Z' })
  .transform((value) => new Date(value));

/** A comma-separated list from an environment variable, or an array. */
export const stringList = z.preprocess(
  (value) =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((part) => part.trim())
          .filter(Boolean)
      : value,
  z.array(z.string().min(1)).min(1, 'must list at least one name'),
);
