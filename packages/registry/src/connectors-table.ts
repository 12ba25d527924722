/**
 * The table of installed connectors: what `ctxsiem connectors` prints and what the README's connector
 * table is generated from (`scripts/generate-registry.ts`).
 */
import type { Connector, ConnectorKind } from '@ctxsiem/core';

const KIND_NAMES: Record<ConnectorKind, string> = {
  'pull-source': 'source',
  'stream-source': 'stream source',
  sink: 'sink',
  'checkpoint-store': 'checkpoint store',
};

export interface ConnectorRow {
  kind: string;
  type: string;
  package: string;
  summary: string;
  variables: string;
}

export function connectorRows(installed: readonly Connector[]): ConnectorRow[] {
  return installed.map((connector) => ({
    kind: KIND_NAMES[connector.kind],
    type: connector.type,
    package: connector.package,
    summary: connector.summary,
    variables: [...new Set(Object.values(connector.env?.variables ?? {}))].join(', '),
  }));
}

/** A Markdown table, columns padded so the source reads as a table too. */
export function connectorsMarkdown(installed: readonly Connector[]): string {
  const header = ['Kind', 'Type', 'Package', 'What it is', 'Environment variables'];
  const rows = connectorRows(installed).map((row) => [
    row.kind,
    `\`${row.type}\``,
    `\`${row.package}\``,
    row.summary,
    row.variables
      ? row.variables
          .split(', ')
          .map((v) => `\`${v}\``)
          .join(', ')
      : '',
  ]);
  return renderTable(
    header,
    rows,
    (cells, widths) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`,
    true,
  );
}

export interface ConnectorsTextOptions {
  /** Every column (package, environment variables) and the workspace-only connectors. */
  wide?: boolean;
  /** The terminal's width: a summary longer than the line allows is cut (not with `wide`). */
  columns?: number;
}

/**
 * A plain-text table for the terminal: type, kind and a one-line summary that fits `columns`, the
 * deployable connectors only; `wide`, every column and connector.
 */
export function connectorsText(installed: readonly Connector[], options: ConnectorsTextOptions = {}): string {
  const line = (cells: string[], widths: number[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  if (options.wide) {
    const header = ['kind', 'type', 'package', 'environment', 'summary'];
    const rows = connectorRows(installed).map((row) => [
      row.kind,
      row.type,
      row.package,
      row.variables || '-',
      row.summary,
    ]);
    return renderTable(header, rows, line, false);
  }
  const shown = installed.filter((connector) => !connector.workspaceOnly);
  const rows = connectorRows(shown).map((row) => [row.type, row.kind, row.summary]);
  const header = ['type', 'kind', 'summary'];
  const fixed = [0, 1].reduce(
    (sum, i) => sum + Math.max(header[i]!.length, ...rows.map((r) => r[i]!.length)) + 2,
    0,
  );
  const room = Math.max((options.columns ?? 100) - fixed, 20);
  const fitted = rows.map(([type, kind, summary]) => [
    type!,
    kind!,
    summary!.length > room ? `${summary!.slice(0, room - 1).trimEnd()}…` : summary!,
  ]);
  const hidden = installed.length - shown.length;
  return `${renderTable(header, fitted, line, false)}(--wide: every column${hidden ? ` and the ${hidden} test-only connector${hidden === 1 ? '' : 's'}` : ''})\n`;
}

function renderTable(
  header: string[],
  rows: string[][],
  line: (cells: string[], widths: number[]) => string,
  markdown: boolean,
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const rule = markdown
    ? `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`
    : widths.map((w) => '-'.repeat(w)).join('  ');
  return `${[line(header, widths), rule, ...rows.map((row) => line(row, widths))].join('\n')}\n`;
}
