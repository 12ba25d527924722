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

/** A plain-text table for the terminal. */
export function connectorsText(installed: readonly Connector[]): string {
  const header = ['kind', 'type', 'package', 'environment', 'summary'];
  const rows = connectorRows(installed).map((row) => [
    row.kind,
    row.type,
    row.package,
    row.variables || '-',
    row.summary,
  ]);
  return renderTable(
    header,
    rows,
    (cells, widths) =>
      cells
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    false,
  );
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
