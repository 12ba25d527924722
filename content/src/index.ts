/** SIEM content over the data ctxsiem delivers, and what verifies it offline. */

// Operations: the daemon's Grafana dashboard and Prometheus alerts, and what checks their PromQL.
export * from './grafana-dashboard.ts';
export * from './prometheus-exposition.ts';
export * from './prometheus-rules.ts';
export * from './promql-check.ts';
export * from './promql-references.ts';

// Sentinel: workbooks, and every KQL query of one with its parameters expanded.
export * from './sentinel/workbook.ts';

// SecOps: the structural linter of the YARA-L rules (UDM field paths checked against Google's schema).
export * from './yaral-lint.ts';
