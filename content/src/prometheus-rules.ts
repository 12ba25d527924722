/**
 * The daemon's Prometheus alerting rules (`operations/prometheus-alerts.yaml`): a rule file as
 * Prometheus loads it from `rule_files:` — `groups:` of `rules:`
 * (https://prometheus.io/docs/prometheus/latest/configuration/recording_rules/#configuring-rules and
 * https://prometheus.io/docs/prometheus/latest/configuration/alerting_rules/). Prometheus reads the file
 * strictly (prometheus/prometheus model/rulefmt/rulefmt.go decodes with KnownFields), so unknown fields
 * are refused here too. On top of the format, the project's convention for every alert: a `severity`
 * label, and `summary`, `description` and `runbook_url` annotations, the runbook a section of
 * `operations/README.md`.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';

export const ALERTS_FILE = new URL('../operations/prometheus-alerts.yaml', import.meta.url);

/** Prometheus' `<duration>`: https://prometheus.io/docs/prometheus/latest/configuration/configuration/#duration */
const DurationSchema = z
  .string()
  .regex(/^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/, {
    error: 'must be a Prometheus duration (1h30m, 5m, 90s)',
  })
  .refine((d) => d !== '', { error: 'must not be empty' });

/** `<labelname>`: https://prometheus.io/docs/concepts/data_model/#metric-names-and-labels (the legacy charset, which every version accepts). */
const validLabelNames = (labels: object) =>
  Object.keys(labels).every((k) => /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(k));

export const SEVERITIES = ['critical', 'warning', 'info'] as const;

export const AlertRuleSchema = z.strictObject({
  alert: z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/, { error: 'alert names are CamelCase words' }),
  expr: z.string().min(1),
  for: DurationSchema.optional(),
  keep_firing_for: DurationSchema.optional(),
  labels: z
    .object({ severity: z.enum(SEVERITIES) })
    .catchall(z.string())
    .refine(validLabelNames, { error: 'label names must match [a-zA-Z_][a-zA-Z0-9_]*' }),
  annotations: z
    .object({
      summary: z.string().min(1),
      description: z.string().min(1),
      runbook_url: z.string().regex(/^content\/operations\/README\.md#[a-z0-9-]+$/, {
        error: 'must point to a section of content/operations/README.md',
      }),
    })
    .catchall(z.string())
    .refine(validLabelNames, { error: 'annotation names must match [a-zA-Z_][a-zA-Z0-9_]*' }),
});
export type AlertRule = z.infer<typeof AlertRuleSchema>;

export const RuleGroupSchema = z.strictObject({
  name: z.string().min(1),
  interval: DurationSchema.optional(),
  rules: z.array(AlertRuleSchema).min(1),
});

export const PrometheusRulesSchema = z.strictObject({
  groups: z
    .array(RuleGroupSchema)
    .min(1)
    .refine((groups) => new Set(groups.map((g) => g.name)).size === groups.length, {
      error: 'group names must be unique in a file (Prometheus refuses a repeated one)',
    }),
});
export type PrometheusRules = z.infer<typeof PrometheusRulesSchema>;

/** The alert rules file, validated; throws naming each problem. */
export function loadPrometheusRules(file: URL | string = ALERTS_FILE): PrometheusRules {
  return parsePrometheusRules(readFileSync(file, 'utf8'));
}

/** A rule file's text, validated. */
export function parsePrometheusRules(text: string): PrometheusRules {
  return PrometheusRulesSchema.parse(parse(text));
}

/** Every alert of every group. */
export const alertRules = (rules: PrometheusRules): AlertRule[] => rules.groups.flatMap((g) => g.rules);
