/**
 * The daemon's Grafana dashboard (`operations/grafana-dashboard.json`): the schema it is held to, its
 * loader, and the PromQL it runs. The file is a dashboard exported "for sharing externally" in
 * Grafana's classic JSON model (https://grafana.com/docs/grafana/latest/visualizations/dashboards/build-dashboards/view-dashboard-json-model/):
 * `__inputs` names the Prometheus data source the importer picks (`DS_PROMETHEUS`), and every data
 * source reference is `{ type: "prometheus", uid: "${DS_PROMETHEUS}" }` — the form Grafana's exporter
 * writes (grafana/grafana public/app/features/dashboard/components/DashExportModal/DashboardExporter.ts,
 * `templateizeDatasourceUsage`). The schema checks what the content relies on and lets Grafana's many
 * display fields through.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** The `__inputs` entry the dashboard's data source references name. */
export const DATASOURCE_INPUT = 'DS_PROMETHEUS';
const DATASOURCE_UID = `\${${DATASOURCE_INPUT}}`;

export const DASHBOARD_FILE = new URL('../operations/grafana-dashboard.json', import.meta.url);

const DatasourceRefSchema = z.strictObject({
  type: z.literal('prometheus'),
  uid: z.literal(DATASOURCE_UID, { error: `must be "${DATASOURCE_UID}", the import's data source input` }),
});

const TargetSchema = z.looseObject({
  refId: z.string().min(1),
  datasource: DatasourceRefSchema,
  expr: z
    .string()
    .min(1)
    .describe('PromQL; Grafana replaces $variables and $__rate_interval before sending it.'),
  legendFormat: z.string().optional(),
  instant: z.boolean().optional(),
  range: z.boolean().optional(),
});

const GridPosSchema = z.strictObject({
  h: z.number().int().positive(),
  w: z.number().int().min(1).max(24),
  x: z.number().int().min(0).max(23),
  y: z.number().int().min(0),
});

const panelFields = {
  id: z.number().int().positive(),
  type: z.string().min(1),
  title: z.string().min(1),
  description: z.string().optional(),
  gridPos: GridPosSchema,
  datasource: DatasourceRefSchema.optional(),
  targets: z.array(TargetSchema).optional(),
};
const queriesAndSource = <T extends { type: string; targets?: unknown[] | undefined; datasource?: unknown }>(
  schema: z.ZodType<T>,
) =>
  schema
    .refine((p) => p.type === 'row' || (p.targets?.length ?? 0) > 0, {
      error: 'a panel other than a row needs at least one query',
    })
    .refine((p) => p.type === 'row' || p.datasource !== undefined, {
      error: 'a panel other than a row needs its data source',
    });

/** A panel inside a row (rows nest one level: a collapsed row holds its panels). */
const RowChildSchema = queriesAndSource(z.looseObject(panelFields));

export const PanelSchema = queriesAndSource(
  z.looseObject({ ...panelFields, panels: z.array(RowChildSchema).optional() }),
);
export type Panel = z.infer<typeof PanelSchema>;

/**
 * A query variable over Prometheus: `label_values(<selector>, <label>)` (Grafana's Prometheus
 * variable functions: https://grafana.com/docs/grafana/latest/datasources/prometheus/template-variables/).
 */
const VariableSchema = z.looseObject({
  name: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/),
  label: z.string().optional(),
  type: z.literal('query'),
  datasource: DatasourceRefSchema,
  definition: z.string(),
  query: z.string().regex(/^label_values\(.+,\s*[a-zA-Z_][a-zA-Z0-9_]*\)$/, {
    error: 'must be label_values(<selector>, <label>)',
  }),
  multi: z.boolean().optional(),
  includeAll: z.boolean().optional(),
});

export const GrafanaDashboardSchema = z.looseObject({
  __inputs: z
    .array(
      z.strictObject({
        name: z.string(),
        label: z.string(),
        description: z.string(),
        type: z.literal('datasource'),
        pluginId: z.literal('prometheus'),
        pluginName: z.literal('Prometheus'),
      }),
    )
    .refine((inputs) => inputs.some((i) => i.name === DATASOURCE_INPUT), {
      error: `must declare the data source input ${DATASOURCE_INPUT}`,
    }),
  __requires: z.array(
    z.looseObject({ type: z.string(), id: z.string(), name: z.string(), version: z.string() }),
  ),
  title: z.string().min(1),
  uid: z.string().regex(/^[a-zA-Z0-9_-]{1,40}$/),
  description: z.string().optional(),
  /**
   * The classic model's schema version. 42 is "the final version for the v1 dashboard API"
   * (grafana/grafana apps/dashboard/pkg/migration/schemaversion/README.md, commit 2a93349e3b): Grafana
   * 12 and 13 load it without migrating the panels.
   */
  schemaVersion: z.number().int().min(39),
  templating: z.looseObject({ list: z.array(VariableSchema) }),
  panels: z.array(PanelSchema).min(1),
});
export type GrafanaDashboard = z.infer<typeof GrafanaDashboardSchema>;

/** The dashboard file, validated; throws naming each problem. */
export function loadGrafanaDashboard(file: URL | string = DASHBOARD_FILE): GrafanaDashboard {
  return GrafanaDashboardSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
}

/** Every panel, those inside collapsed rows too. */
export function dashboardPanels(dashboard: GrafanaDashboard): Panel[] {
  return dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

export interface DashboardQuery {
  /** Which panel and query, or which variable. */
  where: string;
  /** The query as PromQL: Grafana's interval macros replaced, its $variables left in their strings. */
  promql: string;
}

/**
 * Every PromQL query of the dashboard: each panel target's `expr`, and each variable's
 * `label_values(selector, label)` as `count by (label) (selector)` — the same selector, grouped by the
 * label it lists, so the check asks whether that metric carries it.
 */
export function dashboardQueries(dashboard: GrafanaDashboard): DashboardQuery[] {
  const panels = dashboardPanels(dashboard).flatMap((p) =>
    (p.targets ?? []).map((t) => ({
      where: `panel ${p.id} "${p.title}" query ${t.refId}`,
      promql: withGrafanaMacros(t.expr),
    })),
  );
  const variables = dashboard.templating.list.map((v) => {
    const [, selector, label] = /^label_values\((.+),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$/.exec(v.query) ?? [];
    return { where: `variable ${v.name}`, promql: `count by (${label}) (${selector})` };
  });
  return [...panels, ...variables];
}

/**
 * Grafana's interval macros as the durations it would send
 * (https://grafana.com/docs/grafana/latest/datasources/prometheus/template-variables/#use-__rate_interval):
 * any duration parses the same. Other `$variables` stay: the dashboard uses them only inside label
 * matchers' strings; anywhere else they are a syntax error, as they should be.
 */
export function withGrafanaMacros(expr: string): string {
  return expr.replace(
    /\$(__rate_interval|__interval|__range)\b|\$\{(__rate_interval|__interval|__range)\}/g,
    '5m',
  );
}
