/**
 * Counts the rows a request generates or examines, and aborts the request once it scans more than the
 * configured maximum: the emulator's stand-in for the Monitor service's 30-second query timeout
 * ("Query time out is 30 seconds": Citrix's Monitor Service OData documentation, quoted in
 * ../../../docs/research and the shared citrix-facts). How many rows 30 seconds examine is not
 * published: the default (options.ts) is INFERRED.
 */

export class QueryTimeoutError extends Error {
  readonly scannedRows: number;
  constructor(scannedRows: number) {
    super(`query scanned more than the allowed rows (${scannedRows})`);
    this.name = 'QueryTimeoutError';
    this.scannedRows = scannedRows;
  }
}

export interface ScanBudget {
  /** Records that `rows` more rows were examined; throws QueryTimeoutError past the limit. */
  consume(rows: number): void;
  readonly scanned: number;
}

export function createScanBudget(maxScannedRows: number | null): ScanBudget {
  let scanned = 0;
  return {
    consume(rows: number) {
      scanned += rows;
      if (maxScannedRows !== null && scanned > maxScannedRows) throw new QueryTimeoutError(scanned);
    },
    get scanned() {
      return scanned;
    },
  };
}

/**
 * A budget that charges `rowCost` for every row examined: a query the database cannot answer from an
 * index (its filter bounds no indexed column) examines each row the slow way, so the same 30 seconds
 * reach over fewer rows.
 */
export function weightedBudget(budget: ScanBudget, rowCost: number): ScanBudget {
  if (rowCost === 1) return budget;
  return {
    consume: (rows) => budget.consume(rows * rowCost),
    get scanned() {
      return budget.scanned;
    },
  };
}
