/** SIEM content over the data ctxsiem delivers, and what verifies it offline. */

// The README's table of questions and the content answering them.
export * from './content-catalog.ts';
// Operations: the daemon's Grafana dashboard and Prometheus alerts, and what checks their PromQL.
export * from './grafana-dashboard.ts';
export * from './prometheus-exposition.ts';
export * from './prometheus-rules.ts';
export * from './promql-check.ts';
export * from './promql-references.ts';
// Sentinel: the content files, the workspace they are analyzed in, ASIM conformance, what an environment deploys.
export * from './sentinel/asim-conformance.ts';
export * from './sentinel/asim-schemas.ts';
export * from './sentinel/content-files.ts';
export * from './sentinel/content-workspace.ts';
export * from './sentinel/deployment-plan.ts';
export * from './sentinel/kql-workspace.ts';
export * from './sentinel/latest-functions.ts';
// Sentinel: workbooks, and every KQL query of one with its parameters expanded.
export * from './sentinel/workbook.ts';
export * from './sentinel/workspace-tables.ts';
// SecOps: the structural linter of the YARA-L rules (UDM field paths checked against Google's schema).
export * from './yaral-lint.ts';
