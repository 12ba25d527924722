/**
 * Counts the rows a request generates or examines, and aborts the request once it scans more than the
 * configured maximum: the emulator's stand-in for the Monitor service's 30-second query timeout.
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
